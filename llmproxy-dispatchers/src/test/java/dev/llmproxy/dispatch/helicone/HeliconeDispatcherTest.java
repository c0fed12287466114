package dev.llmproxy.dispatch.helicone;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmproxy.dispatch.DispatcherConfig;
import dev.llmproxy.dispatch.DispatcherStats;
import dev.llmproxy.dispatch.Dispatchers;
import dev.llmproxy.dispatch.testing.FakeBackend;
import dev.llmproxy.dispatch.testing.Harness;
import dev.llmproxy.dispatch.testing.Schema;
import dev.llmproxy.dispatch.testing.TestEvents;
import dev.llmproxy.eventbus.ComponentConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The helicone dispatcher against a local stand-in for the manual logger ({@code /oai/v1/log})
 * that validates each body like Helicone's log validator (reference Part C2) and answers per call.
 */
class HeliconeDispatcherTest {

    private FakeBackend backend;
    private Harness harness;
    private final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> accepted = new ConcurrentHashMap<>();

    @AfterEach
    void close() {
        if (harness != null) {
            harness.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    /** Helicone's checks; returns the proxy request id carried in the meta. */
    static String validate(FakeBackend.Request r, List<String> v) {
        if (!"Bearer helicone-key".equals(r.header("Authorization"))) {
            v.add("Authorization: " + r.header("Authorization"));
        }
        if (!r.path().equals("/oai/v1/log")) {
            v.add("path " + r.path());
        }
        JsonNode body = r.json();
        if (Schema.object(body, "providerRequest", "$", v)) {
            JsonNode req = body.get("providerRequest");
            Schema.string(req, "url", "$.providerRequest", v);
            Schema.object(req, "json", "$.providerRequest", v);
            if (Schema.object(req, "meta", "$.providerRequest", v)) {
                req.get("meta").properties().forEach(f -> {
                    if (!f.getValue().isTextual()) {
                        v.add("$.providerRequest.meta." + f.getKey() + ": not a string");
                    }
                });
                Schema.uuid(req.get("meta"), "Helicone-Request-Id", "$.providerRequest.meta", v);
            }
        }
        if (Schema.object(body, "providerResponse", "$", v)) {
            JsonNode res = body.get("providerResponse");
            Schema.object(res, "json", "$.providerResponse", v);
            Schema.integer(res, "status", "$.providerResponse", v);
            Schema.object(res, "headers", "$.providerResponse", v);
            if (res.has("base64") || res.has("note")) {
                v.add("$.providerResponse: base64/note are not part of the schema");
            }
        }
        if (Schema.object(body, "timing", "$", v)) {
            JsonNode t = body.get("timing");
            long start = time(t, "startTime", v);
            long end = time(t, "endTime", v);
            if (start > end) {
                v.add("$.timing: startTime after endTime");
            }
            if (t.has("timeToFirstToken")) {
                Schema.integer(t, "timeToFirstToken", "$.timing", v);
            }
        }
        return body.at("/providerRequest/meta/Helicone-Property-Request-Id").asText();
    }

    private static long time(JsonNode timing, String field, List<String> v) {
        if (!Schema.object(timing, field, "$.timing", v)) {
            return 0;
        }
        JsonNode t = timing.get(field);
        Schema.integer(t, "seconds", "$.timing." + field, v);
        Schema.integer(t, "milliseconds", "$.timing." + field, v);
        if (t.path("milliseconds").asInt() > 999) {
            v.add("$.timing." + field + ".milliseconds > 999");
        }
        return t.path("seconds").asLong() * 1000 + t.path("milliseconds").asLong();
    }

    private void start(int batchSize) {
        harness = new Harness("helicone", Dispatchers.load("helicone", ComponentConfig.of(Map.of(
                DispatcherConfig.API_KEY, "helicone-key", DispatcherConfig.ENDPOINT, backend.baseUri().toString(),
                DispatcherConfig.MAX_CONCURRENCY, "3"))), batchSize);
    }

    @Test
    void eachCallIsJudgedAlone_503Retried_400NotRetried_acceptedCallsNeverResent() throws Exception {
        backend = FakeBackend.start((r, v) -> {
            String id = validate(r, v);
            int before = seen.computeIfAbsent(id, k -> new AtomicInteger()).getAndIncrement();
            if (id.equals("req-1") && before == 0) {
                return FakeBackend.Response.text(503, "try later");
            }
            if (id.equals("req-2")) {
                return FakeBackend.Response.json(400, Map.of("error", "providerResponse.json is required"));
            }
            if (id.equals("req-3") && before == 0) {
                return FakeBackend.Response.json(200, Map.of("error", "failed to store log"));
            }
            accepted.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            return FakeBackend.Response.text(200, "ok");
        });
        start(10);
        for (int i = 0; i < 10; i++) {
            harness.publish(TestEvents.chat("req-" + i));
        }
        DispatcherStats s = harness.awaitSettled(10);

        assertThat(backend.violations()).isEmpty();
        assertThat(s.sent()).isEqualTo(9);
        assertThat(s.failed()).isEqualTo(1);
        assertThat(s.retried()).isEqualTo(2);
        assertThat(seen.get("req-1").get()).isEqualTo(2);
        assertThat(seen.get("req-2").get()).as("a 400 is not retried").isEqualTo(1);
        assertThat(seen.get("req-3").get()).as("200 {error} means Helicone did not store it").isEqualTo(2);
        for (int i = 0; i < 10; i++) {
            if (i != 1 && i != 3) {
                assertThat(seen.get("req-" + i).get()).as("req-%d sent once", i).isEqualTo(1);
            }
        }
        assertThat(accepted).hasSize(9);
        accepted.values().forEach(n -> assertThat(n.get()).isEqualTo(1));
    }

    @Test
    void payload_carriesRealTiming_ttft_streamFlag_andInjectedUsage() throws Exception {
        backend = FakeBackend.start((r, v) -> {
            validate(r, v);
            return FakeBackend.Response.text(200, "ok");
        });
        start(2);
        harness.publish(TestEvents.streamedChat("s-1"), TestEvents.chat("c-1"));
        harness.awaitSettled(2);
        assertThat(backend.violations()).isEmpty();

        JsonNode streamed = null;
        JsonNode plain = null;
        for (FakeBackend.Request r : backend.requests()) {
            JsonNode b = r.json();
            if (b.at("/providerRequest/meta/Helicone-Property-Request-Id").asText().equals("s-1")) {
                streamed = b;
            } else {
                plain = b;
            }
        }
        assertThat(streamed).isNotNull();
        assertThat(streamed.at("/providerRequest/url").asText()).isEqualTo("/v1/chat/completions");
        assertThat(streamed.at("/providerRequest/json/stream").asBoolean()).isTrue();
        assertThat(streamed.at("/providerRequest/json/messages/0/content").asText()).isEqualTo("Count to three");
        assertThat(streamed.at("/providerResponse/status").asInt()).isEqualTo(200);
        assertThat(streamed.at("/providerResponse/json/choices/0/message/content").asText()).isEqualTo("One, two, three.");
        JsonNode usage = streamed.at("/providerResponse/json/usage");
        assertThat(usage.get("prompt_tokens").asInt()).isPositive();
        assertThat(usage.get("completion_tokens").asInt()).isPositive();
        assertThat(usage.get("total_tokens").asInt())
                .isEqualTo(usage.get("prompt_tokens").asInt() + usage.get("completion_tokens").asInt());
        assertThat(streamed.at("/timing/startTime/seconds").asLong()).isEqualTo(TestEvents.T0.getEpochSecond());
        assertThat(streamed.at("/timing/startTime/milliseconds").asInt()).isZero();
        assertThat(streamed.at("/timing/endTime/seconds").asLong()).isEqualTo(TestEvents.T0.getEpochSecond() + 1);
        assertThat(streamed.at("/timing/endTime/milliseconds").asInt()).isEqualTo(200);
        assertThat(streamed.at("/timing/timeToFirstToken").asLong()).isEqualTo(150);

        assertThat(plain.at("/providerResponse/json/usage/prompt_tokens").asInt()).isEqualTo(12);
        assertThat(plain.at("/providerRequest/meta/Helicone-Property-Project-Id").asText()).isEqualTo("project-1");
        assertThat(plain.has("timing")).isTrue();
        assertThat(plain.at("/timing").has("timeToFirstToken")).isFalse();
        assertThat(plain.toString()).doesNotContain("sk-secret");
    }

    @Test
    void nonJsonResponse_goesInTextBody() throws Exception {
        backend = FakeBackend.start((r, v) -> {
            validate(r, v);
            return FakeBackend.Response.text(200, "ok");
        });
        start(1);
        harness.publish(dev.llmproxy.eventbus.Event.builder().requestId("t-1").method("POST").path("/v1/audio/transcriptions")
                .status(200).durationMillis(5).responseHeaders(Map.of("Content-Type", "text/plain"))
                .responseBody("hello from the audio".getBytes(), 1000).build());
        harness.awaitSettled(1);
        assertThat(backend.violations()).isEmpty();
        JsonNode res = backend.requests().get(0).json().get("providerResponse");
        assertThat(res.get("json").isEmpty()).isTrue();
        assertThat(res.get("textBody").asText()).isEqualTo("hello from the audio");
    }
}
