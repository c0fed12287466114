package dev.llmproxy.admin;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.llmproxy.admin.Html.esc;

/**
 * Usage: aggregates ({@code /manage/usage/stats}) for the chosen filters, grouped by model or
 * project, the latest records ({@code /manage/usage/recent}) and export links
 * ({@code /manage/usage/export}, passed through by {@code /admin/usage/export}).
 */
final class UsagePages {

    private static final String P = AdminUi.PATH + "/usage";
    /** The export is buffered in memory on its way through the UI; beyond this it is refused. */
    static final int MAX_EXPORT_BYTES = 64 * 1024 * 1024;

    private final ManageClient client;

    UsagePages(ManageClient client) {
        this.client = client;
    }

    AdminResponse show(Pages.Ctx c) {
        Map<String, JsonNode> projects = Pages.projectsById(client, c.caller());
        String project = c.q("project_id");
        String model = c.q("model");
        String groupBy = c.q("group_by").equals("project") ? "project" : "model";
        StringBuilder b = new StringBuilder();
        String from;
        String to;
        try {
            from = instant(c.q("from"));
            to = instant(c.q("to"));
        } catch (IllegalArgumentException e) {
            from = "";
            to = "";
            b.append(Html.error(e.getMessage()));
        }
        Map<String, String> filters = new LinkedHashMap<>();
        filters.put("project_id", Pages.validId(project) ? project : "");
        filters.put("model", model);
        filters.put("from", from);
        filters.put("to", to);
        b.append("<form method=\"get\" action=\"").append(P).append("\" class=\"filters\">")
                .append(TokenPages.projectSelect("project_id", "project_id", "Project", projects, project, true))
                .append(Html.input("model", "model", "Model", "text", model, null))
                .append(Html.input("from", "from", "From (UTC)", "text", c.q("from"),
                        "placeholder=\"2026-01-31T00:00:00Z\""))
                .append(Html.input("to", "to", "To (UTC)", "text", c.q("to"), "placeholder=\"2026-01-31T23:59:59Z\""))
                .append(Html.select("group_by", "group_by", "Group by", List.of(new String[] {"model", "Model"},
                        new String[] {"project", "Project"}), groupBy))
                .append("<button type=\"submit\">Apply</button></form>");
        Map<String, String> statsQuery = new LinkedHashMap<>(filters);
        statsQuery.put("group_by", groupBy);
        ManageClient.Result stats = client.get("/manage/usage/stats" + Html.query(statsQuery), c.caller());
        if (unavailable(stats)) {
            b.append(Html.notAvailable("Usage", "This server does not offer usage statistics (/manage/usage/stats"
                    + " answered 404)."));
            return Layout.page(200, "Usage", c.session(), "usage", b.toString());
        }
        String exportQuery = Html.query(filters);
        b.append("<p class=\"toolbar\">Export these records: <a class=\"button\" href=\"").append(P)
                .append("/export?format=csv").append(esc(exportQuery.isEmpty() ? "" : "&" + exportQuery.substring(1)))
                .append("\" download>CSV</a> <a class=\"button\" href=\"").append(P).append("/export?format=jsonl")
                .append(esc(exportQuery.isEmpty() ? "" : "&" + exportQuery.substring(1)))
                .append("\" download>JSON lines</a></p>");
        if (!stats.ok()) {
            b.append(Html.error("Cannot load usage statistics: " + stats.errorMessage()));
        } else {
            List<JsonNode> rows = new ArrayList<>();
            stats.json().path("groups").forEach(rows::add);
            b.append(statsTable(stats.json().path("totals"), rows, groupBy.equals("project") ? "Project" : "Model",
                    projects));
        }
        Map<String, String> recentQuery = new LinkedHashMap<>();
        recentQuery.put("limit", "50");
        recentQuery.put("project_id", filters.get("project_id"));
        ManageClient.Result recent = client.get("/manage/usage/recent" + Html.query(recentQuery), c.caller());
        b.append("<h2>Latest requests</h2>");
        if (!recent.ok()) {
            b.append(Html.error("Cannot load recent requests: " + recent.errorMessage()));
        } else {
            List<JsonNode> rows = new ArrayList<>();
            recent.json().path("records").forEach(rows::add);
            b.append(recordsTable(rows, "The 50 latest requests" + (filters.get("project_id").isEmpty() ? ""
                    : " of this project")));
        }
        return Layout.page(200, "Usage", c.session(), "usage", b.toString());
    }

    AdminResponse export(Pages.Ctx c) {
        String format = c.q("format").equals("jsonl") ? "jsonl" : "csv";
        Map<String, String> query = new LinkedHashMap<>();
        query.put("format", format);
        try {
            query.put("project_id", Pages.validId(c.q("project_id")) ? c.q("project_id") : "");
            query.put("model", c.q("model"));
            query.put("from", instant(c.q("from")));
            query.put("to", instant(c.q("to")));
        } catch (IllegalArgumentException e) {
            return c.redirect("error", e.getMessage(), P);
        }
        ManageClient.Result r = client.get("/manage/usage/export" + Html.query(query), c.caller());
        if (!r.ok()) {
            return c.redirect("error", "Export failed: " + r.errorMessage(), P);
        }
        if (r.raw().length > MAX_EXPORT_BYTES) {
            return c.redirect("error", "The export is larger than 64 MiB; narrow the time range.", P);
        }
        String type = format.equals("csv") ? "text/csv; charset=utf-8" : "application/x-ndjson";
        return new AdminResponse(200, type, r.raw()).header("Cache-Control", "no-store")
                .header("Content-Disposition", "attachment; filename=\"llm-proxy-usage." + format + "\"");
    }

    /** True when the management API has no such endpoint (an older server): show "not available". */
    static boolean unavailable(ManageClient.Result r) {
        return r.status() == 404 && "not_found".equals(r.json().path("error").path("code").asText("not_found"));
    }

    static String statsTable(JsonNode totals, List<JsonNode> groups, String keyLabel, Map<String, JsonNode> projects) {
        StringBuilder b = new StringBuilder("<table class=\"numbers\"><caption>Usage by ")
                .append(esc(keyLabel.toLowerCase(java.util.Locale.ROOT))).append("</caption><thead><tr><th scope=\"col\">")
                .append(esc(keyLabel)).append("</th><th scope=\"col\">Requests</th><th scope=\"col\">Errors</th>")
                .append("<th scope=\"col\">Cache hits</th><th scope=\"col\">Prompt tokens</th>")
                .append("<th scope=\"col\">Completion tokens</th><th scope=\"col\">Total tokens</th>")
                .append("<th scope=\"col\">Cost</th><th scope=\"col\">Tool calls</th>")
                .append("<th scope=\"col\">Latency p50/p95/p99 ms</th><th scope=\"col\">TTFT p50/p95/p99 ms</th>")
                .append("</tr></thead><tbody>");
        for (JsonNode g : groups) {
            String key = Html.text(g, "key");
            JsonNode p = projects.get(key);
            statsRow(b, p != null ? p.path("name").asText() : key.isEmpty() ? "(none)" : key, g, false);
        }
        if (groups.isEmpty()) {
            b.append("<tr><td colspan=\"11\">No requests match.</td></tr>");
        }
        b.append("</tbody><tfoot>");
        statsRow(b, "All", totals, true);
        return b.append("</tfoot></table>").toString();
    }

    private static void statsRow(StringBuilder b, String label, JsonNode s, boolean total) {
        b.append("<tr").append(total ? " class=\"total\"" : "").append("><th scope=\"row\">").append(esc(label))
                .append("</th><td>").append(Html.number(s.path("requests"))).append("</td><td>")
                .append(Html.number(s.path("errors"))).append("</td><td>").append(Html.number(s.path("cache_hits")))
                .append("</td><td>").append(Html.number(s.path("prompt_tokens"))).append("</td><td>")
                .append(Html.number(s.path("completion_tokens"))).append("</td><td>")
                .append(Html.number(s.path("total_tokens"))).append("</td><td>").append(Html.money(s.path("cost_usd")))
                .append("</td><td>").append(Html.number(s.path("tool_calls"))).append("</td><td>")
                .append(percentiles(s.path("latency_ms"))).append("</td><td>").append(percentiles(s.path("ttft_ms")))
                .append("</td></tr>");
    }

    static String percentiles(JsonNode p) {
        if (p.isMissingNode() || p.isNull()) {
            return "—";
        }
        return Html.number(p.path("p50")) + " / " + Html.number(p.path("p95")) + " / " + Html.number(p.path("p99"));
    }

    static String recordsTable(List<JsonNode> records, String caption) {
        StringBuilder b = new StringBuilder("<table class=\"numbers\" id=\"usage-records\"><caption>")
                .append(esc(caption)).append("</caption><thead><tr><th scope=\"col\">Time</th>")
                .append("<th scope=\"col\">Request ID</th><th scope=\"col\">Endpoint</th><th scope=\"col\">Model</th>")
                .append("<th scope=\"col\">Status</th><th scope=\"col\">Cache</th><th scope=\"col\">Tokens in/out</th>")
                .append("<th scope=\"col\">Latency ms</th><th scope=\"col\">TTFT ms</th><th scope=\"col\">Cost</th>")
                .append("</tr></thead><tbody>");
        for (JsonNode r : records) {
            b.append("<tr><td>").append(Html.time(r, "timestamp")).append("</td><th scope=\"row\"><code>")
                    .append(esc(Html.text(r, "request_id"))).append("</code></th><td>")
                    .append(esc(Html.text(r, "method"))).append(' ').append(esc(Html.text(r, "endpoint")))
                    .append(r.path("streamed").asBoolean() ? " <span class=\"badge\">stream</span>" : "")
                    .append("</td><td>").append(esc(Html.text(r, "model"))).append("</td><td>")
                    .append(esc(Html.text(r, "status"))).append("</td><td>").append(esc(Html.text(r, "cache_status")))
                    .append("</td><td>").append(Html.number(r.path("prompt_tokens"))).append(" / ")
                    .append(Html.number(r.path("completion_tokens"))).append("</td><td>")
                    .append(Html.number(r.path("latency_ms"))).append("</td><td>").append(Html.number(r.path("ttft_ms")))
                    .append("</td><td>").append(Html.money(r.path("cost_usd"))).append("</td></tr>");
        }
        if (records.isEmpty()) {
            b.append("<tr><td colspan=\"10\">No requests recorded.</td></tr>");
        }
        return b.append("</tbody></table>").toString();
    }

    /**
     * An RFC 3339 instant from a filter field; also takes a {@code datetime-local} value
     * ({@code 2026-01-31T12:00}, read as UTC). "" stays "".
     */
    static String instant(String value) {
        if (value == null || value.isEmpty()) {
            return "";
        }
        try {
            return Instant.parse(value).toString();
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(value).toInstant(ZoneOffset.UTC).toString();
            } catch (DateTimeParseException e2) {
                throw new IllegalArgumentException("'" + value + "' is not a time; use e.g. 2026-01-31T12:00:00Z");
            }
        }
    }

    static int positiveInt(String value, int fallback) {
        try {
            int v = Integer.parseInt(value);
            return v >= 1 ? v : fallback;
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
