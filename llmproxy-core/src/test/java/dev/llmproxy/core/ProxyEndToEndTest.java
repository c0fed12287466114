package dev.llmproxy.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.testing.Behavior;
import dev.llmproxy.testing.MockOpenAiUpstream;
import dev.llmproxy.testing.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The proxy end to end: a real {@link LlmProxy} server on loopback in front of a real
 * {@link MockOpenAiUpstream}, driven by real HTTP clients (the JDK client, and raw sockets where
 * the test must control the connection itself).
 */
class ProxyEndToEndTest {

    private static final String UPSTREAM_KEY = "sk-upstream-secret-key";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static MockOpenAiUpstream upstream;
    private LlmProxy proxy;
    private HttpClient client;

    @BeforeAll
    static void startUpstream() {
        upstream = MockOpenAiUpstream.start();
    }

    @AfterAll
    static void stopUpstream() {
        upstream.close();
    }

    @BeforeEach
    void startProxy() {
        upstream.reset();
        proxy = startProxy(ProviderConfig.Timeouts.DEFAULTS, upstream.baseUri());
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterEach
    void stopProxy() {
        proxy.close();
    }

    private static LlmProxy startProxy(ProviderConfig.Timeouts timeouts, URI... upstreams) {
        ProviderConfig provider = new ProviderConfig("test", List.of(upstreams),
                List.of("/v1/chat/completions", "/v1/embeddings", "/v1/models"), Set.of("GET", "POST"), timeouts,
                Map.of("model", List.of("gpt-4o*", "text-embedding-*")), List.of("https://app.example.com"),
                Set.of(), Map.of());
        return LlmProxy.builder()
                .listen("127.0.0.1", 0)
                .provider(provider)
                .upstreamApiKey(UPSTREAM_KEY)
                .maxRequestBodyBytes(64 * 1024)
                .ioThreads(1) // one event loop: connection reuse across client connections is deterministic
                .build()
                .start();
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + proxy.localAddress().getPort() + path);
    }

    private HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(url(path))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer client-withering-token")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode errorOf(HttpResponse<String> response) throws IOException {
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error).as("OpenAI error envelope in %s", response.body()).isNotNull();
        assertThat(error.get("message").asText()).isNotBlank();
        assertThat(error.get("type").asText()).isNotBlank();
        return error;
    }

    private static String chat(boolean stream) {
        return "{\"model\":\"gpt-4o-mini\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";
    }

    @Test
    void chatCompletion_isForwardedWithTheUpstreamKeyReplacingTheClients() throws Exception {
        HttpResponse<String> response = post("/v1/chat/completions?trace=1", chat(false), "X-Request-ID", "req-abc.123");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.get("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(response.headers().firstValue("x-request-id")).hasValue("req-abc.123");
        assertThat(response.headers().firstValue("x-llm-proxy-overhead-us")).hasValueSatisfying(
                v -> assertThat(Long.parseLong(v)).isNotNegative());

        RecordedRequest seen = upstream.takeRequest(Duration.ofSeconds(5));
        assertThat(seen.method()).isEqualTo("POST");
        assertThat(seen.uri()).isEqualTo("/v1/chat/completions?trace=1");
        assertThat(seen.header("authorization")).isEqualTo("Bearer " + UPSTREAM_KEY);
        assertThat(seen.header("host")).isEqualTo("127.0.0.1:" + upstream.port());
        assertThat(seen.header("x-forwarded-for")).isEqualTo("127.0.0.1");
        assertThat(seen.header("x-request-id")).isEqualTo("req-abc.123");
        assertThat(seen.bodyJson().get("messages").get(0).get("content").asText()).isEqualTo("Say hello");
    }

    @Test
    void malformedClientRequestId_isReplacedByAFreshUuid() throws Exception {
        HttpResponse<String> response = post("/v1/chat/completions", chat(false), "X-Request-ID", "bad id with spaces");
        assertThat(response.headers().firstValue("x-request-id").orElseThrow())
                .matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    }

    @Test
    void hopByHopAndSpoofedForwardingHeaders_areNotForwarded() throws Exception {
        String body = chat(false);
        String raw = "POST /v1/chat/completions HTTP/1.1\r\n"
                + "Host: proxy\r\n"
                + "Content-Type: application/json\r\n"
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n"
                + "Connection: keep-alive, X-Hop-Secret\r\n"
                + "X-Hop-Secret: must-not-leak\r\n"
                + "Keep-Alive: timeout=5\r\n"
                + "Proxy-Authorization: Basic Zm9vOmJhcg==\r\n"
                + "X-Forwarded-For: 6.6.6.6\r\n"
                + "X-Real-IP: 6.6.6.6\r\n"
                + "X-Custom: kept\r\n"
                + "\r\n" + body;
        try (Socket s = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
            s.getOutputStream().write(raw.getBytes(StandardCharsets.UTF_8));
            String head = readHead(s.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 200");
        }
        RecordedRequest seen = upstream.takeRequest(Duration.ofSeconds(5));
        assertThat(seen.header("x-hop-secret")).isNull();
        assertThat(seen.header("keep-alive")).isNull();
        assertThat(seen.header("proxy-authorization")).isNull();
        assertThat(seen.headerValues("x-forwarded-for")).containsExactly("127.0.0.1");
        assertThat(seen.header("x-real-ip")).isEqualTo("127.0.0.1");
        assertThat(seen.header("x-custom")).isEqualTo("kept");
    }

    @Test
    void streamedCompletion_firstChunkReachesTheClientLongBeforeTheStreamEnds() throws Exception {
        upstream.enqueue(Behavior.sse(20, Duration.ofMillis(100)));
        long start = System.nanoTime();
        HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(url("/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(chat(true))).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");

        long firstDataNanos = -1;
        int dataLines = 0;
        boolean done = false;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    if (firstDataNanos < 0) {
                        firstDataNanos = System.nanoTime();
                    }
                    dataLines++;
                    done |= line.equals("data: [DONE]");
                }
            }
        }
        long endNanos = System.nanoTime();
        double firstMs = (firstDataNanos - start) / 1e6;
        double totalMs = (endNanos - start) / 1e6;
        System.out.printf("SSE through proxy: first event after %.1f ms, stream ended after %.1f ms%n", firstMs, totalMs);

        assertThat(done).as("stream terminated with [DONE]").isTrue();
        assertThat(dataLines).isGreaterThanOrEqualTo(20);
        assertThat(totalMs).as("upstream paces 20 chunks 100 ms apart").isGreaterThan(1800);
        assertThat(firstMs).as("first chunk must not wait for the rest of the stream").isLessThan(totalMs - 1500);
    }

    @Test
    void slowTenSecondStream_isNotCutOff() throws Exception {
        // Timeouts far below the stream's length: only silence between chunks may end a stream.
        proxy.close();
        proxy = startProxy(new ProviderConfig.Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(2),
                Duration.ofSeconds(2), Duration.ofSeconds(30)), upstream.baseUri());
        upstream.enqueue(Behavior.sse(40, Duration.ofMillis(250)));

        long start = System.nanoTime();
        HttpResponse<String> response = post("/v1/chat/completions", chat(true));
        double seconds = (System.nanoTime() - start) / 1e9;

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(seconds).isGreaterThan(9.5);
        assertThat(response.body()).contains(MockOpenAiUpstream.chunkText(39)).endsWith("data: [DONE]\n\n");
    }

    @Test
    void silentUpstreamMidStream_endsTheClientConnectionInsteadOfHanging() throws Exception {
        proxy.close();
        proxy = startProxy(new ProviderConfig.Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(2),
                Duration.ofMillis(500), Duration.ofSeconds(30)), upstream.baseUri());
        upstream.enqueue(Behavior.stallAfterChunks(3, Duration.ofMillis(10)));
        assertThatThrownBy(() -> post("/v1/chat/completions", chat(true))).isInstanceOf(IOException.class);
        RecordedRequest seen = upstream.takeRequest(Duration.ofSeconds(5));
        upstream.awaitConnectionClosed(seen.connectionId(), Duration.ofSeconds(5));
    }

    @Test
    void clientDisconnect_closesTheUpstreamConnectionAtOnce() throws Exception {
        upstream.enqueue(Behavior.sse(200, Duration.ofMillis(50)));
        String body = chat(true);
        long disconnectedAt;
        try (Socket s = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            InputStream in = s.getInputStream();
            assertThat(readHead(in)).startsWith("HTTP/1.1 200");
            assertThat(in.read()).isNotNegative(); // the stream has started
            s.setSoLinger(true, 0);
            disconnectedAt = System.nanoTime();
        }
        RecordedRequest seen = upstream.takeRequest(Duration.ofSeconds(5));
        long closedAt = upstream.awaitConnectionClosed(seen.connectionId(), Duration.ofSeconds(5));
        double ms = (closedAt - disconnectedAt) / 1e6;
        System.out.printf("upstream connection closed %.2f ms after the client disconnected%n", ms);
        assertThat(ms).as("cancellation latency (SPEC: within 50 ms; generous bound for CI noise)").isLessThan(1000);
        Thread.sleep(200);
        assertThat(seen.sseChunksWritten()).as("the upstream stopped streaming").isLessThan(100);
    }

    @Test
    void oversizedBody_gets413AndNothingReachesTheUpstream() throws Exception {
        String big = "{\"model\":\"gpt-4o\",\"input\":\"" + "x".repeat(70 * 1024) + "\"}";
        HttpResponse<String> response = post("/v1/embeddings", big);
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(errorOf(response).get("code").asText()).isEqualTo("request_too_large");
        assertThat(upstream.requests()).isEmpty();
    }

    @Test
    void policyViolations_getClearErrorsAndNeverReachTheUpstream() throws Exception {
        HttpResponse<String> notFound = post("/v1/fine_tuning/jobs", "{}");
        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(errorOf(notFound).get("code").asText()).isEqualTo("endpoint_not_found");

        HttpResponse<String> badMethod = client.send(HttpRequest.newBuilder(url("/v1/models/gpt-4o")).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(badMethod.statusCode()).isEqualTo(405);
        assertThat(errorOf(badMethod).get("code").asText()).isEqualTo("method_not_allowed");

        HttpResponse<String> badParam = post("/v1/chat/completions", "{\"model\":\"o1-pro\",\"messages\":[]}");
        assertThat(badParam.statusCode()).isEqualTo(400);
        assertThat(errorOf(badParam).get("code").asText()).isEqualTo("param_not_allowed");

        HttpResponse<String> badOrigin = post("/v1/chat/completions", chat(false), "Origin", "https://evil.example");
        assertThat(badOrigin.statusCode()).isEqualTo(403);
        assertThat(errorOf(badOrigin).get("code").asText()).isEqualTo("origin_not_allowed");

        assertThat(upstream.requests()).isEmpty();
    }

    @Test
    void allowedOrigin_getsCorsHeadersOnTheProxiedResponse() throws Exception {
        HttpResponse<String> response = post("/v1/chat/completions", chat(false), "Origin", "https://app.example.com");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("access-control-allow-origin")).hasValue("https://app.example.com");
        assertThat(response.headers().firstValue("access-control-expose-headers").orElse("")).containsIgnoringCase("x-request-id");
    }

    @Test
    void upstreamConnections_areReusedAcrossRequestsAndClientConnections() throws Exception {
        for (int i = 0; i < 10; i++) {
            assertThat(post("/v1/chat/completions", chat(false)).statusCode()).isEqualTo(200);
        }
        for (int i = 0; i < 5; i++) { // a new client connection each time
            HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> r = fresh.send(HttpRequest.newBuilder(url("/v1/models")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
        }
        assertThat(upstream.requestCount()).isEqualTo(15);
        assertThat(upstream.connectionsAccepted()).as("one pooled keep-alive connection serves all").isEqualTo(1);
    }

    @Test
    void upstreamErrorStatus_isPassedThroughWithItsBody() throws Exception {
        HttpResponse<String> response = post("/v1/chat/completions", chat(false), "X-Mock-Behavior", "status=429");
        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("retry-after")).hasValue("1");
        assertThat(JSON.readTree(response.body()).get("error")).isNotNull();
    }

    @Test
    void upstreamResetBeforeAnswering_gets502() throws Exception {
        upstream.enqueue(Behavior.reset());
        HttpResponse<String> response = post("/v1/chat/completions", chat(false));
        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(errorOf(response).get("code").asText()).isEqualTo("upstream_unavailable");
        // The pool recovers: the next request works.
        assertThat(post("/v1/chat/completions", chat(false)).statusCode()).isEqualTo(200);
    }

    @Test
    void upstreamGarbage_gets502() throws Exception {
        upstream.enqueue(Behavior.garbage());
        HttpResponse<String> response = post("/v1/chat/completions", chat(false));
        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(errorOf(response).get("code").asText()).isEqualTo("upstream_unavailable");
    }

    @Test
    void upstreamResetMidStream_truncatesTheClientResponse() throws Exception {
        upstream.enqueue(Behavior.resetAfterChunks(3, Duration.ofMillis(10)));
        assertThatThrownBy(() -> post("/v1/chat/completions", chat(true))).isInstanceOf(IOException.class);
        assertThat(post("/v1/chat/completions", chat(false)).statusCode()).isEqualTo(200);
    }

    @Test
    void upstreamClosingEarly_truncatesTheClientResponse() throws Exception {
        upstream.enqueue(Behavior.closeEarly());
        assertThatThrownBy(() -> post("/v1/chat/completions", chat(false))).isInstanceOf(IOException.class);
    }

    @Test
    void stalledUpstream_gets504AfterTheResponseHeaderTimeout() throws Exception {
        proxy.close();
        proxy = startProxy(new ProviderConfig.Timeouts(Duration.ofSeconds(2), Duration.ofMillis(500),
                Duration.ofSeconds(2), Duration.ofSeconds(30)), upstream.baseUri());
        upstream.enqueue(Behavior.stall());
        long start = System.nanoTime();
        HttpResponse<String> response = post("/v1/chat/completions", chat(false));
        double ms = (System.nanoTime() - start) / 1e6;
        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(errorOf(response).get("code").asText()).isEqualTo("upstream_timeout");
        assertThat(ms).isGreaterThanOrEqualTo(450);
    }

    @Test
    void connectFailure_failsOverToTheNextUpstream() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        proxy.close();
        proxy = startProxy(ProviderConfig.Timeouts.DEFAULTS, URI.create("http://127.0.0.1:" + closedPort), upstream.baseUri());
        for (int i = 0; i < 3; i++) {
            assertThat(post("/v1/chat/completions", chat(false)).statusCode()).isEqualTo(200);
        }
        assertThat(upstream.requestCount()).isEqualTo(3);
    }

    @Test
    void noReachableUpstream_gets502UpstreamUnavailable() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        proxy.close();
        proxy = startProxy(ProviderConfig.Timeouts.DEFAULTS, URI.create("http://127.0.0.1:" + closedPort));
        HttpResponse<String> response = post("/v1/chat/completions", chat(false));
        assertThat(response.statusCode()).isEqualTo(502);
        JsonNode error = errorOf(response);
        assertThat(error.get("code").asText()).isEqualTo("upstream_unavailable");
        assertThat(error.get("message").asText()).as("no internal address or socket detail for clients")
                .doesNotContain("127.0.0.1").doesNotContain(String.valueOf(closedPort));
    }

    @Test
    void healthEndpoints_answerOnTheSamePort() throws Exception {
        for (String path : List.of("/health", "/live", "/ready")) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(url(path)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(JSON.readTree(r.body()).get("status").asText()).isNotBlank();
        }
        HttpResponse<String> missing = client.send(HttpRequest.newBuilder(url("/nope")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(missing.statusCode()).isEqualTo(404);
    }

    @Test
    void concurrentStreams_allCompleteIntact() throws Exception {
        List<Thread> threads = new ArrayList<>();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 16; i++) {
            Thread t = new Thread(() -> {
                try {
                    HttpResponse<String> r = post("/v1/chat/completions", chat(true), "X-Mock-Behavior", "sse;chunks=30;delay-ms=5");
                    if (r.statusCode() != 200 || !r.body().contains(MockOpenAiUpstream.chunkText(29))
                            || !r.body().endsWith("data: [DONE]\n\n")) {
                        failures.add(r.statusCode() + " " + r.body().length());
                    }
                } catch (Exception e) {
                    failures.add(e.toString());
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join(20_000);
        }
        assertThat(failures).isEmpty();
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            sb.append((char) c);
            if (sb.length() >= 4 && sb.substring(sb.length() - 4).equals("\r\n\r\n")) {
                break;
            }
        }
        return sb.toString();
    }

}
