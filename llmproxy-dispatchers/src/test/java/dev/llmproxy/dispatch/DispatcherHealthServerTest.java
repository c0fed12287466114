package dev.llmproxy.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.dispatch.testing.Await;
import dev.llmproxy.dispatch.testing.ScriptedDispatcher;
import dev.llmproxy.dispatch.testing.TestEvents;
import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBuses;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class DispatcherHealthServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private HttpResponse<String> get(DispatcherHealthServer health, String path, String method) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + health.address().getPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthReportsCounters_backlog_lagAndLastError_then503OnceStopped() throws Exception {
        EventBus bus = EventBuses.load("in-memory", ComponentConfig.empty());
        ScriptedDispatcher d = new ScriptedDispatcher((e, n) -> e.requestId().equals("bad")
                ? DispatchResult.Outcome.permanentFailure("lunary answered HTTP 400: invalid")
                : DispatchResult.Outcome.accepted(), e -> "POST".equals(e.event().method()));
        DispatcherService service = DispatcherService.builder().name("lunary").bus(bus).dispatcher(d).batchSize(3)
                .flushInterval(Duration.ofHours(1)).build().start();
        try (DispatcherHealthServer health = DispatcherHealthServer.start(new InetSocketAddress("127.0.0.1", 0), service)) {
            bus.publish(TestEvents.chat("good-1"));
            bus.publish(TestEvents.chat("bad"));
            bus.publish(TestEvents.listModels("get"));
            bus.publish(TestEvents.chat("good-2"));
            bus.publish(TestEvents.chat("held"));
            Await.until("settled", Duration.ofSeconds(20), () -> service.stats().sent() == 2 && service.stats().pending() == 1);

            HttpResponse<String> r = get(health, "/health", "GET");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
            JsonNode h = JSON.readTree(r.body());
            assertThat(h.get("status").asText()).isEqualTo("ok");
            assertThat(h.get("service").asText()).isEqualTo("lunary");
            assertThat(h.get("group").asText()).isEqualTo("dispatcher-lunary");
            assertThat(h.get("processed").asLong()).isEqualTo(5);
            assertThat(h.get("sent").asLong()).isEqualTo(2);
            assertThat(h.get("failed").asLong()).isEqualTo(1);
            assertThat(h.get("skipped").asLong()).isEqualTo(1);
            assertThat(h.get("pending").asInt()).isEqualTo(1);
            assertThat(h.get("lag_ms").asLong()).isPositive();
            assertThat(h.get("backlog").get("pending").asLong()).isEqualTo(1);
            assertThat(h.get("last_error").asText()).isEqualTo("lunary answered HTTP 400: invalid");
            assertThat(h.get("last_error_at").asText()).endsWith("Z");

            assertThat(get(health, "/other", "GET").statusCode()).isEqualTo(404);
            assertThat(get(health, "/health", "POST").statusCode()).isEqualTo(405);

            service.stop(Duration.ofSeconds(5));
            HttpResponse<String> stopped = get(health, "/health", "GET");
            assertThat(stopped.statusCode()).isEqualTo(503);
            assertThat(JSON.readTree(stopped.body()).get("status").asText()).isEqualTo("unhealthy");
            assertThat(JSON.readTree(stopped.body()).get("sent").asLong()).isEqualTo(3);
        } finally {
            service.stop(Duration.ofSeconds(5));
            bus.close(Duration.ofSeconds(1));
        }
    }
}
