package dev.llmproxy.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.core.audit.AuditLogger;
import dev.llmproxy.core.auth.TokenRecord;
import dev.llmproxy.core.auth.TokenService;
import dev.llmproxy.core.auth.WitheringTokens;
import dev.llmproxy.core.cache.ResponseCache;
import dev.llmproxy.core.cache.ResponseCacheConfig;
import dev.llmproxy.core.cache.ResponseCaches;
import dev.llmproxy.core.capture.WireCaptureConfig;
import dev.llmproxy.core.capture.WireCaptureStats;
import dev.llmproxy.core.project.NewProject;
import dev.llmproxy.core.project.Project;
import dev.llmproxy.core.ratelimit.LocalRateLimiter;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.core.store.MutableClock;
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
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Wire capture through a real proxy, a real SQLite token store and the real mock upstream: every
 * kind of exchange lands in the capture files with the right bodies and statuses, SSE in order,
 * and no secret (withering token, provider key, management token, other credentials) appears
 * anywhere in the raw file bytes.
 */
class WireCaptureEndToEndTest {

    @RegisterExtension
    static final SqliteDatabase db = new SqliteDatabase();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 4096;
    private static MockOpenAiUpstream upstream;

    private final SecureRandom random = new SecureRandom();
    private final String providerKey = "sk-proj-" + randomText(40);
    private final String managementToken = "mgmt" + randomText(32);
    private final String azureKey = randomText(32).toLowerCase();
    private final String querySecret = "q" + randomText(24);

    private final MutableClock clock = new MutableClock(Instant.now());
    private final ExecutorService blocking = Executors.newFixedThreadPool(4);
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private Stores stores;
    private TokenService tokens;
    private AuditLogger audit;
    private LlmProxy proxy;
    private Project project;
    private String token;
    private String tokenId;

    @TempDir
    Path dir;

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
        project = stores.projects().create(new NewProject("capture-" + System.nanoTime(), providerKey));
        token = WitheringTokens.generate();
        TokenRecord record = TokenRecord.issue(WitheringTokens.hash(token), project.id(), clock.instant(),
                clock.instant().plus(Duration.ofHours(1)), null, null);
        stores.tokens().create(record);
        tokenId = stores.tokens().findByHash(WitheringTokens.hash(token)).orElseThrow().id();
    }

    private void startProxy(WireCaptureConfig config) {
        startProxy(config, null);
    }

    private void startProxy(WireCaptureConfig config, ResponseCache cache) {
        LlmProxy.Builder b = LlmProxy.builder().listen("127.0.0.1", 0).provider(ProviderConfig.openAi(upstream.baseUri()))
                .tokenService(tokens).auditLogger(audit).wireCapture(config);
        if (cache != null) {
            b.responseCache(cache, ResponseCacheConfig.defaults());
        }
        proxy = b.build().start();
    }

    private WireCaptureConfig.Builder config() {
        return WireCaptureConfig.builder().directory(dir.resolve("capture")).maxBodyBytes(MAX_BODY)
                .secrets(List.of(managementToken));
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        tokens.close();
        audit.close();
        blocking.shutdownNow();
    }

    private String randomText(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b).replace("-", "x").replace("_", "y")
                .substring(0, n);
    }

    private HttpResponse<String> post(String requestId, String pathAndQuery, String body, String... headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.localAddress().getPort()
                        + pathAndQuery))
                .header("Content-Type", "application/json")
                .header("X-Request-ID", requestId)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String chatBody(boolean stream, String content) throws Exception {
        return JSON.writeValueAsString(Map.of("model", "gpt-4o-mini", "stream", stream,
                "messages", List.of(Map.of("role", "user", "content", content))));
    }

    /** Every captured line of every file, by request id; every line must be a whole JSON object. */
    private Map<String, JsonNode> readCapture(int expected) throws Exception {
        awaitWritten(expected);
        Map<String, JsonNode> byId = new HashMap<>();
        try (Stream<Path> files = Files.list(dir.resolve("capture"))) {
            for (Path f : files.toList()) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    JsonNode node = JSON.readTree(line);
                    byId.put(node.get("request_id").asText(), node);
                }
            }
        }
        return byId;
    }

    /**
     * The client can have the whole response a moment before the proxy's event loop finishes the
     * exchange and queues its capture, so wait for the count rather than for an empty queue.
     */
    private void awaitWritten(long expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (proxy.wireCapture().stats().written() + proxy.wireCapture().stats().dropped() < expected
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(proxy.wireCapture().drain(Duration.ofSeconds(10))).isTrue();
    }

    private byte[] rawCaptureBytes() throws Exception {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        try (Stream<Path> files = Files.list(dir.resolve("capture"))) {
            for (Path f : files.toList()) {
                all.write(Files.readAllBytes(f));
            }
        }
        return all.toByteArray();
    }

    @Test
    void everyKindOfExchangeIsCaptured_andNoSecretReachesTheFile() throws Exception {
        startProxy(config().build());
        String auth = "Bearer " + token;
        String[] secretHeaders = {"Authorization", auth, "api-key", azureKey, "X-Debug-Note",
                "admin said " + managementToken};

        // 1. Non-streamed, with secrets in the body, the query and headers.
        String plainBody = chatBody(false, "my token is " + token + " and the key is " + providerKey);
        HttpResponse<String> plain = post("cap-plain", "/v1/chat/completions?trace=1&api_key=" + querySecret,
                plainBody, secretHeaders);
        assertThat(plain.statusCode()).isEqualTo(200);
        RecordedRequest seen = upstream.takeRequest(Duration.ofSeconds(5));
        assertThat(seen.header("authorization")).isEqualTo("Bearer " + providerKey); // the capture had it to redact

        // 2. Streamed.
        HttpResponse<String> streamed = post("cap-stream", "/v1/chat/completions", chatBody(true, "stream please"),
                secretHeaders);
        assertThat(streamed.statusCode()).isEqualTo(200);
        assertThat(streamed.body()).contains("data: [DONE]");

        // 3. Upstream error, and an error the proxy answers itself.
        HttpResponse<String> upstreamError = post("cap-500", "/v1/chat/completions", chatBody(false, "fail"),
                "Authorization", auth, MockOpenAiUpstream.BEHAVIOR_HEADER, "status=500");
        assertThat(upstreamError.statusCode()).isEqualTo(500);
        HttpResponse<String> denied = post("cap-401", "/v1/chat/completions", chatBody(false, "no token"),
                "Authorization", "Bearer sk-not-a-real-token-but-looks-like-one-123456");
        assertThat(denied.statusCode()).isEqualTo(401);

        // 4. Large: request and response both past the per-body limit.
        String big = "x".repeat(3 * MAX_BODY) + " " + token;
        HttpResponse<String> large = post("cap-large", "/v1/chat/completions", chatBody(false, big),
                "Authorization", auth, MockOpenAiUpstream.BEHAVIOR_HEADER, "sse;chunks=300");
        assertThat(large.statusCode()).isEqualTo(200);
        assertThat(large.body().length()).isGreaterThan(MAX_BODY);

        Map<String, JsonNode> captured = readCapture(5);
        assertThat(captured).containsOnlyKeys("cap-plain", "cap-stream", "cap-500", "cap-401", "cap-large");

        JsonNode p = captured.get("cap-plain");
        assertThat(p.get("v").asInt()).isEqualTo(1);
        assertThat(p.get("method").asText()).isEqualTo("POST");
        assertThat(p.get("path").asText()).isEqualTo("/v1/chat/completions?trace=1&api_key=[REDACTED]");
        assertThat(p.get("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(p.get("stream").asBoolean()).isFalse();
        assertThat(p.get("project_id").asText()).isEqualTo(project.id());
        assertThat(p.get("token_id").asText()).isEqualTo(tokenId);
        assertThat(p.get("client").asText()).isEqualTo("127.0.0.1");
        assertThat(p.get("cache")).isNull(); // no response cache configured
        assertThat(p.get("truncated").asBoolean()).isFalse();
        assertThat(Instant.parse(p.get("ended_at").asText())).isAfterOrEqualTo(Instant.parse(p.get("started_at").asText()));
        assertThat(p.get("duration_ms").asDouble()).isPositive();
        assertThat(p.at("/request/headers/authorization").asText()).isEqualTo("[REDACTED]");
        assertThat(p.at("/request/headers/api-key").asText()).isEqualTo("[REDACTED]");
        assertThat(p.at("/request/headers/x-debug-note").asText()).isEqualTo("admin said [REDACTED]");
        assertThat(p.at("/request/body/text").asText()).isEqualTo(plainBody.replace(token, "[REDACTED]")
                .replace(providerKey, "[REDACTED]"));
        assertThat(p.at("/request/body/bytes").asLong()).isEqualTo(plainBody.getBytes(StandardCharsets.UTF_8).length);
        assertThat(p.at("/upstream/url").asText())
                .isEqualTo("http://127.0.0.1:" + upstream.port() + "/v1/chat/completions?trace=1&api_key=[REDACTED]");
        assertThat(p.at("/upstream/headers/authorization").asText()).isEqualTo("[REDACTED]");
        assertThat(p.at("/response/status").asInt()).isEqualTo(200);
        assertThat(p.at("/response/headers/x-request-id").asText()).isEqualTo("cap-plain");
        assertThat(p.at("/response/body/text").asText()).isEqualTo(plain.body());
        assertThat(p.at("/response/body/truncated").asBoolean()).isFalse();

        JsonNode s = captured.get("cap-stream");
        assertThat(s.get("stream").asBoolean()).isTrue();
        assertThat(s.at("/response/headers/content-type").asText()).startsWith("text/event-stream");
        String sse = s.at("/response/body/text").asText();
        assertThat(sse).isEqualTo(streamed.body()).endsWith("data: [DONE]\n\n");
        int last = -1;
        for (int i = 0; i < 8; i++) {
            int at = sse.indexOf(MockOpenAiUpstream.chunkText(i));
            assertThat(at).as("chunk %d in order", i).isGreaterThan(last);
            last = at;
        }
        assertThat(s.get("ttfb_ms").asDouble()).isLessThanOrEqualTo(s.get("duration_ms").asDouble());

        JsonNode e = captured.get("cap-500");
        assertThat(e.at("/response/status").asInt()).isEqualTo(500);
        assertThat(e.at("/response/body/text").asText()).isEqualTo(upstreamError.body());
        assertThat(e.get("error")).isNull(); // the upstream's error, relayed

        JsonNode d = captured.get("cap-401");
        assertThat(d.at("/response/status").asInt()).isEqualTo(401);
        assertThat(d.at("/error/code").asText()).isEqualTo(JSON.readTree(denied.body()).at("/error/code").asText());
        assertThat(d.get("upstream")).isNull();
        assertThat(d.at("/response/body/text").asText()).isEqualTo(denied.body());
        assertThat(d.at("/request/headers/authorization").asText()).isEqualTo("[REDACTED]");

        JsonNode l = captured.get("cap-large");
        assertThat(l.get("truncated").asBoolean()).isTrue();
        assertThat(l.at("/request/body/truncated").asBoolean()).isTrue();
        assertThat(l.at("/request/body/captured_bytes").asInt()).isEqualTo(MAX_BODY);
        assertThat(l.at("/request/body/bytes").asLong()).isEqualTo(chatBody(false, big).length());
        assertThat(l.at("/response/body/truncated").asBoolean()).isTrue();
        assertThat(l.at("/response/body/bytes").asLong()).isEqualTo(large.body().length());
        assertThat(large.body()).startsWith(l.at("/response/body/text").asText());

        String raw = new String(rawCaptureBytes(), StandardCharsets.ISO_8859_1);
        for (String secret : List.of(token, providerKey, managementToken, azureKey, querySecret,
                "sk-not-a-real-token-but-looks-like-one-123456")) {
            assertThat(raw).as("capture files contain a secret").doesNotContain(secret);
        }
        WireCaptureStats stats = proxy.wireCapture().stats();
        assertThat(stats.written()).isEqualTo(5);
        assertThat(stats.dropped()).isZero();
    }

    @Test
    void anUnusableDirectory_doesNotBreakRequests_andIsReported() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("a-file"), "occupied");
        startProxy(config().directory(notADirectory.resolve("capture")).build());
        HttpResponse<String> response = post("cap-broken", "/v1/chat/completions", chatBody(false, "hi"),
                "Authorization", "Bearer " + token);
        assertThat(response.statusCode()).isEqualTo(200);
        awaitWritten(1);
        WireCaptureStats stats = proxy.wireCapture().stats();
        assertThat(stats.paused()).isTrue();
        assertThat(stats.written()).isZero();
        assertThat(stats.droppedWriteError()).isEqualTo(1);
    }

    @Test
    void captureCountersAreExportedToPrometheus() throws Exception {
        startProxy(config().build());
        post("cap-metrics", "/v1/chat/completions", chatBody(false, "hi"), "Authorization", "Bearer " + token);
        awaitWritten(1);
        String scrape = proxy.metrics().scrape();
        assertThat(scrape).contains("llm_proxy_wire_capture_written_total 1.0")
                .contains("llm_proxy_wire_capture_dropped_total{reason=\"queue_full\",} 0.0");
    }

    @Test
    void cacheHitsAreCaptured_withTheirVerdict_andNoUpstream() throws Exception {
        ResponseCache cache = ResponseCaches.create(ResponseCacheConfig.defaults(), blocking, java.time.Clock.systemUTC());
        try {
            startProxy(config().build(), cache);
            String body = chatBody(false, "cache me");
            HttpResponse<String> first = post("cap-miss", "/v1/chat/completions", body, "Authorization",
                    "Bearer " + token, "Cache-Control", "public, max-age=60");
            HttpResponse<String> second = post("cap-hit", "/v1/chat/completions", body, "Authorization",
                    "Bearer " + token, "Cache-Control", "public, max-age=60");
            assertThat(second.headers().firstValue("X-PROXY-CACHE")).hasValue("hit");
            Map<String, JsonNode> captured = readCapture(2);
            assertThat(captured.get("cap-miss").get("cache").asText()).isEqualTo("miss");
            JsonNode hit = captured.get("cap-hit");
            assertThat(hit.get("cache").asText()).isEqualTo("hit");
            assertThat(hit.get("upstream")).isNull();
            assertThat(hit.at("/response/status").asInt()).isEqualTo(200);
            assertThat(hit.at("/response/body/text").asText()).isEqualTo(second.body()).isEqualTo(first.body());
            assertThat(hit.get("project_id").asText()).isEqualTo(project.id());
        } finally {
            proxy.close();
            proxy = null;
            cache.close();
        }
    }

    @Test
    void aClientLeavingMidStream_isCapturedWithWhatWasSent() throws Exception {
        startProxy(config().build());
        upstream.enqueue(dev.llmproxy.testing.Behavior.sse(50, Duration.ofMillis(20)));
        String body = chatBody(true, "long story");
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", proxy.localAddress().getPort())) {
            String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                    + "\r\nX-Request-ID: cap-gone\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
            socket.getOutputStream().write(head.getBytes(StandardCharsets.UTF_8));
            java.io.InputStream in = socket.getInputStream();
            StringBuilder seen = new StringBuilder();
            byte[] buf = new byte[4096];
            while (!seen.toString().contains(MockOpenAiUpstream.chunkText(2))) {
                int n = in.read(buf);
                assertThat(n).isPositive();
                seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
        } // closed mid-stream
        JsonNode gone = readCapture(1).get("cap-gone");
        assertThat(gone.get("outcome").asText()).isEqualTo("client_cancelled");
        assertThat(gone.at("/response/status").asInt()).isEqualTo(200);
        String sse = gone.at("/response/body/text").asText();
        assertThat(sse).contains(MockOpenAiUpstream.chunkText(2)).doesNotContain("[DONE]");
        assertThat(sse).doesNotContain(MockOpenAiUpstream.chunkText(49));
    }
}
