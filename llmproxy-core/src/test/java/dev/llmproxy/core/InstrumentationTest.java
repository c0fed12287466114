package dev.llmproxy.core;

import dev.llmproxy.core.events.FileEventLog;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.Delivery;
import dev.llmproxy.eventbus.Event;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBuses;
import dev.llmproxy.eventbus.EventCodec;
import dev.llmproxy.eventbus.PullSubscription;
import dev.llmproxy.eventbus.SubscriptionOptions;
import dev.llmproxy.testing.Behavior;
import dev.llmproxy.testing.MockOpenAiUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Instrumentation through a real proxy with the in-memory bus: exactly one event per request that
 * reached the upstream, with the fields a dispatcher needs, and none for requests the proxy
 * answered itself.
 */
class InstrumentationTest {

    private static final String UPSTREAM_KEY = "sk-upstream-never-in-events";
    private static MockOpenAiUpstream upstream;

    private EventBus bus;
    private PullSubscription events;
    private LlmProxy proxy;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

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
    void start() {
        upstream.reset();
        bus = EventBuses.load("in-memory", ComponentConfig.of(Map.of()));
        events = bus.subscribe(SubscriptionOptions.group("test"));
        proxy = LlmProxy.builder().listen("127.0.0.1", 0).provider(ProviderConfig.openAi(upstream.baseUri()))
                .upstreamApiKey(UPSTREAM_KEY).eventBus(bus).eventBodyLimits(1024, 4096).build().start();
    }

    @AfterEach
    void stop() {
        proxy.close();
        bus.close(Duration.ofSeconds(5));
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.localAddress().getPort() + path))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer sk-client-withering-token")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private List<Event> awaitEvents(int n) throws Exception {
        List<Event> out = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (out.size() < n && System.nanoTime() < deadline) {
            List<Delivery> batch = events.poll(n - out.size(), Duration.ofMillis(200));
            batch.forEach(d -> out.add(d.event()));
            events.ack(batch);
        }
        return out;
    }

    @Test
    void jsonCompletion_producesOneCompleteEvent() throws Exception {
        HttpResponse<String> response = post("/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(response.statusCode()).isEqualTo(200);

        Event e = awaitEvents(1).get(0);
        assertThat(e.requestId()).isEqualTo(response.headers().firstValue("x-request-id").orElseThrow());
        assertThat(e.method()).isEqualTo("POST");
        assertThat(e.path()).isEqualTo("/v1/chat/completions");
        assertThat(e.status()).isEqualTo(200);
        assertThat(e.model()).isEqualTo("gpt-4o-mini");
        assertThat(e.streamed()).isFalse();
        assertThat(e.promptTokens()).isPositive();
        assertThat(e.completionTokens()).isPositive();
        assertThat(e.totalTokens()).isEqualTo(e.promptTokens() + e.completionTokens());
        assertThat(e.requestBody().toUtf8String()).contains("\"content\":\"hi\"");
        assertThat(e.responseBody().toUtf8String()).contains("chat.completion");
        assertThat(e.durationMillis()).isNotNegative();
        assertThat(e.ttftMillis()).isNotNull();
        assertThat(e.requestHeaders().get("authorization")).isEqualTo("[REDACTED]");

        String json = EventCodec.encodeToString(e);
        assertThat(json).doesNotContain(UPSTREAM_KEY).doesNotContain("sk-client-withering-token");
        assertThat(events.poll(10, Duration.ofMillis(300))).as("exactly one event").isEmpty();
    }

    @Test
    void streamedCompletion_recordsTtftAndUsageFromTheFinalChunk() throws Exception {
        upstream.enqueue(Behavior.sse(10, Duration.ofMillis(30)));
        HttpResponse<String> response = post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(response.statusCode()).isEqualTo(200);

        Event e = awaitEvents(1).get(0);
        assertThat(e.streamed()).isTrue();
        assertThat(e.ttftMillis()).isNotNull();
        assertThat(e.durationMillis()).isGreaterThanOrEqualTo(e.ttftMillis()).isGreaterThanOrEqualTo(250);
        assertThat(e.completionTokens()).isPositive();
        assertThat(e.responseBody().toUtf8String()).contains("data: [DONE]");
    }

    @Test
    void largeBodies_areCappedAndFlagged() throws Exception {
        String big = "x".repeat(5000);
        post("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"" + big + "\"}");
        Event e = awaitEvents(1).get(0);
        assertThat(e.requestBody().size()).isLessThanOrEqualTo(1024);
        assertThat(e.requestBodyTruncated()).isTrue();
        assertThat(e.model()).as("model sniffed from the capped request when the response has none")
                .isNotBlank();
    }

    @Test
    void locallyAnsweredRequests_publishNothing() throws Exception {
        assertThat(post("/v1/not-allowed", "{}").statusCode()).isEqualTo(404);
        assertThat(events.poll(10, Duration.ofMillis(300))).isEmpty();
        assertThat(upstream.requests()).isEmpty();
    }

    @Test
    void clientCancellingAStream_isRecordedAsCancelled() throws Exception {
        upstream.enqueue(Behavior.sse(100, Duration.ofMillis(50)));
        String body = "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[]}";
        try (Socket s = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            InputStream in = s.getInputStream();
            byte[] buf = new byte[256];
            assertThat(in.read(buf)).isPositive();
        }
        Event e = awaitEvents(1).get(0);
        assertThat(e.attributes()).containsEntry("outcome", "client_cancelled");
        assertThat(e.status()).isEqualTo(200);
    }

    @Test
    void fileEventLog_writesOneJsonLinePerEvent() throws Exception {
        Path file = dir.resolve("logs/events.jsonl");
        try (FileEventLog log = FileEventLog.start(bus, file)) {
            for (int i = 0; i < 5; i++) {
                post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[]}");
            }
            awaitEvents(5); // the test's own group saw them; the file log has its own group
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < deadline && (!Files.exists(file) || Files.readAllLines(file).size() < 5)) {
                Thread.sleep(20);
            }
        }
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(5);
        for (String line : lines) {
            Event e = EventCodec.decode(line);
            assertThat(e.path()).isEqualTo("/v1/chat/completions");
            assertThat(line).doesNotContain(UPSTREAM_KEY);
        }
    }
}
