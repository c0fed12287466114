package dev.llmproxy.admin;

import dev.llmproxy.admin.AdminFixture.Browser;
import dev.llmproxy.admin.AdminFixture.Page;
import dev.llmproxy.core.store.PageRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The admin UI's security behaviour against a real server: sessions, CSRF, headers, secrets. */
class AdminUiSecurityTest {

    @TempDir
    Path dir;
    AdminFixture fixture;

    @BeforeEach
    void start() throws Exception {
        fixture = new AdminFixture(dir, b -> b.loginAttempts(5, Duration.ofMinutes(5)));
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    private long projectCount() {
        return fixture.projects.list(PageRequest.first(100)).total();
    }

    @Test
    void pagesWithoutSessionRedirectToLogin() {
        Browser b = fixture.browser();
        for (String path : List.of("/admin/", "/admin/dashboard", "/admin/projects", "/admin/tokens/new",
                "/admin/audit", "/admin/usage", "/admin/cache", "/admin/health", "/admin/nope")) {
            Page p = b.get(path);
            assertThat(p.status()).as(path).isEqualTo(303);
            assertThat(p.location()).as(path).startsWith("/admin/");
        }
        assertThat(b.get("/admin/projects").location()).isEqualTo("/admin/login");
        // A form posted without a session changes nothing and leads to the login page too.
        Page post = b.post("/admin/projects", Map.of("name", "x", "api_key", "sk-test-123456"));
        assertThat(post.status()).isEqualTo(303);
        assertThat(post.location()).isEqualTo("/admin/login");
        assertThat(projectCount()).isZero();
    }

    @Test
    void loginSetsAStrictHttpOnlyCookieAndANewSessionId() {
        Browser b = fixture.browser();
        Page form = b.get("/admin/login");
        assertThat(form.status()).isEqualTo(200);
        String setCookie = form.header("Set-Cookie");
        assertThat(setCookie).startsWith("llmproxy_admin=").contains("HttpOnly", "SameSite=Strict", "Path=/admin")
                .doesNotContain("Secure");
        String anonymous = b.cookie;
        Page login = b.post("/admin/login", Map.of("csrf_token", form.csrf(),
                "management_token", AdminFixture.MANAGEMENT_TOKEN));
        assertThat(login.status()).isEqualTo(303);
        assertThat(login.location()).isEqualTo("/admin/dashboard");
        assertThat(b.cookie).isNotNull().isNotEqualTo(anonymous);
        assertThat(b.cookie).matches("[A-Za-z0-9_-]{43}");
        assertThat(b.get("/admin/projects").status()).isEqualTo(200);
    }

    @Test
    void wrongTokenIsRefusedAndGivesNoSession() {
        Browser b = fixture.browser();
        Page login = b.login("not-the-token");
        assertThat(login.status()).isEqualTo(401);
        assertThat(login.body()).contains("not valid");
        assertThat(b.get("/admin/dashboard").status()).isEqualTo(303);
    }

    @Test
    void loginWithoutCsrfTokenIsRefused() {
        Browser b = fixture.browser();
        b.get("/admin/login");
        Page p = b.post("/admin/login", Map.of("management_token", AdminFixture.MANAGEMENT_TOKEN));
        assertThat(p.status()).isEqualTo(403);
        assertThat(b.get("/admin/dashboard").status()).isEqualTo(303);
    }

    @Test
    void loginAttemptsAreLimitedPerAddress() {
        Browser b = fixture.browser();
        for (int i = 0; i < 5; i++) {
            assertThat(b.login("wrong-" + i).status()).isEqualTo(401);
        }
        Page limited = b.login(AdminFixture.MANAGEMENT_TOKEN);
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.body()).contains("Too many login attempts");
        assertThat(b.get("/admin/dashboard").status()).isEqualTo(303);
    }

    @Test
    void formPostsWithoutOrWithWrongCsrfTokenAreRefusedAndChangeNothing() {
        Browser b = fixture.browser();
        assertThat(b.login(AdminFixture.MANAGEMENT_TOKEN).status()).isEqualTo(303);
        String csrf = b.get("/admin/projects/new").csrf();

        Page missing = b.post("/admin/projects", Map.of("name", "p1", "api_key", "sk-test-1234567890"));
        assertThat(missing.status()).isEqualTo(403);
        assertThat(missing.body()).contains("CSRF").contains("Nothing was changed");
        Page wrong = b.post("/admin/projects", Map.of("csrf_token", csrf + "x", "name", "p1",
                "api_key", "sk-test-1234567890"));
        assertThat(wrong.status()).isEqualTo(403);
        Page foreign = b.post("/admin/projects", Map.of("csrf_token", csrf, "name", "p1",
                "api_key", "sk-test-1234567890"), Map.of("Origin", "https://evil.example"));
        assertThat(foreign.status()).isEqualTo(403);
        Page foreignReferer = b.post("/admin/projects", Map.of("csrf_token", csrf, "name", "p1",
                "api_key", "sk-test-1234567890"), Map.of("Referer", "https://evil.example/page"));
        assertThat(foreignReferer.status()).isEqualTo(403);
        Page crossSite = b.post("/admin/projects", Map.of("csrf_token", csrf, "name", "p1",
                "api_key", "sk-test-1234567890"), Map.of("Origin", "null", "Sec-Fetch-Site", "cross-site"));
        assertThat(crossSite.status()).isEqualTo(403);
        Page nullOrigin = b.post("/admin/projects", Map.of("name", "p1", "api_key", "sk-test-1234567890"),
                Map.of("Origin", "null", "Sec-Fetch-Site", "same-origin"));
        assertThat(nullOrigin.status()).as("a null origin without the CSRF token").isEqualTo(403);
        Page logout = b.post("/admin/logout", Map.of());
        assertThat(logout.status()).isEqualTo(403);
        assertThat(projectCount()).isZero();
        assertThat(b.get("/admin/projects").status()).as("still logged in").isEqualTo(200);

        Page ok = b.post("/admin/projects", Map.of("csrf_token", csrf, "name", "p1", "api_key", "sk-test-1234567890"));
        assertThat(ok.status()).isEqualTo(303);
        assertThat(ok.location()).startsWith("/admin/projects/");
        assertThat(projectCount()).isEqualTo(1);
        assertThat(b.get(ok.location()).body()).contains("Project &#39;p1&#39; created.");
    }

    @Test
    void csrfTokenOfOneSessionIsWorthlessInAnother() {
        Browser alice = fixture.browser();
        alice.login(AdminFixture.MANAGEMENT_TOKEN);
        String aliceCsrf = alice.get("/admin/projects/new").csrf();
        Browser bob = fixture.browser();
        bob.login(AdminFixture.MANAGEMENT_TOKEN);
        Page p = bob.post("/admin/projects", Map.of("csrf_token", aliceCsrf, "name", "p2",
                "api_key", "sk-test-1234567890"));
        assertThat(p.status()).isEqualTo(403);
        assertThat(projectCount()).isZero();
    }

    @Test
    void logoutEndsTheSession() {
        Browser b = fixture.browser();
        b.login(AdminFixture.MANAGEMENT_TOKEN);
        String cookie = b.cookie;
        Page page = b.get("/admin/projects");
        Page logout = b.post("/admin/logout", Map.of("csrf_token", page.csrf()));
        assertThat(logout.status()).isEqualTo(303);
        assertThat(logout.location()).isEqualTo("/admin/login?logged_out=1");
        assertThat(logout.header("Set-Cookie")).contains("Max-Age=0");
        assertThat(b.get("/admin/login?logged_out=1").body()).contains("You have been logged out");
        // The old id is dead even if a copy of the cookie survives.
        b.cookie = cookie;
        assertThat(b.get("/admin/projects").status()).isEqualTo(303);
    }

    @Test
    void everyAnswerCarriesSecurityHeadersAndPagesAreNotStored() {
        Browser b = fixture.browser();
        b.login(AdminFixture.MANAGEMENT_TOKEN);
        for (String path : List.of("/admin/login", "/admin/dashboard", "/admin/projects", "/admin/tokens",
                "/admin/static/admin.css", "/admin/static/admin.js", "/admin/nope")) {
            Page p = b.get(path);
            assertThat(p.header("Content-Security-Policy")).as(path).contains("script-src 'self'")
                    .contains("frame-ancestors 'none'").doesNotContain("unsafe-inline");
            assertThat(p.header("X-Frame-Options")).as(path).isEqualTo("DENY");
            assertThat(p.header("X-Content-Type-Options")).as(path).isEqualTo("nosniff");
            assertThat(p.header("Referrer-Policy")).as(path).isEqualTo("no-referrer");
            if (!path.contains("/static/")) {
                assertThat(p.header("Cache-Control")).as(path).isEqualTo("no-store");
            }
        }
        assertThat(b.get("/admin/nope").status()).isEqualTo(404);
        // No inline script anywhere: the CSP would block it, and none is needed.
        assertThat(b.get("/admin/dashboard").body()).doesNotContain("<script>").doesNotContain("onclick=");
    }

    @Test
    void userInputIsEscaped() {
        Browser b = fixture.browser();
        b.login(AdminFixture.MANAGEMENT_TOKEN);
        String csrf = b.get("/admin/projects/new").csrf();
        b.post("/admin/projects", Map.of("csrf_token", csrf, "name", "<script>alert(1)</script>",
                "api_key", "sk-test-1234567890"));
        String list = b.get("/admin/projects").body();
        assertThat(list).contains("&lt;script&gt;alert(1)&lt;/script&gt;").doesNotContain("<script>alert");
    }

    @Test
    void managementTokenNeverReachesTheBrowser() {
        Browser b = fixture.browser();
        b.login(AdminFixture.MANAGEMENT_TOKEN);
        String csrf = b.get("/admin/projects/new").csrf();
        Page created = b.post("/admin/projects", Map.of("csrf_token", csrf, "name", "scan",
                "api_key", "sk-upstream-secret-abcdef123456"));
        String project = created.location().substring("/admin/projects/".length());
        Page token = b.post("/admin/tokens", Map.of("csrf_token", csrf, "project_id", project,
                "duration_minutes", "60"));
        assertThat(token.status()).isEqualTo(303);
        Page shown = b.get(token.location());
        assertThat(shown.body()).contains("id=\"new-token\"").containsPattern("sk-[A-Za-z0-9_-]{43}");
        // Shown once: a reload no longer has it.
        Page again = b.get(token.location());
        assertThat(again.status()).isEqualTo(303);
        assertThat(b.get(again.location()).body()).doesNotContainPattern("sk-[A-Za-z0-9_-]{43}");
        for (String path : List.of("/admin/dashboard", "/admin/projects", "/admin/projects/" + project,
                "/admin/projects/" + project + "/edit", "/admin/tokens", "/admin/usage", "/admin/audit",
                "/admin/cache", "/admin/health", "/admin/tokens/new")) {
            b.get(path);
        }
        b.post("/admin/logout", Map.of("csrf_token", csrf));
        assertThat(b.seen).hasSizeGreaterThan(15);
        for (Page p : b.seen) {
            assertThat(p.body()).doesNotContain(AdminFixture.MANAGEMENT_TOKEN)
                    .doesNotContain("sk-upstream-secret-abcdef123456");
            for (String cookie : p.headers().allValues("Set-Cookie")) {
                assertThat(cookie).doesNotContain(AdminFixture.MANAGEMENT_TOKEN);
            }
            assertThat(p.headers().map().toString()).doesNotContain(AdminFixture.MANAGEMENT_TOKEN);
        }
    }
}
