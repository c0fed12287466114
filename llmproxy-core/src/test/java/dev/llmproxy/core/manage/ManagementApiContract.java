package dev.llmproxy.core.manage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmproxy.core.audit.AuditEvent;
import dev.llmproxy.core.audit.AuditQuery;
import dev.llmproxy.core.auth.TokenFilter;
import dev.llmproxy.core.auth.TokenRecord;
import dev.llmproxy.core.project.Project;
import dev.llmproxy.core.store.MutableClock;
import dev.llmproxy.core.store.PageRequest;
import dev.llmproxy.core.store.Stores;
import dev.llmproxy.core.manage.ManagementFixture.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.llmproxy.core.manage.ManagementFixture.MANAGEMENT_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The management API end to end: a real server with the API as a route, driven over HTTP, on
 * each store backend (subclasses). Every bad-input test also checks through the stores that
 * nothing was written.
 */
abstract class ManagementApiContract {

    static final String API_KEY = "sk-proj-UpstreamSecretKey-0123456789abcdefXYZ";
    static final String OTHER_KEY = "sk-proj-AnotherUpstreamKey-9876543210fedcbaQRS";

    @TempDir
    Path dir;

    MutableClock clock;
    ManagementFixture f;

    /** Empty stores of the backend under test, on {@code clock}. */
    protected abstract Stores openStores(MutableClock clock);

    /** The files the backend keeps its data in (for secret scans); empty for in-memory stores. */
    protected List<Path> dataFiles() {
        return List.of();
    }

    @BeforeEach
    void start() throws Exception {
        clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.MILLIS));
        f = new ManagementFixture(openStores(clock), clock, dir);
    }

    @AfterEach
    void stop() {
        if (f != null) {
            f.close();
        }
    }

    // ---------------------------------------------------------------- projects

    @Test
    void projectLifecycle_createGetListUpdateDelete() {
        Reply created = f.call("POST", "/manage/projects", "{\"name\":\"alpha\",\"api_key\":\"" + API_KEY + "\"}");
        assertThat(created.status()).isEqualTo(201);
        JsonNode p = created.json();
        String id = p.get("id").asText();
        assertThat(p.get("name").asText()).isEqualTo("alpha");
        assertThat(p.get("is_active").asBoolean()).isTrue();
        assertThat(p.get("api_key").asText()).isNotEqualTo(API_KEY).endsWith(API_KEY.substring(API_KEY.length() - 4));
        assertThat(p.get("deactivated_at").isNull()).isTrue();
        assertThat(Instant.parse(p.get("created_at").asText())).isEqualTo(Instant.parse(p.get("updated_at").asText()));

        Reply got = f.call("GET", "/manage/projects/" + id, null);
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.json()).isEqualTo(p);

        Reply list = f.call("GET", "/manage/projects", null);
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json().get("projects")).hasSize(1);
        assertThat(list.json().get("projects").get(0)).isEqualTo(p);

        clock.advance(Duration.ofSeconds(5));
        Reply renamed = f.call("PATCH", "/manage/projects/" + id,
                "{\"name\":\"beta\",\"api_key\":\"" + OTHER_KEY + "\"}");
        assertThat(renamed.status()).isEqualTo(200);
        assertThat(renamed.json().get("name").asText()).isEqualTo("beta");
        assertThat(renamed.json().get("api_key").asText()).endsWith("QRS").doesNotContain(OTHER_KEY);
        assertThat(Instant.parse(renamed.json().get("updated_at").asText())).isAfter(
                Instant.parse(p.get("updated_at").asText()));
        assertThat(f.stores.projects().get(id).orElseThrow().apiKey()).isEqualTo(OTHER_KEY);

        Reply deleted = f.call("DELETE", "/manage/projects/" + id, null);
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.json().get("deleted").asBoolean()).isTrue();
        assertThat(f.stores.projects().get(id)).isEmpty();
        Reply gone = f.call("GET", "/manage/projects/" + id, null);
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.errorCode()).isEqualTo("project_not_found");
        assertThat(f.call("DELETE", "/manage/projects/" + id, null).status()).isEqualTo(404);
    }

    @Test
    void duplicateProjectName_is409_andNothingIsWritten() {
        f.createProject("alpha", API_KEY);
        Reply r = f.call("POST", "/manage/projects", "{\"name\":\"alpha\",\"api_key\":\"" + OTHER_KEY + "\"}");
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.errorCode()).isEqualTo("duplicate_name");
        assertThat(f.stores.projects().list(PageRequest.firstPage()).total()).isEqualTo(1);
        String second = f.createProject("beta", OTHER_KEY);
        Reply rename = f.call("PATCH", "/manage/projects/" + second, "{\"name\":\"alpha\"}");
        assertThat(rename.status()).isEqualTo(409);
        assertThat(f.stores.projects().get(second).orElseThrow().name()).isEqualTo("beta");
    }

    @Test
    void sqlInjectionLookingNames_areStoredVerbatim() {
        String name = "Robert'); DROP TABLE projects;-- \u00e9\u4e2d \"quoted\" %_";
        String id = f.createProject(name, API_KEY);
        assertThat(f.call("GET", "/manage/projects/" + id, null).json().get("name").asText()).isEqualTo(name);
        assertThat(f.stores.projects().get(id).orElseThrow().name()).isEqualTo(name);
        assertThat(f.call("GET", "/manage/projects", null).json().at("/pagination/total_count").asLong()).isEqualTo(1);
        Reply search = f.call("GET", "/manage/audit?search=" + java.net.URLEncoder.encode("DROP TABLE",
                java.nio.charset.StandardCharsets.UTF_8), null);
        assertThat(search.status()).isEqualTo(200);
    }

    @Test
    void deactivatingWithRevokeTokens_revokesEveryToken_andBlocksNewTokens() {
        String project = f.createProject("alpha", API_KEY);
        String t1 = f.createToken(project, null).get("id").asText();
        String t2 = f.createToken(project, null).get("id").asText();

        Reply bad = f.call("PATCH", "/manage/projects/" + project, "{\"revoke_tokens\":true}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(f.stores.tokens().get(t1).orElseThrow().isActive()).isTrue();

        Reply r = f.call("PATCH", "/manage/projects/" + project, "{\"is_active\":false,\"revoke_tokens\":true}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("is_active").asBoolean()).isFalse();
        assertThat(r.json().get("deactivated_at").isNull()).isFalse();
        assertThat(r.json().get("tokens_revoked").asInt()).isEqualTo(2);
        assertThat(f.stores.tokens().get(t1).orElseThrow().isActive()).isFalse();
        assertThat(f.stores.tokens().get(t2).orElseThrow().isActive()).isFalse();

        Reply refused = f.call("POST", "/manage/tokens", "{\"project_id\":\"" + project + "\",\"duration_minutes\":5}");
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.errorCode()).isEqualTo("project_inactive");
        assertThat(f.stores.tokens().list(TokenFilter.all(), PageRequest.firstPage()).total()).isEqualTo(2);
    }

    @Test
    void bulkRevoke_countsAndRevokesActiveTokensOfThatProjectOnly() {
        String a = f.createProject("alpha", API_KEY);
        String b = f.createProject("beta", OTHER_KEY);
        for (int i = 0; i < 3; i++) {
            f.createToken(a, null);
        }
        String other = f.createToken(b, null).get("id").asText();
        Reply r = f.call("POST", "/manage/projects/" + a + "/tokens/revoke", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("revoked_count").asInt()).isEqualTo(3);
        assertThat(f.stores.tokens().list(TokenFilter.forProject(a).onlyActive(), PageRequest.firstPage()).total())
                .isZero();
        assertThat(f.stores.tokens().get(other).orElseThrow().isActive()).isTrue();
        assertThat(f.call("POST", "/manage/projects/" + a + "/tokens/revoke", "{}").json().get("revoked_count")
                .asInt()).isZero();
        assertThat(f.call("POST", "/manage/projects/no-such-project/tokens/revoke", null).status()).isEqualTo(404);
    }

    // ---------------------------------------------------------------- tokens

    @Test
    void tokenLifecycle_createShownOnce_listFilter_update_revoke() {
        String project = f.createProject("alpha", API_KEY);
        String other = f.createProject("beta", OTHER_KEY);
        Reply created = f.call("POST", "/manage/tokens", "{\"project_id\":\"" + project
                + "\",\"duration_minutes\":90,\"max_requests\":100,\"rate_limit_rpm\":30}");
        assertThat(created.status()).isEqualTo(201);
        JsonNode t = created.json();
        String token = t.get("token").asText();
        String id = t.get("id").asText();
        assertThat(token).startsWith("sk-").hasSize(46);
        assertThat(t.get("project_id").asText()).isEqualTo(project);
        assertThat(t.get("max_requests").asLong()).isEqualTo(100);
        assertThat(t.get("rate_limit_rpm").asInt()).isEqualTo(30);
        assertThat(t.get("request_count").asLong()).isZero();
        assertThat(Instant.parse(t.get("expires_at").asText())).isEqualTo(clock.instant().plus(Duration.ofMinutes(90)));
        f.createToken(other, null);

        Reply got = f.call("GET", "/manage/tokens/" + id, null);
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.json().has("token")).isFalse();
        assertThat(got.body()).doesNotContain(token);

        Reply filtered = f.call("GET", "/manage/tokens?project_id=" + project, null);
        assertThat(filtered.json().get("tokens")).hasSize(1);
        assertThat(filtered.json().at("/tokens/0/id").asText()).isEqualTo(id);
        assertThat(f.call("GET", "/manage/tokens?projectId=" + other, null).json().get("tokens")).hasSize(1);
        assertThat(f.call("GET", "/manage/tokens", null).json().at("/pagination/total_count").asLong()).isEqualTo(2);

        Reply updated = f.call("PATCH", "/manage/tokens/" + id,
                "{\"max_requests\":null,\"rate_limit_rpm\":5,\"duration_minutes\":10}");
        assertThat(updated.status()).isEqualTo(200);
        assertThat(updated.json().get("max_requests").isNull()).isTrue();
        assertThat(updated.json().get("rate_limit_rpm").asInt()).isEqualTo(5);
        TokenRecord stored = f.stores.tokens().get(id).orElseThrow();
        assertThat(stored.maxRequests()).isNull();
        assertThat(stored.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofMinutes(10)));

        Reply revoked = f.call("DELETE", "/manage/tokens/" + id, null);
        assertThat(revoked.status()).isEqualTo(200);
        assertThat(revoked.json().get("is_active").asBoolean()).isFalse();
        assertThat(revoked.json().get("revoked_at").isNull()).isFalse();
        assertThat(f.stores.tokens().get(id).orElseThrow().isActive()).isFalse();
        assertThat(f.call("DELETE", "/manage/tokens/" + id, null).status()).isEqualTo(200); // idempotent
        assertThat(f.call("GET", "/manage/tokens?active_only=true&project_id=" + project, null).json().get("tokens"))
                .isEmpty();
        assertThat(f.call("DELETE", "/manage/tokens/no-such-token", null).errorCode()).isEqualTo("token_not_found");
    }

    @Test
    void tokensThroughTheProxy_revocationAndDeactivationApplyToTheVeryNextRequest() {
        String project = f.createProject("alpha", API_KEY);
        JsonNode t = f.createToken(project, null);
        String token = t.get("token").asText();

        assertThat(f.chat(token).status()).isEqualTo(200);
        assertThat(f.upstream.takeRequest(Duration.ofSeconds(5)).header("authorization"))
                .isEqualTo("Bearer " + API_KEY);

        assertThat(f.call("DELETE", "/manage/tokens/" + t.get("id").asText(), null).status()).isEqualTo(200);
        Reply denied = f.chat(token);
        assertThat(denied.status()).isEqualTo(401);
        assertThat(denied.errorCode()).isEqualTo("token_inactive");

        String second = f.createToken(project, null).get("token").asText();
        assertThat(f.chat(second).status()).isEqualTo(200);
        assertThat(f.call("PATCH", "/manage/projects/" + project, "{\"is_active\":false}").status()).isEqualTo(200);
        Reply inactive = f.chat(second);
        assertThat(inactive.status()).isEqualTo(403);
        assertThat(inactive.errorCode()).isEqualTo("project_inactive");
        assertThat(f.call("PATCH", "/manage/projects/" + project, "{\"is_active\":true}").status()).isEqualTo(200);
        assertThat(f.chat(second).status()).isEqualTo(200);

        assertThat(f.call("PATCH", "/manage/projects/" + project, "{\"api_key\":\"" + OTHER_KEY + "\"}").status())
                .isEqualTo(200);
        f.upstream.reset();
        assertThat(f.chat(second).status()).isEqualTo(200);
        assertThat(f.upstream.takeRequest(Duration.ofSeconds(5)).header("authorization"))
                .isEqualTo("Bearer " + OTHER_KEY);
    }

    // ---------------------------------------------------------------- pagination

    @Test
    void pagination_pagesThroughAllProjectsInNameOrder() {
        for (int i = 0; i < 25; i++) {
            f.createProject(String.format("p%02d", i), API_KEY);
        }
        List<String> names = new ArrayList<>();
        for (int page = 1; page <= 3; page++) {
            JsonNode r = f.call("GET", "/manage/projects?page=" + page + "&page_size=10", null).json();
            r.get("projects").forEach(p -> names.add(p.get("name").asText()));
            JsonNode pg = r.get("pagination");
            assertThat(pg.get("page").asInt()).isEqualTo(page);
            assertThat(pg.get("page_size").asInt()).isEqualTo(10);
            assertThat(pg.get("total_count").asInt()).isEqualTo(25);
            assertThat(pg.get("total_pages").asInt()).isEqualTo(3);
            assertThat(pg.get("has_next").asBoolean()).isEqualTo(page < 3);
            assertThat(pg.get("has_prev").asBoolean()).isEqualTo(page > 1);
        }
        assertThat(names).hasSize(25).isSorted().doesNotHaveDuplicates();
        JsonNode past = f.call("GET", "/manage/projects?page=4&page_size=10", null).json();
        assertThat(past.get("projects")).isEmpty();
        assertThat(past.at("/pagination/has_next").asBoolean()).isFalse();
        JsonNode defaults = f.call("GET", "/manage/projects", null).json();
        assertThat(defaults.get("projects")).hasSize(20);
        assertThat(defaults.at("/pagination/page_size").asInt()).isEqualTo(20);
        assertThat(f.call("GET", "/manage/projects?page_size=500", null).json().get("projects")).hasSize(25);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "/manage/projects?page_size=0        | invalid_request",
        "/manage/projects?page_size=501      | invalid_request",
        "/manage/projects?page=0             | invalid_request",
        "/manage/projects?page=-1            | invalid_request",
        "/manage/projects?page=abc           | invalid_request",
        "/manage/projects?page=99999999999   | invalid_request",
        "/manage/projects?page=              | invalid_request",
        "/manage/projects?page=1&page=2      | invalid_request",
        "/manage/projects?pagesize=5         | unknown_parameter",
        "/manage/tokens?active_only=maybe    | invalid_request",
        "/manage/tokens?project_id=a&projectId=b | invalid_request",
        "/manage/audit?outcome=denied        | invalid_request",
        "/manage/audit?from=yesterday        | invalid_request",
        "/manage/audit?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z | invalid_request",
    })
    void badQueryParameters_are400(String path, String code) {
        Reply r = f.call("GET", path, null);
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo(code);
        assertThat(r.header("content-type")).isEqualTo("application/json");
    }

    // ---------------------------------------------------------------- bad input, nothing written

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "POST  | /manage/projects | `{\"name\":\"x\",\"api_key\":` | invalid_json",
        "POST  | /manage/projects | `[{\"name\":\"x\"}]` | invalid_json",
        "POST  | /manage/projects | `\"just a string\"` | invalid_json",
        "POST  | /manage/projects | `{\"name\":\"x\",\"api_key\":\"sk-abcdefghijklmnop\"} {}` | invalid_json",
        "POST  | /manage/projects | `{\"name\":\"x\",\"name\":\"y\",\"api_key\":\"sk-abcdefghijklmnop\"}` | invalid_json",
        "POST  | /manage/projects | `{\"name\":\"x\",\"api_key\":\"sk-abcdefghijklmnop\",\"is_active\":true}` | unknown_field",
        "POST  | /manage/projects | `{\"name\":\"x\"}` | invalid_request",
        "POST  | /manage/projects | `{\"name\":\"  \",\"api_key\":\"sk-abcdefghijklmnop\"}` | invalid_request",
        "POST  | /manage/projects | `{\"name\":42,\"api_key\":\"sk-abcdefghijklmnop\"}` | invalid_request",
        "POST  | /manage/projects | `{\"name\":null,\"api_key\":\"sk-abcdefghijklmnop\"}` | invalid_request",
        "POST  | /manage/projects | `{\"name\":\"x\",\"api_key\":\"sk-abc...wxyz\"}` | invalid_request",
        "POST  | /manage/projects | `{\"name\":\"x\",\"api_key\":\"sk-has space-inside\"}` | invalid_request",
        "POST  | /manage/projects | `{}` | invalid_request",
        "POST  | /manage/projects | `` | invalid_json",
        "POST  | /manage/tokens   | `{\"project_id\":\"PID\"}` | invalid_request",
        "POST  | /manage/tokens   | `{\"project_id\":\"PID\",\"duration_minutes\":-5}` | invalid_request",
        "POST  | /manage/tokens   | `{\"project_id\":\"PID\",\"duration_minutes\":0}` | invalid_request",
        "POST  | /manage/tokens   | `{\"project_id\":\"PID\",\"duration_minutes\":525601}` | invalid_request",
        "POST  | /manage/tokens   | `{\"project_id\":\"PID\",\"duration_minutes\":99999999999999999999999}` | invalid_request",
        "POST  | /manage/tokens   | `{\"project_id\":\"PID\",\"duration_minutes\":1e400}` | invalid_request",
        "POST  | /manage/tokens   | `{\"project_id\":\"PID\",\"duration_minutes\":1.5}` | invalid_request",
        "POST  | /manage/tokens   | `{\"project_id\":\"PID\",\"duration_minutes\":\"60\"}` | invalid_request",
        "POST  | /manage/tokens   | `{\"project_id\":\"PID\",\"duration_minutes\":60,\"max_requests\":0}` | invalid_request",
        "POST  | /manage/tokens   | `{\"project_id\":\"PID\",\"duration_minutes\":60,\"max_requests\":-1}` | invalid_request",
        "POST  | /manage/tokens   | `{\"project_id\":\"PID\",\"duration_minutes\":60,\"rate_limit_rpm\":0}` | invalid_request",
        "POST  | /manage/tokens   | `{\"project_id\":\"PID\",\"duration_minutes\":60,\"rate_limit_rpm\":true}` | invalid_request",
        "POST  | /manage/tokens   | `{\"project_id\":\"PID\",\"duration_minutes\":60,\"expires_at\":\"2030-01-01T00:00:00Z\"}` | unknown_field",
        "POST  | /manage/tokens   | `{\"project_id\":\"nope\",\"duration_minutes\":60}` | project_not_found",
        "PATCH | /manage/projects/PID | `{}` | invalid_request",
        "PATCH | /manage/projects/PID | `{\"is_active\":\"false\"}` | invalid_request",
        "PATCH | /manage/projects/PID | `{\"name\":\"\"}` | invalid_request",
        "PATCH | /manage/projects/PID | `{\"is_active\":true,\"revoke_tokens\":true}` | invalid_request",
        "PATCH | /manage/projects/PID | `{\"id\":\"other\"}` | unknown_field",
        "PATCH | /manage/tokens/TID | `{}` | invalid_request",
        "PATCH | /manage/tokens/TID | `{\"expires_at\":\"soon\"}` | invalid_request",
        "PATCH | /manage/tokens/TID | `{\"expires_at\":null}` | invalid_request",
        "PATCH | /manage/tokens/TID | `{\"expires_at\":\"2999-01-01T00:00:00Z\"}` | invalid_request",
        "PATCH | /manage/tokens/TID | `{\"expires_at\":\"2030-01-01T00:00:00Z\",\"duration_minutes\":5}` | invalid_request",
        "PATCH | /manage/tokens/TID | `{\"is_active\":1}` | invalid_request",
        "PATCH | /manage/tokens/TID | `{\"request_count\":0}` | unknown_field",
        "DELETE | /manage/tokens/TID | `{\"why\":\"x\"}` | invalid_request",
        "DELETE | /manage/projects/PID | `{}` | invalid_request",
    })
    void badInput_isA4xxJsonError_andNothingIsWritten(String method, String path, String body, String code)
            throws Exception {
        String project = f.createProject("seed", API_KEY);
        String tokenId = f.createToken(project, null).get("id").asText();
        Project before = f.stores.projects().get(project).orElseThrow();
        TokenRecord tokenBefore = f.stores.tokens().get(tokenId).orElseThrow();

        Reply r = f.call(method, path.replace("PID", project).replace("TID", tokenId),
                body == null ? null : body.replace("PID", project));
        assertThat(r.status()).as(r.body()).isBetween(400, 499);
        assertThat(r.errorCode()).as(r.body()).isEqualTo(code);
        assertThat(r.json().at("/error/message").asText()).isNotBlank();
        assertThat(r.header("content-type")).isEqualTo("application/json");

        assertThat(f.stores.projects().list(PageRequest.firstPage()).total()).isEqualTo(1);
        assertThat(f.stores.projects().get(project).orElseThrow()).isEqualTo(before);
        assertThat(f.stores.tokens().list(TokenFilter.all(), PageRequest.firstPage()).total()).isEqualTo(1);
        assertThat(f.stores.tokens().get(tokenId).orElseThrow()).isEqualTo(tokenBefore);
        f.awaitAuditWritten(3); // seed project + token, then the failure
        List<AuditEvent> failures = f.stores.audit().query(AuditQuery.all()
                .withOutcome(AuditEvent.Outcome.FAILURE), PageRequest.firstPage()).items();
        assertThat(failures).hasSize(1);
        assertThat(failures.get(0).reason()).isEqualTo(code);
    }

    @Test
    void oversizedBody_is413() {
        String big = "{\"name\":\"" + "x".repeat(1024 * 1024) + "\",\"api_key\":\"" + API_KEY + "\"}";
        Reply r = f.call("POST", "/manage/projects", big);
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.errorCode()).isEqualTo("request_too_large");
        assertThat(f.stores.projects().list(PageRequest.firstPage()).total()).isZero();
        assertThat(f.call("GET", "/manage/projects", null).status()).isEqualTo(200); // server fine afterwards
    }

    // ---------------------------------------------------------------- auth, routing, headers

    @Test
    void missingAndWrongManagementTokens_getTheSame401_andAreAudited() throws Exception {
        Reply missing = f.call("GET", "/manage/projects", null, Map.of());
        Reply wrong = f.call("GET", "/manage/projects", null, Map.of("Authorization", "Bearer wrong-token"));
        Reply prefix = f.call("GET", "/manage/projects", null,
                Map.of("Authorization", "Bearer " + MANAGEMENT_TOKEN.substring(0, 10)));
        Reply longer = f.call("GET", "/manage/projects", null,
                Map.of("Authorization", "Bearer " + MANAGEMENT_TOKEN + "x"));
        Reply basic = f.call("GET", "/manage/projects", null, Map.of("Authorization", "Basic " + MANAGEMENT_TOKEN));
        Reply unknownPath = f.call("GET", "/manage/secret-things", null, Map.of());
        for (Reply r : List.of(missing, wrong, prefix, longer, basic, unknownPath)) {
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.body()).isEqualTo(missing.body());
            assertThat(r.errorCode()).isEqualTo("unauthorized");
            assertThat(r.header("www-authenticate")).startsWith("Bearer");
        }
        Reply create = f.call("POST", "/manage/projects", "{\"name\":\"x\",\"api_key\":\"" + API_KEY + "\"}",
                Map.of("Authorization", "Bearer nope"));
        assertThat(create.status()).isEqualTo(401);
        assertThat(f.stores.projects().list(PageRequest.firstPage()).total()).isZero();

        assertThat(f.call("GET", "/manage/projects", null, Map.of("Authorization", "bearer " + MANAGEMENT_TOKEN))
                .status()).isEqualTo(200);

        f.awaitAuditWritten(7);
        List<AuditEvent> auth = f.stores.audit().query(AuditQuery.all().withAction("management.auth"),
                PageRequest.firstPage()).items();
        assertThat(auth).hasSize(7);
        assertThat(auth).allSatisfy(e -> {
            assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.FAILURE);
            assertThat(e.clientIp()).isEqualTo("127.0.0.1");
            assertThat(e.actor()).isEqualTo("management");
        });
    }

    @Test
    void routing_unknownPathsAre404_wrongMethodsAre405WithAllow() {
        for (String path : List.of("/manage", "/manage/", "/manage/projects/", "/manage/cache/purge",
                "/manage/projects/x/tokens", "/manage/projects/%2e%2e", "/manage/usage/nothing")) {
            Reply r = f.call("POST", path, "{}");
            assertThat(r.status()).as(path).isEqualTo(404);
            assertThat(r.errorCode()).isEqualTo("not_found");
        }
        Reply put = f.call("PUT", "/manage/projects", "{}");
        assertThat(put.status()).isEqualTo(405);
        assertThat(put.errorCode()).isEqualTo("method_not_allowed");
        assertThat(put.header("allow")).isEqualTo("GET, POST");
        assertThat(f.call("POST", "/manage/tokens/abc", "{}").header("allow")).isEqualTo("GET, PATCH, DELETE");
        assertThat(f.call("GET", "/manage/projects/abc/tokens/revoke", null).header("allow")).isEqualTo("POST");
        assertThat(f.call("DELETE", "/manage/audit", null).header("allow")).isEqualTo("GET");
        assertThat(f.call("POST", "/manage/usage/stats", "{}").header("allow")).isEqualTo("GET");
    }

    @Test
    void usage_withoutAUsageStore_answers503UsageUnavailable() {
        for (String endpoint : List.of("stats", "recent", "export", "series")) {
            Reply r = f.call("GET", "/manage/usage/" + endpoint, null);
            assertThat(r.status()).as(endpoint).isEqualTo(503);
            assertThat(r.errorCode()).isEqualTo("usage_unavailable");
        }
    }

    @Test
    void everyAnswerCarriesRequestIdNoStoreAndJson() {
        Reply kept = f.call("GET", "/manage/projects", null,
                Map.of("Authorization", "Bearer " + MANAGEMENT_TOKEN, "X-Request-ID", "client-id-42"));
        assertThat(kept.header("x-request-id")).isEqualTo("client-id-42");
        Reply replaced = f.call("GET", "/manage/projects", null,
                Map.of("Authorization", "Bearer " + MANAGEMENT_TOKEN, "X-Request-ID", "bad id with spaces"));
        assertThat(replaced.header("x-request-id")).matches("[0-9a-f-]{36}");
        Reply error = f.call("GET", "/manage/nothing", null);
        Reply unauthorized = f.call("GET", "/manage/projects", null, Map.of());
        for (Reply r : List.of(kept, replaced, error, unauthorized)) {
            assertThat(r.header("cache-control")).isEqualTo("no-store");
            assertThat(r.header("content-type")).isEqualTo("application/json");
            assertThat(r.header("x-request-id")).isNotBlank();
        }
        assertThat(f.call("GET", "/health", null).status()).isEqualTo(200); // other routes pass through
    }

    // ---------------------------------------------------------------- audit

    @Test
    void auditLog_recordsChanges_andCanBeFilteredAndRead() throws Exception {
        String project = f.createProject("alpha", API_KEY);
        clock.advance(Duration.ofSeconds(1));
        String tokenId = f.createToken(project, "\"max_requests\":5").get("id").asText();
        clock.advance(Duration.ofMinutes(1));
        Instant middle = clock.instant();
        f.call("DELETE", "/manage/tokens/" + tokenId, null);
        clock.advance(Duration.ofSeconds(1));
        f.call("POST", "/manage/projects", "{\"name\":\"alpha\",\"api_key\":\"" + OTHER_KEY + "\"}"); // 409
        f.awaitAuditWritten(4);

        JsonNode all = f.call("GET", "/manage/audit", null).json();
        assertThat(all.at("/pagination/total_count").asInt()).isEqualTo(4);
        List<String> actions = new ArrayList<>();
        all.get("events").forEach(e -> actions.add(e.get("action").asText()));
        assertThat(actions).containsExactly("project.create", "token.revoke", "token.create", "project.create");

        JsonNode revoke = f.call("GET", "/manage/audit?action=token.revoke", null).json().at("/events/0");
        assertThat(revoke.get("actor").asText()).isEqualTo("management");
        assertThat(revoke.get("outcome").asText()).isEqualTo("success");
        assertThat(revoke.get("token_id").asText()).isEqualTo(tokenId);
        assertThat(revoke.get("project_id").asText()).isEqualTo(project);
        assertThat(revoke.get("client_ip").asText()).isEqualTo("127.0.0.1");
        assertThat(revoke.get("request_id").asText()).isNotBlank();
        assertThat(revoke.at("/details/method").asText()).isEqualTo("DELETE");

        JsonNode failed = f.call("GET", "/manage/audit?outcome=failure", null).json();
        assertThat(failed.get("events")).hasSize(1);
        assertThat(failed.at("/events/0/reason").asText()).isEqualTo("duplicate_name");

        assertThat(f.call("GET", "/manage/audit?from=" + middle, null).json().get("events")).hasSize(2);
        assertThat(f.call("GET", "/manage/audit?to=" + middle, null).json().get("events")).hasSize(2);
        assertThat(f.call("GET", "/manage/audit?project_id=" + project + "&page_size=1&page=2", null).json()
                .at("/pagination/total_count").asInt()).isEqualTo(3);
        assertThat(f.call("GET", "/manage/audit?search=TOKEN.CRE", null).json().get("events")).hasSize(1);

        String eventId = revoke.get("id").asText();
        assertThat(f.call("GET", "/manage/audit/" + eventId, null).json()).isEqualTo(revoke);
        assertThat(f.call("GET", "/manage/audit/no-such-event", null).errorCode()).isEqualTo("audit_event_not_found");
    }

    @Test
    void secrets_neverAppearInAnswersAuditRecordsOrDataFiles() throws Exception {
        String project = f.createProject("alpha", API_KEY);
        JsonNode created = f.createToken(project, null);
        String token = created.get("token").asText();
        String tokenId = created.get("id").asText();
        f.chat(token);
        f.call("PATCH", "/manage/projects/" + project, "{\"api_key\":\"" + OTHER_KEY + "\"}");
        f.call("GET", "/manage/projects", null);
        f.call("GET", "/manage/projects/" + project, null);
        f.call("GET", "/manage/tokens", null);
        f.call("GET", "/manage/tokens/" + tokenId, null);
        f.call("PATCH", "/manage/tokens/" + tokenId, "{\"max_requests\":3}");
        f.call("DELETE", "/manage/tokens/" + tokenId, null);
        f.call("POST", "/manage/projects", "{\"name\":\"beta\",\"api_key\":\"" + API_KEY + "\",\"oops\":1}");
        f.call("POST", "/manage/projects", "{\"name\":\"gamma\",\"api_key\":" + API_KEY + "}"); // malformed
        f.awaitAuditWritten(5);
        f.call("GET", "/manage/audit?page_size=500", null);

        List<String> answers = new ArrayList<>(f.bodies);
        answers.remove(answers.indexOf(f.bodies.stream().filter(b -> b.contains("\"token\":\"sk-")).findFirst()
                .orElseThrow())); // the one creation answer that shows the token
        for (String body : answers) {
            assertThat(body).doesNotContain(token).doesNotContain(API_KEY).doesNotContain(OTHER_KEY)
                    .doesNotContain(MANAGEMENT_TOKEN);
        }
        f.audit.close();
        String auditFile = Files.readString(f.auditFile);
        assertThat(auditFile).contains("project.create", "token.revoke")
                .doesNotContain(token).doesNotContain(API_KEY).doesNotContain(OTHER_KEY)
                .doesNotContain(MANAGEMENT_TOKEN);
        for (AuditEvent e : f.stores.audit().query(AuditQuery.all(), new PageRequest(1, 500)).items()) {
            assertThat(e.toString()).doesNotContain(token).doesNotContain(API_KEY).doesNotContain(OTHER_KEY)
                    .doesNotContain(MANAGEMENT_TOKEN);
        }
        for (Path file : dataFiles()) {
            if (Files.exists(file)) {
                String bytes = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertThat(bytes).as(file.toString()).doesNotContain(token).doesNotContain(API_KEY)
                        .doesNotContain(OTHER_KEY);
            }
        }
    }
}
