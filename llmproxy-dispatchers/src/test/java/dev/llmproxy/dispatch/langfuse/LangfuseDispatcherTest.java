package dev.llmproxy.dispatch.langfuse;

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

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The langfuse dispatcher against a local stand-in for {@code POST /api/public/ingestion} that
 * validates every envelope against Langfuse's ingestion schema (reference Part C3) and answers 207
 * with per-envelope statuses as scripted.
 */
class LangfuseDispatcherTest {

    private static final Set<String> TYPES = Set.of("trace-create", "span-create", "span-update", "generation-create",
            "generation-update", "event-create", "score-create", "sdk-log", "observation-create", "observation-update");
    private static final Set<String> LEVELS = Set.of("DEBUG", "DEFAULT", "WARNING", "ERROR");

    private FakeBackend backend;
    private Harness harness;
    /** Request id → generation envelopes of it received; calls whose envelopes all succeeded. */
    private final Map<String, AtomicInteger> generationsSeen = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> callsAccepted = new ConcurrentHashMap<>();

    @AfterEach
    void close() {
        if (harness != null) {
            harness.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    /** One envelope as the test sees it. */
    record Envelope(String id, String type, String requestId) {
    }

    static List<Envelope> validate(FakeBackend.Request r, List<String> v) {
        String expected = "Basic " + Base64.getEncoder().encodeToString("pk-lf-test:sk-lf-test".getBytes(StandardCharsets.UTF_8));
        if (!expected.equals(r.header("Authorization"))) {
            v.add("Authorization: " + r.header("Authorization"));
        }
        if (!r.path().equals("/api/public/ingestion")) {
            v.add("path " + r.path());
        }
        JsonNode body = r.json();
        List<Envelope> out = new ArrayList<>();
        if (!Schema.array(body, "batch", "$", v)) {
            return out;
        }
        Set<String> ids = new HashSet<>();
        Set<String> traces = new HashSet<>();
        int i = 0;
        for (JsonNode env : body.get("batch")) {
            String p = "$.batch[" + i++ + "]";
            Schema.uuid(env, "id", p, v);
            Schema.oneOf(env, "type", TYPES, p, v);
            Schema.iso(env, "timestamp", true, p, v);
            if (!ids.add(env.path("id").asText())) {
                v.add(p + ".id: duplicate envelope id in one batch");
            }
            if (!Schema.object(env, "body", p, v)) {
                continue;
            }
            JsonNode b = env.get("body");
            String bp = p + ".body";
            Schema.string(b, "id", bp, v);
            String requestId = b.at("/metadata/request_id").asText();
            if (env.path("type").asText().equals("trace-create")) {
                Schema.iso(b, "timestamp", true, bp, v);
                Schema.string(b, "name", bp, v);
                traces.add(b.path("id").asText());
            } else if (env.path("type").asText().equals("generation-create")) {
                Schema.string(b, "traceId", bp, v);
                if (!traces.contains(b.path("traceId").asText())) {
                    v.add(bp + ".traceId: no trace-create before it in the batch");
                }
                Schema.iso(b, "startTime", true, bp, v);
                Schema.iso(b, "endTime", true, bp, v);
                if (b.has("completionStartTime")) {
                    Schema.iso(b, "completionStartTime", true, bp, v);
                }
                Schema.string(b, "model", bp, v);
                Schema.oneOf(b, "level", LEVELS, bp, v);
                if (b.has("modelParameters")) {
                    b.get("modelParameters").properties().forEach(f -> {
                        JsonNode x = f.getValue();
                        boolean ok = x.isTextual() || x.isInt() || x.isBoolean();
                        if (x.isArray()) {
                            ok = true;
                            for (JsonNode s : x) {
                                ok &= s.isTextual();
                            }
                        }
                        if (!ok) {
                            v.add(bp + ".modelParameters." + f.getKey() + ": not string|integer|boolean|string[]: " + x);
                        }
                    });
                }
                if (b.has("usageDetails")) {
                    b.get("usageDetails").properties().forEach(f -> {
                        if (!f.getValue().isInt()) {
                            v.add(bp + ".usageDetails." + f.getKey() + ": not an integer");
                        }
                    });
                }
            }
            out.add(new Envelope(env.path("id").asText(), env.path("type").asText(), requestId));
        }
        return out;
    }

    private void start(int batchSize) {
        harness = new Harness("langfuse", Dispatchers.load("langfuse", ComponentConfig.of(Map.of(
                DispatcherConfig.API_KEY, "pk-lf-test:sk-lf-test", DispatcherConfig.ENDPOINT, backend.baseUri().toString()))),
                batchSize);
    }

    /**
     * 207 with the given envelopes failing with the given statuses, the rest 201. A call counts as
     * accepted when both its envelopes succeeded.
     */
    private FakeBackend.Response answer(List<Envelope> envelopes, Map<String, Integer> failStatusByEnvelope) {
        List<Map<String, Object>> successes = new ArrayList<>();
        List<Map<String, Object>> errors = new ArrayList<>();
        Map<String, Boolean> callOk = new HashMap<>();
        for (Envelope e : envelopes) {
            callOk.merge(e.requestId(), !failStatusByEnvelope.containsKey(e.id()), Boolean::logicalAnd);
        }
        callOk.forEach((id, ok) -> {
            if (ok) {
                callsAccepted.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            }
        });
        for (Envelope e : envelopes) {
            Integer fail = failStatusByEnvelope.get(e.id());
            if (fail == null) {
                successes.add(Map.of("id", e.id(), "status", 201));
            } else {
                errors.add(Map.of("id", e.id(), "status", fail, "message", fail == 400 ? "Invalid request data" : "Internal error"));
            }
        }
        return FakeBackend.Response.json(207, Map.of("successes", successes, "errors", errors));
    }

    @Test
    void mixed207_retriesOnlyRetryableFailures_andNeverResendsAcceptedCalls() throws Exception {
        Map<String, AtomicInteger> sends = new ConcurrentHashMap<>();
        backend = FakeBackend.start((r, v) -> {
            List<Envelope> envs = validate(r, v);
            Map<String, Integer> fail = new HashMap<>();
            for (Envelope e : envs) {
                if (e.type().equals("generation-create")) {
                    generationsSeen.computeIfAbsent(e.requestId(), k -> new AtomicInteger()).incrementAndGet();
                }
                int n = sends.computeIfAbsent(e.id(), k -> new AtomicInteger()).getAndIncrement();
                if (e.requestId().equals("req-1") && e.type().equals("generation-create") && n == 0) {
                    fail.put(e.id(), 500);
                }
                if (e.requestId().equals("req-2") && e.type().equals("trace-create")) {
                    fail.put(e.id(), 400);
                }
                if (e.requestId().equals("req-4") && n == 0) {
                    fail.put(e.id(), 429);
                }
            }
            return answer(envs, fail);
        });
        start(8);
        for (int i = 0; i < 8; i++) {
            harness.publish(TestEvents.chat("req-" + i));
        }
        DispatcherStats s = harness.awaitSettled(8);

        assertThat(backend.violations()).isEmpty();
        assertThat(s.sent()).isEqualTo(7);
        assertThat(s.failed()).isEqualTo(1);
        assertThat(s.retried()).isEqualTo(2);
        assertThat(s.lastError()).isNotNull();
        assertThat(backend.requests()).hasSize(2);
        assertThat(generationsSeen.get("req-1").get()).isEqualTo(2);
        assertThat(generationsSeen.get("req-4").get()).isEqualTo(2);
        assertThat(generationsSeen.get("req-2").get()).as("400: not retried").isEqualTo(1);
        for (String id : List.of("req-0", "req-3", "req-5", "req-6", "req-7")) {
            assertThat(generationsSeen.get(id).get()).as(id + " sent once").isEqualTo(1);
        }
        JsonNode retryBatch = backend.requests().get(1).json().get("batch");
        Set<String> retried = new HashSet<>();
        retryBatch.forEach(env -> retried.add(env.at("/body/metadata/request_id").asText()));
        assertThat(retried).containsExactlyInAnyOrder("req-1", "req-4");
        callsAccepted.forEach((id, n) -> assertThat(n.get()).as(id + " accepted once").isEqualTo(1));
        assertThat(callsAccepted).hasSize(7).doesNotContainKey("req-2");
    }

    @Test
    void wholeRequest503_isRetried_then401IsPermanent() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        backend = FakeBackend.start((r, v) -> {
            List<Envelope> envs = validate(r, v);
            int n = calls.getAndIncrement();
            if (n == 0) {
                return FakeBackend.Response.text(503, "maintenance");
            }
            if (n == 1) {
                return answer(envs, Map.of());
            }
            return FakeBackend.Response.json(401, Map.of("message", "Invalid credentials"));
        });
        start(2);
        harness.publish(TestEvents.chat("a"), TestEvents.chat("b"));
        harness.awaitSettled(2);
        assertThat(harness.service.stats().sent()).isEqualTo(2);
        harness.publish(TestEvents.chat("c"), TestEvents.chat("d"));
        DispatcherStats s = harness.awaitSettled(4);
        assertThat(s.sent()).isEqualTo(2);
        assertThat(s.failed()).isEqualTo(2);
        assertThat(s.lastError()).startsWith("langfuse answered HTTP 401");
        assertThat(backend.requests()).hasSize(3);
        assertThat(backend.violations()).isEmpty();
    }

    @Test
    void envelopes_traceAndGeneration_withTtftUsageAndParameters() throws Exception {
        backend = FakeBackend.start((r, v) -> answer(validate(r, v), Map.of()));
        start(3);
        harness.publish(TestEvents.chat("c-1"), TestEvents.streamedChat("s-1"), TestEvents.upstreamError("e-1", 500));
        harness.awaitSettled(3);
        assertThat(backend.violations()).isEmpty();

        Map<String, JsonNode> gens = new HashMap<>();
        Map<String, JsonNode> traces = new HashMap<>();
        for (JsonNode env : backend.requests().get(0).json().get("batch")) {
            String id = env.at("/body/metadata/request_id").asText();
            (env.get("type").asText().equals("trace-create") ? traces : gens).put(id, env.get("body"));
        }
        JsonNode chat = gens.get("c-1");
        assertThat(chat.get("traceId").asText()).isEqualTo(traces.get("c-1").get("id").asText());
        assertThat(chat.get("name").asText()).isEqualTo("chat.completions");
        assertThat(chat.get("startTime").asText()).isEqualTo("2025-01-01T10:00:00.000Z");
        assertThat(chat.get("endTime").asText()).isEqualTo("2025-01-01T10:00:00.850Z");
        assertThat(chat.has("completionStartTime")).isFalse();
        assertThat(chat.get("model").asText()).isEqualTo("gpt-4o");
        assertThat(chat.at("/modelParameters/temperature").asText()).isEqualTo("0.2");
        assertThat(chat.at("/modelParameters/max_tokens").asInt()).isEqualTo(50);
        assertThat(chat.at("/input/0/content").asText()).isEqualTo("Say hi to c-1");
        assertThat(chat.at("/output/content").asText()).isEqualTo("Hi c-1!");
        assertThat(chat.get("usageDetails").toString()).isEqualTo("{\"input\":12,\"output\":4,\"total\":16}");
        assertThat(chat.get("level").asText()).isEqualTo("DEFAULT");
        assertThat(traces.get("c-1").get("name").asText()).isEqualTo("POST /v1/chat/completions");

        JsonNode streamed = gens.get("s-1");
        assertThat(streamed.get("completionStartTime").asText()).isEqualTo("2025-01-01T10:00:00.150Z");
        assertThat(streamed.at("/modelParameters/stream").asBoolean()).isTrue();
        assertThat(streamed.at("/usageDetails/output").asInt()).isPositive();

        JsonNode error = gens.get("e-1");
        assertThat(error.get("level").asText()).isEqualTo("ERROR");
        assertThat(error.get("statusMessage").asText()).isEqualTo("Rate limit reached for gpt-4o");
    }
}
