package dev.llmproxy.admin;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.llmproxy.admin.Html.esc;

/** The cache page (counters from {@code /metrics}, purge) and the health page ({@code /health/details}). */
final class SystemPages {

    private static final String P = AdminUi.PATH;

    private final ManageClient client;

    SystemPages(ManageClient client) {
        this.client = client;
    }

    AdminResponse cache(Pages.Ctx c) {
        StringBuilder b = new StringBuilder();
        ManageClient.Result m = client.get("/metrics", null);
        if (m.ok() && m.json().isObject()) {
            JsonNode j = m.json();
            long hits = j.path("cache_hits").asLong();
            long misses = j.path("cache_misses").asLong();
            b.append("<ul class=\"cards\">");
            stat(b, "Hits", Html.number(j.path("cache_hits")));
            stat(b, "Misses", Html.number(j.path("cache_misses")));
            stat(b, "Bypassed", Html.number(j.path("cache_bypass")));
            stat(b, "Stored", Html.number(j.path("cache_stores")));
            stat(b, "Hit ratio", hits + misses == 0 ? "—"
                    : String.format(java.util.Locale.ROOT, "%.1f %%", 100.0 * hits / (hits + misses)));
            b.append("</ul><p class=\"hint\">Counters since the server started (from /metrics).</p>");
        } else {
            b.append(Html.notAvailable("Cache counters", m.status() == 404 ? "Metrics are disabled on this server"
                    + " (ENABLE_METRICS=false)." : m.errorMessage()));
        }
        JsonNode backend = client.get("/health/details", null).json().path("components").path("response_cache");
        if (backend.isObject()) {
            b.append("<p>Backend: ").append(otherFields(backend, List.of("hits", "misses", "stores"))).append("</p>");
        }
        Map<String, JsonNode> projects = Pages.projectsById(client, c.caller());
        b.append("<section class=\"card\"><h2>Purge cached responses</h2>")
                .append("<p>Removes stored responses so the next request goes upstream. Keys look like"
                        + " <code>llmproxy:cache:&lt;project&gt;:POST:/v1/chat/completions:…</code>; the"
                        + " <code>llmproxy:cache:</code> prefix may be left out.</p>")
                .append(purgeForm(c, "project_id", TokenPages.projectSelect("purge_project", "value",
                        "All responses of project", projects, "", false)))
                .append(purgeForm(c, "prefix", Html.input("purge_prefix", "value", "Every key starting with", "text",
                        "", "required")))
                .append(purgeForm(c, "key", Html.input("purge_key", "value", "Exactly this key", "text", "",
                        "required")))
                .append("</section>");
        return Layout.page(200, "Response cache", c.session(), "cache", b.toString());
    }

    private static String purgeForm(Pages.Ctx c, String by, String field) {
        return "<form method=\"post\" action=\"" + P + "/cache/purge\" class=\"inline-form\">" + Html.hiddenCsrf(c.session())
                + "<input type=\"hidden\" name=\"by\" value=\"" + esc(by) + "\">" + field
                + "<button type=\"submit\" class=\"danger\">Purge</button></form>";
    }

    AdminResponse purge(Pages.Ctx c) {
        String by = c.f("by");
        String value = c.f("value");
        if (!List.of("key", "prefix", "project_id").contains(by) || value.isEmpty()) {
            return c.redirect("error", "Choose what to purge and give a value.", P + "/cache");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put(by, value);
        ManageClient.Result r = client.send("POST", "/manage/cache/purge", body, c.caller());
        if (!r.ok()) {
            return c.redirect("error", "Purge failed: " + r.errorMessage(), P + "/cache");
        }
        return c.redirect("success", "Purged " + r.json().path("purged").asLong() + " cached response(s).", P + "/cache");
    }

    AdminResponse health(Pages.Ctx c) {
        ManageClient.Result r = client.get("/health/details", null);
        StringBuilder b = new StringBuilder();
        // /health/details answers 200 (ready) or 503 (not ready), both with the details.
        if (r.status() == 404 || !r.json().isObject() || !r.json().has("status")) {
            b.append(r.status() == 404 ? Html.notAvailable("Health details", "This server has no /health/details.")
                    : Html.error("Cannot load health details: " + r.errorMessage()));
            return Layout.page(200, "Health", c.session(), "health", b.toString());
        }
        JsonNode h = r.json();
        String status = Html.text(h, "status");
        b.append("<dl class=\"card\">");
        ProjectPages.dt(b, "Status", Html.badge("ok".equals(status) || "up".equals(status), status, status));
        ProjectPages.dt(b, "Version", esc(Html.text(h, "version")));
        ProjectPages.dt(b, "Checked", Html.time(h, "timestamp"));
        b.append("</dl>");
        JsonNode checks = h.path("checks");
        if (checks.isObject()) {
            b.append("<h2>Readiness checks</h2><ul class=\"checks\">");
            for (Iterator<Map.Entry<String, JsonNode>> it = checks.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                b.append("<li>").append(esc(e.getKey().replace('_', ' '))).append(": ")
                        .append(e.getValue().isBoolean() ? Html.badge(e.getValue().asBoolean(), "yes", "no")
                                : "<code>" + esc(e.getValue().asText()) + "</code>").append("</li>");
            }
            b.append("</ul>");
        }
        JsonNode components = h.path("components");
        if (components.isObject() || components.isArray()) {
            b.append("<table id=\"health-components\"><caption>Components</caption><thead><tr>")
                    .append("<th scope=\"col\">Component</th><th scope=\"col\">State</th><th scope=\"col\">Details</th>")
                    .append("</tr></thead><tbody>");
            if (components.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> it = components.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    componentRow(b, e.getKey(), e.getValue());
                }
            } else {
                for (JsonNode comp : components) {
                    componentRow(b, Html.text(comp, "name"), comp);
                }
            }
            b.append("</tbody></table>");
        }
        b.append("<table id=\"health-upstreams\"><caption>Upstreams</caption><thead><tr>")
                .append("<th scope=\"col\">URL</th><th scope=\"col\">State</th><th scope=\"col\">Consecutive failures</th>")
                .append("<th scope=\"col\">Total failures</th><th scope=\"col\">Last failure</th><th scope=\"col\">Details</th>")
                .append("</tr></thead><tbody>");
        for (JsonNode u : h.path("upstreams")) {
            String state = Html.text(u, "state");
            b.append("<tr><th scope=\"row\"><code>").append(esc(Html.text(u, "url"))).append("</code></th><td>")
                    .append(Html.badge(state.equals("closed") || state.equals("healthy") || state.equals("up"), state,
                            state))
                    .append("</td><td>").append(Html.number(u.path("consecutive_failures"))).append("</td><td>")
                    .append(Html.number(u.path("total_failures"))).append("</td><td>").append(Html.time(u, "last_failure_at"))
                    .append(' ').append(esc(Html.text(u, "last_failure"))).append("</td><td>")
                    .append(otherFields(u, List.of("url", "state", "consecutive_failures", "total_failures",
                            "last_failure_at", "last_failure"))).append("</td></tr>");
        }
        b.append("</tbody></table>");
        return Layout.page(200, "Health", c.session(), "health", b.toString());
    }

    private static void componentRow(StringBuilder b, String name, JsonNode comp) {
        String state = comp.isObject() ? firstText(comp, "status", "state") : comp.asText();
        b.append("<tr><th scope=\"row\">").append(esc(name)).append("</th><td>")
                .append(state.isEmpty() ? "<span class=\"muted\">—</span>"
                        : Html.badge(List.of("ok", "up", "healthy", "closed").contains(state), state, state))
                .append("</td><td>").append(comp.isObject() ? otherFields(comp, List.of("name", "status", "state")) : "")
                .append("</td></tr>");
    }

    private static String firstText(JsonNode n, String... fields) {
        for (String f : fields) {
            if (n.path(f).isValueNode()) {
                return n.path(f).asText();
            }
        }
        return "";
    }

    private static String otherFields(JsonNode n, List<String> skip) {
        StringBuilder b = new StringBuilder();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!skip.contains(e.getKey())) {
                b.append("<span class=\"kv\">").append(esc(e.getKey().replace('_', ' '))).append(": <code>")
                        .append(esc(e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString()))
                        .append("</code></span> ");
            }
        }
        return b.toString();
    }

    private static void stat(StringBuilder b, String label, String value) {
        b.append("<li class=\"card stat\"><span class=\"label\">").append(esc(label))
                .append("</span><span class=\"value\">").append(value).append("</span></li>");
    }
}
