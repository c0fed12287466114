package dev.llmproxy.examples.dispatcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.dispatch.DispatchEvent;
import dev.llmproxy.dispatch.DispatchResult;
import dev.llmproxy.dispatch.Dispatcher;
import dev.llmproxy.dispatch.EventTransformer;
import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.ConfigurationException;
import dev.llmproxy.eventbus.Event;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The webhook dispatcher on its own, against a local HTTP server. */
class WebhookDispatcherTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final EventTransformer transformer = new EventTransformer();

    private List<DispatchEvent> batch(String... ids) {
        return java.util.Arrays.stream(ids).map(id -> transformer.transform(id + "-0", Event.builder().requestId(id)
                .method("POST").path("/v1/chat/completions").status(200).durationMillis(5)
                .requestBody("{\"model\":\"gpt-4o\",\"messages\":[]}".getBytes(StandardCharsets.UTF_8), 1024)
                .build())).toList();
    }

    @Test
    void postsTheBatchAsJson_withTheKey_andClassifiesAnswers() throws Exception {
        try (WebhookServer server = new WebhookServer(call -> call == 0 ? 200 : call == 1 ? 503 : 400);
             Dispatcher d = new WebhookDispatcherProvider().create(ComponentConfig.of(Map.of(
                     "endpoint", server.hook().toString(), "api_key", "hook-secret")))) {
            List<DispatchEvent> events = batch("a", "b");
            DispatchResult ok = d.send(events).toCompletableFuture().join();
            assertThat(ok.outcome(events.get(0).id()).status()).isEqualTo(DispatchResult.Status.ACCEPTED);
            assertThat(ok.outcome(events.get(1).id()).status()).isEqualTo(DispatchResult.Status.ACCEPTED);

            WebhookServer.Received first = server.received.get(0);
            assertThat(first.authorization()).isEqualTo("Bearer hook-secret");
            JsonNode body = JSON.readTree(first.body());
            assertThat(body.get("events")).hasSize(2);
            assertThat(body.at("/events/0/metadata/request_id").asText()).isEqualTo("a");
            assertThat(body.at("/events/1/type").asText()).isEqualTo("llm");

            DispatchResult unavailable = d.send(events).toCompletableFuture().join();
            assertThat(unavailable.outcome(events.get(0).id()).status()).isEqualTo(DispatchResult.Status.TRANSIENT_FAILURE);
            DispatchResult rejected = d.send(events).toCompletableFuture().join();
            assertThat(rejected.outcome(events.get(0).id()).status()).isEqualTo(DispatchResult.Status.PERMANENT_FAILURE);
            assertThat(rejected.outcome(events.get(0).id()).reason()).isEqualTo("webhook answered HTTP 400: {}")
                    .doesNotContain("hook-secret");
        }
    }

    @Test
    void endpointIsRequired() {
        assertThatThrownBy(() -> new WebhookDispatcherProvider().create(ComponentConfig.empty()))
                .isInstanceOf(ConfigurationException.class).hasMessageStartingWith("endpoint: required");
    }
}
