package dev.llmproxy.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.core.audit.AuditEvent;
import dev.llmproxy.core.audit.AuditLogger;
import dev.llmproxy.core.audit.AuditQuery;
import dev.llmproxy.core.auth.TokenRecord;
import dev.llmproxy.core.auth.TokenService;
import dev.llmproxy.core.auth.WitheringTokens;
import dev.llmproxy.core.project.NewProject;
import dev.llmproxy.core.project.Project;
import dev.llmproxy.core.project.ProjectUpdate;
import dev.llmproxy.core.ratelimit.LocalRateLimiter;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.core.store.MutableClock;
import dev.llmproxy.core.store.PageRequest;
import dev.llmproxy.core.store.SqliteDatabase;
import dev.llmproxy.core.store.Stores;
import dev.llmproxy.testing.MockOpenAiUpstream;
import dev.llmproxy.testing.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Withering tokens enforced by a real proxy on a real SQLite database: the project's key goes
 * upstream, and revocation, deactivation, expiry, quota and per-minute limits are exact.
 */
class TokenEnforcementTest {

    @RegisterExtension
    static final SqliteDatabase db = new SqliteDatabase();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROJECT_KEY = "sk-proj-upstream-key-for-enforcement-test";
    private static MockOpenAiUpstream upstream;

    private final MutableClock clock = new MutableClock(Instant.now());
    private final ExecutorService blocking = Executors.newFixedThreadPool(8);
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private Stores stores;
    private TokenService tokens;
    private AuditLogger audit;
    private LlmProxy proxy;
    private Project project;

    @BeforeAll
    static void startUpstream() {
        upstream = MockOpenAiUpstream.start();
    }

    @AfterAll
    static void stopUpstream() {
        upstream.close();
    }

    @BeforeEach
    void start() throws Exception {
        upstream.reset();
        stores = db.stores(clock);
        audit = new AuditLogger(null, false, stores.audit(), 1000);
        tokens = new TokenService(stores.tokens(), stores.projects(), blocking, new LocalRateLimiter(),
                TokenService.Settings.DEFAULTS, clock, null);
        proxy = LlmProxy.builder().listen("127.0.0.1", 0).provider(ProviderConfig.openAi(upstream.baseUri()))
                .tokenService(tokens).auditLogger(audit).build().start();
        project = stores.projects().create(new NewProject("enforcement-" + System.nanoTime(), PROJECT_KEY));
    }

    @AfterEach
    void stop() {
        proxy.close();
        tokens.close();
        audit.close();
        blocking.shutdownNow();
    }

    /** Issues a token the way the management API does: the secret is returned once, only its hash is stored. */
    private String issue(Instant expiresAt, Long maxRequests, Integer rpm) {
        String token = WitheringTokens.generate();
        stores.tokens().create(TokenRecord.issue(WitheringTokens.hash(token), project.id(), clock.instant(), expiresAt,
                maxRequests, rpm));
        return token;
    }

    private TokenRecord recordOf(String token) {
        return stores.tokens().findByHash(WitheringTokens.hash(token)).orElseThrow();
    }

    private HttpResponse<String> call(String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.localAddress().getPort()
                        + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o\",\"messages\":[]}"));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String code(HttpResponse<String> response) throws Exception {
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        return JSON.readTree(response.body()).at("/error/code").asText();
    }

    @Test
    void validToken_isForwardedWithTheProjectKey_andTheTokenNeverGoesUpstream() throws Exception {
        String token = issue(clock.instant().plus(Duration.ofHours(1)), null, null);
        HttpResponse<String> response = call("Bearer " + token);
        assertThat(response.statusCode()).isEqualTo(200);
        RecordedRequest seen = upstream.takeRequest(Duration.ofSeconds(5));
        assertThat(seen.header("authorization")).isEqualTo("Bearer " + PROJECT_KEY);
        assertThat(seen.headers().toString()).doesNotContain(token);
    }

    @Test
    void missingMalformedAndUnknownTokens_get401WithDistinctCodes() throws Exception {
        HttpResponse<String> missing = call(null);
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(code(missing)).isEqualTo("invalid_token");

        HttpResponse<String> malformed = call("Bearer not-a-withering-token");
        assertThat(malformed.statusCode()).isEqualTo(401);
        assertThat(code(malformed)).isEqualTo("invalid_token");

        HttpResponse<String> unknown = call("Bearer " + WitheringTokens.generate());
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(code(unknown)).isEqualTo("token_not_found");
        assertThat(upstream.requests()).isEmpty();
    }

    @Test
    void revocation_takesEffectOnTheVeryNextRequest() throws Exception {
        String token = issue(null, null, null);
        assertThat(call("Bearer " + token).statusCode()).isEqualTo(200);
        TokenRecord record = recordOf(token);
        // What the management API does on revoke:
        assertThat(stores.tokens().revoke(record.id())).isTrue();
        tokens.invalidateToken(record.id());
        HttpResponse<String> after = call("Bearer " + token);
        assertThat(after.statusCode()).isEqualTo(401);
        assertThat(code(after)).isEqualTo("token_inactive");
    }

    @Test
    void deactivatedProject_gets403ProjectInactive_andIsAudited() throws Exception {
        String token = issue(null, null, null);
        assertThat(call("Bearer " + token).statusCode()).isEqualTo(200);
        stores.projects().update(project.id(), ProjectUpdate.none().withActive(false));
        tokens.invalidateProject(project.id());

        HttpResponse<String> response = call("Bearer " + token);
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(code(response)).isEqualTo("project_inactive");

        String requestId = response.headers().firstValue("x-request-id").orElseThrow();
        AuditEvent event = awaitAudit(requestId);
        assertThat(event.action()).isEqualTo("proxy.denied");
        assertThat(event.reason()).isEqualTo("project_inactive");
        assertThat(event.projectId()).isEqualTo(project.id());
        assertThat(event.clientIp()).isEqualTo("127.0.0.1");
        assertThat(event.toString()).doesNotContain(token).doesNotContain(PROJECT_KEY);
    }

    @Test
    void expiredToken_gets401TokenExpired() throws Exception {
        String token = issue(clock.instant().plus(Duration.ofMinutes(5)), null, null);
        assertThat(call("Bearer " + token).statusCode()).isEqualTo(200);
        clock.advance(Duration.ofMinutes(5));
        HttpResponse<String> response = call("Bearer " + token);
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(code(response)).isEqualTo("token_expired");
    }

    @Test
    void maxRequests20_with100ConcurrentRequests_exactly20Succeed() throws Exception {
        String token = issue(null, 20L, null);
        ExecutorService callers = Executors.newFixedThreadPool(25);
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return call("Bearer " + token);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, callers));
        }
        int ok = 0;
        int quota = 0;
        for (CompletableFuture<HttpResponse<String>> f : calls) {
            HttpResponse<String> r = f.get();
            if (r.statusCode() == 200) {
                ok++;
            } else if (r.statusCode() == 429 && code(r).equals("quota_exceeded")) {
                quota++;
            }
        }
        callers.shutdown();
        assertThat(ok).isEqualTo(20);
        assertThat(quota).isEqualTo(80);
        assertThat(upstream.requestCount()).isEqualTo(20);
        tokens.close(); // returns any unused lease
        assertThat(recordOf(token).requestCount()).isEqualTo(20);
    }

    @Test
    void rateLimitRpm_refusesTheSixthRequestInAMinute_withRetryAfterAndRateLimitHeaders() throws Exception {
        String token = issue(null, null, 5);
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = call("Bearer " + token);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-ratelimit-limit-requests")).hasValue("5");
            assertThat(r.headers().firstValue("x-ratelimit-remaining-requests")).hasValue(String.valueOf(4 - i));
        }
        HttpResponse<String> refused = call("Bearer " + token);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(code(refused)).isEqualTo("rate_limit_exceeded");
        assertThat(refused.headers().firstValue("retry-after")).hasValueSatisfying(
                v -> assertThat(Long.parseLong(v)).isBetween(1L, 60L));
        assertThat(refused.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
        assertThat(upstream.requestCount()).isEqualTo(5);
    }

    @Test
    void usageIsRecorded_lastUsedAtAndRequestCount() throws Exception {
        String token = issue(null, null, null);
        for (int i = 0; i < 3; i++) {
            assertThat(call("Bearer " + token).statusCode()).isEqualTo(200);
        }
        tokens.flushUsage();
        TokenRecord record = recordOf(token);
        assertThat(record.requestCount()).isEqualTo(3);
        assertThat(record.lastUsedAt()).isNotNull();
    }

    @Test
    void theTokenAndTheUpstreamKey_neverReachTheDatabaseFile() throws Exception {
        String token = issue(null, null, null);
        call("Bearer " + token);
        tokens.flushUsage();
        Path file = db.file();
        String everything = Files.readString(file, StandardCharsets.ISO_8859_1)
                + (Files.exists(Path.of(file + "-wal")) ? Files.readString(Path.of(file + "-wal"), StandardCharsets.ISO_8859_1) : "");
        assertThat(everything).doesNotContain(token);
        assertThat(everything).doesNotContain(PROJECT_KEY);
    }

    @Test
    void cachedTokensKeepWorkingWhenTheStoreFails_newLookupsGet503() throws Exception {
        String known = issue(null, null, null);
        assertThat(call("Bearer " + known).statusCode()).isEqualTo(200); // now cached
        db.stop(); // the database goes away
        try {
            assertThat(call("Bearer " + known).statusCode()).as("cached token").isEqualTo(200);
            HttpResponse<String> fresh = call("Bearer " + WitheringTokens.generate());
            assertThat(fresh.statusCode()).isEqualTo(503);
            assertThat(code(fresh)).isEqualTo("service_unavailable");
        } finally {
            db.start();
        }
    }

    private AuditEvent awaitAudit(String requestId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            List<AuditEvent> found = stores.audit().query(AuditQuery.all().withRequestId(requestId),
                    PageRequest.firstPage()).items();
            if (!found.isEmpty()) {
                return found.get(0);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no audit event for request " + requestId);
    }
}
