package dev.llmproxy.admin;

import dev.llmproxy.admin.AdminFixture.Browser;
import dev.llmproxy.admin.AdminFixture.Page;
import dev.llmproxy.core.store.PageRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Project, token and cache pages against a real management API: outcomes and API errors shown. */
class AdminUiPagesTest {

    @TempDir
    Path dir;
    AdminFixture fixture;
    Browser b;
    String csrf;

    @BeforeEach
    void start() throws Exception {
        fixture = new AdminFixture(dir, ui -> { });
        b = fixture.browser();
        assertThat(b.login(AdminFixture.MANAGEMENT_TOKEN).status()).isEqualTo(303);
        csrf = b.get("/admin/projects").csrf();
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    private String createProject(String name) {
        Page p = b.post("/admin/projects", Map.of("csrf_token", csrf, "name", name, "api_key", "sk-key-0123456789"));
        assertThat(p.status()).isEqualTo(303);
        return p.location().substring("/admin/projects/".length());
    }

    private String createToken(String project) {
        Page p = b.post("/admin/tokens", Map.of("csrf_token", csrf, "project_id", project, "duration_minutes", "60"));
        assertThat(p.status()).isEqualTo(303);
        String id = p.location().substring("/admin/tokens/".length(), p.location().length() - "/created".length());
        b.get(p.location());
        return id;
    }

    @Test
    void apiErrorsAreShownWithTheFormKept() {
        createProject("demo");
        Page dup = b.post("/admin/projects", Map.of("csrf_token", csrf, "name", "demo", "api_key", "sk-key-0123456789"));
        assertThat(dup.status()).isEqualTo(400);
        assertThat(dup.body()).contains("Could not create the project: A project with this name already exists"
                + " (HTTP 409)").contains("value=\"demo\"").doesNotContain("sk-key-0123456789");
        Page badKey = b.post("/admin/projects", Map.of("csrf_token", csrf, "name", "other", "api_key", "sk-…abc"));
        assertThat(badKey.body()).contains("Could not create the project:");
        Page badQuota = b.post("/admin/tokens", Map.of("csrf_token", csrf, "project_id", "nope",
                "duration_minutes", "60", "max_requests", "lots"));
        assertThat(badQuota.body()).contains("must be whole numbers");
        assertThat(b.get("/admin/projects/does-not-exist").status()).isEqualTo(404);
    }

    @Test
    void editDeactivateWithRevocationAndReactivate() {
        String id = createProject("before");
        Page edit = b.post("/admin/projects/" + id + "/edit", Map.of("csrf_token", csrf, "name", "after",
                "api_key", ""));
        assertThat(edit.status()).isEqualTo(303);
        assertThat(b.get(edit.location()).body()).contains("Project saved.").contains("Project after");
        String token = createToken(id);
        Page off = b.post("/admin/projects/" + id + "/status", Map.of("csrf_token", csrf, "is_active", "false",
                "revoke_tokens", "true"));
        assertThat(b.get(off.location()).body()).contains("Project deactivated; 1 token(s) revoked.")
                .contains("Activate project");
        assertThat(b.get("/admin/tokens/" + token).body()).contains("Revoked");
        Page newToken = b.get("/admin/tokens/new?project_id=" + id);
        assertThat(newToken.body()).contains("There is no active project");
        Page on = b.post("/admin/projects/" + id + "/status", Map.of("csrf_token", csrf, "is_active", "true"));
        assertThat(b.get(on.location()).body()).contains("Project activated.");
    }

    @Test
    void deleteNeedsTheNameTyped() {
        String id = createProject("doomed");
        assertThat(b.get("/admin/projects/" + id + "/delete").body()).contains("Type the project's name");
        Page wrong = b.post("/admin/projects/" + id + "/delete", Map.of("csrf_token", csrf, "confirm_name", "nope"));
        assertThat(b.get(wrong.location()).body()).contains("The name did not match");
        assertThat(fixture.projects.list(PageRequest.first(10)).total()).isEqualTo(1);
        Page right = b.post("/admin/projects/" + id + "/delete", Map.of("csrf_token", csrf, "confirm_name", "doomed"));
        assertThat(right.location()).isEqualTo("/admin/projects");
        assertThat(b.get("/admin/projects").body()).contains("Project &#39;doomed&#39; deleted.");
        assertThat(fixture.projects.list(PageRequest.first(10)).total()).isZero();
    }

    @Test
    void tokenListFiltersAndRevokeAll() {
        String a = createProject("alpha");
        String c = createProject("charlie");
        String ta = createToken(a);
        String tc = createToken(c);
        String all = b.get("/admin/tokens").body();
        assertThat(all).contains(ta.substring(0, 8)).contains(tc.substring(0, 8));
        String onlyA = b.get("/admin/tokens?project_id=" + a).body();
        assertThat(onlyA).contains(ta.substring(0, 8)).doesNotContain(tc.substring(0, 8));
        Page revoke = b.post("/admin/projects/" + a + "/revoke-tokens", Map.of("csrf_token", csrf));
        assertThat(b.get(revoke.location()).body()).contains("1 token(s) revoked.");
        String active = b.get("/admin/tokens?active_only=true").body();
        assertThat(active).doesNotContain(ta.substring(0, 8)).contains(tc.substring(0, 8));
        Page one = b.post("/admin/tokens/" + tc + "/revoke", Map.of("csrf_token", csrf, "return_to", "list"));
        assertThat(one.location()).isEqualTo("/admin/tokens");
        assertThat(b.get("/admin/tokens").body()).contains("revoked; the proxy refuses it");
    }

    @Test
    void cachePurgeReportsTheApisAnswer() {
        // This fixture's server has no response cache: the API answers 404 and the UI says so.
        Page purge = b.post("/admin/cache/purge", Map.of("csrf_token", csrf, "by", "prefix", "value", "x"));
        assertThat(purge.location()).isEqualTo("/admin/cache");
        assertThat(b.get("/admin/cache").body()).contains("Purge failed:").contains("(HTTP 404)");
        Page empty = b.post("/admin/cache/purge", Map.of("csrf_token", csrf, "by", "key", "value", ""));
        assertThat(b.get(empty.location()).body()).contains("Choose what to purge");
    }
}
