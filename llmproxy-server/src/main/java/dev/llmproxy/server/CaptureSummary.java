package dev.llmproxy.server;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The figures {@code llm-proxy capture inspect} reports over the exchanges that matched its
 * filters: counts by status, path, model, project, cache verdict, proxy error code and outcome;
 * the time range; latency and time-to-first-byte percentiles (nearest rank over every matching
 * exchange, so exact, not estimated); truncated and streamed counts. Memory: one double per
 * exchange for the percentiles, and one counter per distinct key. Not thread-safe.
 */
final class CaptureSummary {

    long files;
    long lines;
    long malformed;
    long exchanges;
    long streamed;
    long truncated;
    long proxyErrors;
    Instant first;
    Instant last;
    final Map<String, Long> byStatus = new TreeMap<>();
    final Map<String, Long> byPath = new TreeMap<>();
    final Map<String, Long> byModel = new TreeMap<>();
    final Map<String, Long> byProject = new TreeMap<>();
    final Map<String, Long> byCache = new TreeMap<>();
    final Map<String, Long> byErrorCode = new TreeMap<>();
    final Map<String, Long> byOutcome = new TreeMap<>();
    private final List<Double> durations = new ArrayList<>();
    private final List<Double> ttfbs = new ArrayList<>();

    void add(JsonNode x) {
        exchanges++;
        Instant started = CaptureCommand.instant(x.path("started_at"));
        if (started != null) {
            first = first == null || started.isBefore(first) ? started : first;
            last = last == null || started.isAfter(last) ? started : last;
        }
        int status = x.path("response").path("status").asInt(0);
        count(byStatus, status == 0 ? "none" : Integer.toString(status));
        count(byPath, CaptureCommand.pathOf(x));
        count(byModel, text(x, "model", "(none)"));
        count(byProject, text(x, "project_id", "(none)"));
        if (x.hasNonNull("cache")) {
            count(byCache, x.get("cache").asText());
        }
        if (x.hasNonNull("outcome")) {
            count(byOutcome, x.get("outcome").asText());
        }
        if (x.has("error")) {
            proxyErrors++;
            count(byErrorCode, x.path("error").path("code").asText("unknown"));
        }
        if (x.path("stream").asBoolean(false)) {
            streamed++;
        }
        if (x.path("truncated").asBoolean(false)) {
            truncated++;
        }
        if (x.path("duration_ms").isNumber()) {
            durations.add(x.get("duration_ms").asDouble());
        }
        if (x.path("ttfb_ms").isNumber()) {
            ttfbs.add(x.get("ttfb_ms").asDouble());
        }
    }

    /** Exchanges answered with 5xx, 4xx, or a proxy error of their own, or never answered. */
    long errors() {
        long n = 0;
        for (Map.Entry<String, Long> e : byStatus.entrySet()) {
            if (e.getKey().equals("none") || e.getKey().startsWith("4") || e.getKey().startsWith("5")) {
                n += e.getValue();
            }
        }
        return n;
    }

    /** p50, p95, p99 and max of the durations (nearest rank); empty when there are none. */
    Map<String, Double> latency() {
        return percentiles(durations);
    }

    Map<String, Double> ttfb() {
        return percentiles(ttfbs);
    }

    private static Map<String, Double> percentiles(List<Double> values) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (values.isEmpty()) {
            return out;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        out.put("p50", nearestRank(sorted, 50));
        out.put("p95", nearestRank(sorted, 95));
        out.put("p99", nearestRank(sorted, 99));
        out.put("max", sorted.get(sorted.size() - 1));
        return out;
    }

    /** The smallest value with at least {@code p} percent of the values at or below it. */
    static double nearestRank(List<Double> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    private static String text(JsonNode x, String field, String missing) {
        JsonNode v = x.get(field);
        return v == null || v.isNull() ? missing : v.asText();
    }

    private static void count(Map<String, Long> map, String key) {
        map.merge(key, 1L, Long::sum);
    }
}
