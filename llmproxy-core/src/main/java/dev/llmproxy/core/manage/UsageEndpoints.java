package dev.llmproxy.core.manage;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmproxy.core.usage.UsageAggregate;
import dev.llmproxy.core.usage.UsageQuery;
import dev.llmproxy.core.usage.UsageRecord;
import dev.llmproxy.core.usage.UsageSeries;
import dev.llmproxy.core.usage.UsageStats;
import dev.llmproxy.core.usage.UsageStore;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /manage/usage/stats}, {@code /manage/usage/recent}, {@code /manage/usage/export} and
 * {@code /manage/usage/series} (JSON shapes in {@code docs/usage.md}). Without a
 * {@link UsageStore} (usage tracking off) every one answers 503 {@code usage_unavailable}. Reads are
 * not audited. Runs on the blocking executor; statistics and series stream the matching rows once
 * and keep only aggregates; the export streams rows straight into the chunked answer. Thread-safe.
 */
final class UsageEndpoints {

    static final List<String> STATS_PARAMS = List.of("project_id", "model", "from", "to", "group_by");
    static final List<String> RECENT_PARAMS = List.of("limit", "project_id");
    static final List<String> EXPORT_PARAMS = List.of("format", "project_id", "model", "from", "to");
    static final List<String> SERIES_PARAMS = List.of("bucket", "from", "to", "project_id");
    static final int DEFAULT_RECENT = 50;
    static final int MAX_RECENT = 1000;
    static final long DEFAULT_BUCKET_SECONDS = 60;
    static final long MAX_BUCKET_SECONDS = 86_400;
    static final Duration DEFAULT_SERIES_RANGE = Duration.ofHours(1);

    /** Export columns, in order: the JSON field names of a record. */
    static final List<String> COLUMNS = List.of("request_id", "timestamp", "project_id", "token_id", "method",
            "endpoint", "model", "response_model", "status", "streamed", "cache_status", "prompt_tokens",
            "completion_tokens", "total_tokens", "cached_tokens", "tokens_estimated", "latency_ms", "ttft_ms",
            "cost_usd", "cost_known", "tool_calls", "error_code");

    private final UsageStore store;
    private final Clock clock;

    UsageEndpoints(UsageStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    ApiResponse stats(ApiRequest request) {
        QueryParams q = QueryParams.of(request, STATS_PARAMS);
        UsageQuery query = query(q, true);
        UsageStats.GroupBy groupBy = q.string("group_by").map(v -> switch (v) {
            case "model" -> UsageStats.GroupBy.MODEL;
            case "project" -> UsageStats.GroupBy.PROJECT;
            default -> throw ApiException.invalid("Query parameter 'group_by' must be model or project");
        }).orElse(UsageStats.GroupBy.NONE);
        UsageStats stats = UsageStats.compute(store(), query, groupBy);
        ObjectNode root = Json.MAPPER.createObjectNode();
        aggregate(root.putObject("totals"), stats.totals());
        ArrayNode groups = root.putArray("groups");
        for (UsageStats.Group g : stats.groups()) {
            ObjectNode node = groups.addObject();
            node.put("key", g.key());
            aggregate(node, g.aggregate());
        }
        return ApiResponse.json(200, root);
    }

    ApiResponse recent(ApiRequest request) {
        QueryParams q = QueryParams.of(request, RECENT_PARAMS);
        int limit = q.wholeNumber("limit", 1, MAX_RECENT).orElse(DEFAULT_RECENT);
        List<UsageRecord> records = store().recent(limit, q.string("project_id").orElse(null));
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode out = root.putArray("records");
        records.forEach(r -> record(out.addObject(), r));
        return ApiResponse.json(200, root);
    }

    ApiResponse export(ApiRequest request) {
        QueryParams q = QueryParams.of(request, EXPORT_PARAMS);
        String format = q.string("format").orElse("jsonl").toLowerCase(Locale.ROOT);
        if (!format.equals("jsonl") && !format.equals("csv")) {
            throw ApiException.invalid("Query parameter 'format' must be jsonl or csv");
        }
        UsageQuery query = query(q, true);
        UsageStore s = store();
        boolean csv = format.equals("csv");
        Map<String, String> headers = Map.of("Content-Disposition", "attachment; filename=\"usage." + format + "\"");
        return ApiResponse.stream(200, csv ? "text/csv; charset=utf-8" : "application/x-ndjson", headers,
                out -> {
                    if (csv) {
                        writeCsv(s, query, out);
                    } else {
                        writeJsonLines(s, query, out);
                    }
                });
    }

    ApiResponse series(ApiRequest request) {
        QueryParams q = QueryParams.of(request, SERIES_PARAMS);
        long bucket = q.wholeNumber("bucket", 1, (int) MAX_BUCKET_SECONDS).orElse((int) DEFAULT_BUCKET_SECONDS);
        Instant to = instant(q, "to");
        Instant from = instant(q, "from");
        if (to == null) {
            to = clock.instant();
        }
        if (from == null) {
            from = to.minus(DEFAULT_SERIES_RANGE);
        }
        if (!to.isAfter(from)) {
            throw ApiException.invalid("Query parameter 'to' must be after 'from'");
        }
        long points = UsageSeries.pointCount(from, to, bucket);
        if (points > UsageSeries.MAX_POINTS) {
            throw ApiException.invalid("Query parameter 'bucket': the range from " + from + " to " + to + " needs "
                    + points + " buckets of " + bucket + " s; at most " + UsageSeries.MAX_POINTS
                    + " are allowed, so choose a larger bucket or a shorter range");
        }
        UsageSeries series = UsageSeries.compute(store(), q.string("project_id").orElse(null), from, to, bucket);
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("bucket_seconds", series.bucketSeconds());
        ArrayNode out = root.putArray("points");
        for (UsageSeries.Point p : series.points()) {
            ObjectNode node = out.addObject();
            UsageAggregate a = p.aggregate();
            node.put("t", p.start().toString());
            node.put("requests", a.requests());
            node.put("errors", a.errors());
            node.put("cache_hits", a.cacheHits());
            percentiles(node.putObject("latency_ms"), a, true);
            percentiles(node.putObject("ttft_ms"), a, false);
            node.put("prompt_tokens", a.promptTokens());
            node.put("completion_tokens", a.completionTokens());
            node.put("cost_usd", a.costUsd());
            ArrayNode projects = node.putArray("projects");
            p.projects().forEach((id, u) -> {
                ObjectNode pn = projects.addObject();
                pn.put("project_id", id);
                pn.put("total_tokens", u.totalTokens());
                pn.put("cost_usd", dev.llmproxy.core.usage.PriceTable.toUsd(u.costNanos()));
            });
        }
        return ApiResponse.json(200, root);
    }

    // ------------------------------------------------------------------ JSON

    private static void aggregate(ObjectNode node, UsageAggregate a) {
        node.put("requests", a.requests());
        node.put("errors", a.errors());
        node.put("cache_hits", a.cacheHits());
        node.put("prompt_tokens", a.promptTokens());
        node.put("completion_tokens", a.completionTokens());
        node.put("total_tokens", a.totalTokens());
        node.put("cost_usd", a.costUsd());
        node.put("tool_calls", a.toolCalls());
        percentiles(node.putObject("latency_ms"), a, true);
        percentiles(node.putObject("ttft_ms"), a, false);
    }

    private static void percentiles(ObjectNode node, UsageAggregate a, boolean latency) {
        for (int p : new int[] {50, 95, 99}) {
            Long v = latency ? a.latencyPercentile(p) : a.ttftPercentile(p);
            if (v == null) {
                node.putNull("p" + p);
            } else {
                node.put("p" + p, v);
            }
        }
    }

    static void record(ObjectNode n, UsageRecord r) {
        n.put("request_id", r.requestId());
        n.put("timestamp", r.timestamp().toString());
        n.put("project_id", r.projectId());
        n.put("token_id", r.tokenId());
        n.put("method", r.method());
        n.put("endpoint", r.endpoint());
        n.put("model", r.model());
        n.put("response_model", r.responseModel());
        n.put("status", r.status());
        n.put("streamed", r.streamed());
        n.put("cache_status", r.cacheStatus());
        n.put("prompt_tokens", r.promptTokens());
        n.put("completion_tokens", r.completionTokens());
        n.put("total_tokens", r.totalTokens());
        n.put("cached_tokens", r.cachedTokens());
        n.put("tokens_estimated", r.tokensEstimated());
        n.put("latency_ms", r.latencyMillis());
        n.put("ttft_ms", r.ttftMillis());
        n.put("cost_usd", r.costUsd());
        n.put("cost_known", r.costKnown());
        n.put("tool_calls", r.toolCalls());
        n.put("error_code", r.errorCode());
    }

    // ------------------------------------------------------------------ export

    private static void writeJsonLines(UsageStore store, UsageQuery query, OutputStream out) throws IOException {
        // One generator for the whole export; each record is written and followed by a newline.
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            store.scan(query, r -> {
                ObjectNode n = Json.MAPPER.createObjectNode();
                record(n, r);
                Json.MAPPER.writeTree(g, n);
                g.writeRaw('\n');
            });
        }
    }

    private static void writeCsv(UsageStore store, UsageQuery query, OutputStream out) throws IOException {
        Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
        w.write(String.join(",", COLUMNS));
        w.write("\r\n");
        store.scan(query, r -> {
            ObjectNode n = Json.MAPPER.createObjectNode();
            record(n, r);
            boolean first = true;
            for (String column : COLUMNS) {
                if (!first) {
                    w.write(',');
                }
                first = false;
                var v = n.get(column);
                w.write(v == null || v.isNull() ? "" : csvField(v.isTextual() ? v.textValue()
                        : v.isBigDecimal() ? v.decimalValue().toPlainString() : v.toString()));
            }
            w.write("\r\n");
        });
        w.flush();
    }

    /** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
    static String csvField(String value) {
        boolean quote = false;
        for (int i = 0; i < value.length() && !quote; i++) {
            char c = value.charAt(i);
            quote = c == ',' || c == '"' || c == '\n' || c == '\r';
        }
        return quote ? '"' + value.replace("\"", "\"\"") + '"' : value;
    }

    // ------------------------------------------------------------------ parameters

    private UsageQuery query(QueryParams q, boolean withModel) {
        Instant from = instant(q, "from");
        Instant to = instant(q, "to");
        if (from != null && to != null && to.isBefore(from)) {
            throw ApiException.invalid("Query parameter 'to' must not be before 'from'");
        }
        return new UsageQuery(q.string("project_id").orElse(null), withModel ? q.string("model").orElse(null) : null,
                from, to);
    }

    /** An RFC 3339 instant ({@code 2026-01-31T12:00:00Z}) or whole epoch seconds ({@code 1769860800}). */
    static Instant instant(QueryParams q, String name) {
        return q.string(name).map(v -> {
            if (v.chars().allMatch(c -> c >= '0' && c <= '9') && v.length() <= 12) {
                return Instant.ofEpochSecond(Long.parseLong(v));
            }
            try {
                return OffsetDateTime.parse(v).toInstant();
            } catch (DateTimeParseException e) {
                throw ApiException.invalid("Query parameter '" + name + "' must be an RFC 3339 timestamp such as"
                        + " 2026-01-31T12:00:00Z or whole epoch seconds, got '" + JsonBody.printable(v) + "'");
            }
        }).orElse(null);
    }

    private UsageStore store() {
        if (store == null) {
            throw new ApiException(503, ErrorCodes.USAGE_UNAVAILABLE, "Usage is not tracked on this server"
                    + " (USAGE_TRACKING_ENABLED=false)");
        }
        return store;
    }
}
