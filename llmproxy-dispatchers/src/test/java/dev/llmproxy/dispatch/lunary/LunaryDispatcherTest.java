package dev.llmproxy.dispatch.lunary;

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

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lunary dispatcher against a local stand-in for {@code POST /v1/runs/ingest} that validates
 * each body against Lunary's documented ingestion schema (reference Part C1) and answers as
 * scripted.
 */
class LunaryDispatcherTest {

    private static final Set<String> TYPES = Set.of("llm", "chain", "agent", "tool", "log", "embed", "retriever",
            "chat", "convo", "message", "thread");
    private static final Set<String> EVENTS = Set.of("start", "end", "error", "feedback", "chat", "update", "custom-event");

    private FakeBackend backend;
    private Harness harness;
    /** Run id → how many times Lunary answered success for both its events. */
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

    /** Validates like Lunary; answers 400 "Missing events payload." for a body without events, as Lunary does. */
    static List<String> validate(FakeBackend.Request r, List<String> v) {
        if (!"Bearer lunary-key".equals(r.header("Authorization"))) {
            v.add("Authorization: " + r.header("Authorization"));
        }
        if (!r.path().equals("/v1/runs/ingest")) {
            v.add("path " + r.path());
        }
        if (!String.valueOf(r.header("Content-Type")).startsWith("application/json")) {
            v.add("Content-Type " + r.header("Content-Type"));
        }
        JsonNode body = r.json();
        if (!body.isObject() || !Schema.array(body, "events", "$", v) || body.get("events").isEmpty()) {
            v.add("Missing events payload.");
            return List.of();
        }
        Map<String, Instant> starts = new HashMap<>();
        Map<String, Instant> ends = new HashMap<>();
        List<String> runIds = new ArrayList<>();
        int i = 0;
        for (JsonNode e : body.get("events")) {
            String p = "$.events[" + i++ + "]";
            Schema.oneOf(e, "type", TYPES, p, v);
            Schema.oneOf(e, "event", EVENTS, p, v);
            Schema.uuid(e, "runId", p, v);
            Instant ts = Schema.iso(e, "timestamp", false, p, v);
            String runId = e.path("runId").asText();
            switch (e.path("event").asText()) {
                case "start" -> {
                    if (!e.has("input")) {
                        v.add(p + ".input: missing on a start event");
                    }
                    if (e.has("metadata")) {
                        Schema.flat(e, "metadata", p, v);
                    }
                    if (e.has("name")) {
                        Schema.string(e, "name", p, v);
                    }
                    if (starts.put(runId, ts) != null) {
                        v.add(p + ": duplicate start for run " + runId);
                    }
                    runIds.add(runId);
                }
                case "end" -> {
                    if (e.has("tokensUsage") && Schema.object(e, "tokensUsage", p, v)) {
                        Schema.integer(e.get("tokensUsage"), "prompt", p + ".tokensUsage", v);
                        Schema.integer(e.get("tokensUsage"), "completion", p + ".tokensUsage", v);
                    }
                    ends.put(runId, ts);
                }
                case "error" -> {
                    if (Schema.object(e, "error", p, v)) {
                        Schema.string(e.get("error"), "message", p + ".error", v);
                    }
                    ends.put(runId, ts);
                }
                default -> v.add(p + ": unexpected event " + e.path("event"));
            }
        }
        for (String run : runIds) {
            if (!ends.containsKey(run)) {
                v.add("run " + run + " has a start but no end or error");
            } else if (starts.get(run) != null && ends.get(run) != null && ends.get(run).isBefore(starts.get(run))) {
                v.add("run " + run + " ends before it starts");
            }
        }
        return runIds;
    }

    private static Map<String, Object> results(List<String> runIds, Set<String> failing) {
        List<Map<String, Object>> results = new ArrayList<>();
        for (String run : runIds) {
            boolean ok = !failing.contains(run);
            results.add(ok ? Map.of("id", run, "success", true) : Map.of("id", run, "success", false, "error", "Duplicate runId"));
            results.add(Map.of("id", run, "success", true));
        }
        return Map.of("results", results);
    }

    private void start(int batchSize, String... extraConfig) throws Exception {
        Map<String, String> cfg = new HashMap<>(Map.of(DispatcherConfig.API_KEY, "lunary-key",
                DispatcherConfig.ENDPOINT, backend.baseUri().toString()));
        for (int i = 0; i < extraConfig.length; i += 2) {
            cfg.put(extraConfig[i], extraConfig[i + 1]);
        }
        harness = new Harness("lunary", Dispatchers.load("lunary", ComponentConfig.of(cfg)), batchSize);
    }

    private FakeBackend.Response ok(List<String> runIds) {
        runIds.forEach(r -> accepted.computeIfAbsent(r, k -> new AtomicInteger()).incrementAndGet());
        return FakeBackend.Response.json(200, results(runIds, Set.of()));
    }

    @Test
    void transient503_isRetried_thenSucceeds_eachRunAcceptedOnce() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        backend = FakeBackend.start((r, v) -> {
            List<String> runs = validate(r, v);
            if (calls.getAndIncrement() == 0) {
                return new FakeBackend.Response(503, Map.of("Retry-After", "0"), "upstream unavailable");
            }
            return ok(runs);
        });
        start(12);
        for (int i = 0; i < 10; i++) {
            harness.publish(TestEvents.chat("req-" + i));
        }
        harness.publish(TestEvents.streamedChat("stream-1"), TestEvents.upstreamError("err-1", 429));

        DispatcherStats s = harness.awaitSettled(12);
        assertThat(backend.violations()).isEmpty();
        assertThat(s.sent()).isEqualTo(12);
        assertThat(s.failed()).isZero();
        assertThat(s.retried()).isEqualTo(12);
        assertThat(backend.requests()).hasSize(2);
        assertThat(accepted).hasSize(12);
        accepted.forEach((run, n) -> assertThat(n.get()).as(run).isEqualTo(1));

        JsonNode events = backend.requests().get(1).json().get("events");
        assertThat(events).hasSize(24);
        JsonNode start = events.get(0);
        assertThat(start.get("event").asText()).isEqualTo("start");
        assertThat(start.get("name").asText()).isEqualTo("gpt-4o");
        assertThat(start.at("/input/0/content").asText()).isEqualTo("Say hi to req-0");
        assertThat(start.at("/params/temperature").asDouble()).isEqualTo(0.2);
        assertThat(start.at("/metadata/request_id").asText()).isEqualTo("req-0");
        JsonNode end = events.get(1);
        assertThat(end.get("event").asText()).isEqualTo("end");
        assertThat(end.get("runId").asText()).isEqualTo(start.get("runId").asText());
        assertThat(end.at("/output/content").asText()).isEqualTo("Hi req-0!");
        assertThat(end.get("tokensUsage").toString()).isEqualTo("{\"prompt\":12,\"completion\":4}");
        assertThat(end.get("timestamp").asText()).isEqualTo("2025-01-01T10:00:00.850Z");
        JsonNode error = events.get(23);
        assertThat(error.get("event").asText()).isEqualTo("error");
        assertThat(error.at("/error/message").asText()).isEqualTo("Rate limit reached for gpt-4o");
    }

    @Test
    void http400_isNotRetried_andCountsEveryEventFailed() throws Exception {
        backend = FakeBackend.start((r, v) -> {
            validate(r, v);
            return FakeBackend.Response.json(400, Map.of("error", "Incorrect project id format"));
        });
        start(5);
        for (int i = 0; i < 5; i++) {
            harness.publish(TestEvents.chat("req-" + i));
        }
        DispatcherStats s = harness.awaitSettled(5);
        assertThat(s.failed()).isEqualTo(5);
        assertThat(s.sent()).isZero();
        assertThat(s.retried()).isZero();
        assertThat(s.lastError()).isEqualTo("lunary answered HTTP 400: {\"error\":\"Incorrect project id format\"}");
        assertThat(backend.requests()).hasSize(1);
        assertThat(backend.violations()).isEmpty();
    }

    @Test
    void perEventFailuresInA200_areDetected_andNotRetried() throws Exception {
        Set<String> failing = ConcurrentHashMap.newKeySet();
        backend = FakeBackend.start((r, v) -> {
            List<String> runs = validate(r, v);
            failing.add(runs.get(2));
            return FakeBackend.Response.json(200, results(runs, failing));
        });
        start(5);
        for (int i = 0; i < 5; i++) {
            harness.publish(TestEvents.chat("req-" + i));
        }
        DispatcherStats s = harness.awaitSettled(5);
        assertThat(s.sent()).isEqualTo(4);
        assertThat(s.failed()).isEqualTo(1);
        assertThat(s.lastError()).contains("lunary rejected run").contains("Duplicate runId");
        assertThat(backend.requests()).hasSize(1);
        assertThat(backend.violations()).isEmpty();
    }

    @Test
    void aBatchSplitBySize_retriesOnlyTheRequestThatFailed() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        backend = FakeBackend.start((r, v) -> {
            List<String> runs = validate(r, v);
            // The first request to arrive fails once; the other succeeds at once.
            if (calls.getAndIncrement() == 0) {
                return FakeBackend.Response.text(502, "bad gateway");
            }
            return ok(runs);
        });
        start(6, DispatcherConfig.MAX_BATCH_BYTES, "3000");
        for (int i = 0; i < 6; i++) {
            harness.publish(TestEvents.chat("req-" + i));
        }
        DispatcherStats s = harness.awaitSettled(6);
        assertThat(s.sent()).isEqualTo(6);
        assertThat(s.retried()).isBetween(1L, 5L);
        assertThat(backend.violations()).isEmpty();
        assertThat(accepted).hasSize(6);
        accepted.forEach((run, n) -> assertThat(n.get()).as("run %s accepted exactly once", run).isEqualTo(1));
        int sentRuns = 0;
        for (FakeBackend.Request r : backend.requests()) {
            assertThat(r.body().length()).isLessThanOrEqualTo(3000 + 200);
            sentRuns += r.json().get("events").size() / 2;
        }
        assertThat(sentRuns).as("only the failed request's runs were sent twice").isEqualTo(6 + s.retried());
    }

    @Test
    void nonPostEventsAreSkipped() throws Exception {
        backend = FakeBackend.start((r, v) -> ok(validate(r, v)));
        start(1);
        harness.publish(TestEvents.listModels("get-1"), TestEvents.chat("req-1"));
        harness.awaitSettled(1);
        assertThat(harness.service.stats().skipped()).isEqualTo(1);
        assertThat(backend.requests()).hasSize(1);
        assertThat(backend.requests().get(0).json().get("events")).hasSize(2);
    }
}
