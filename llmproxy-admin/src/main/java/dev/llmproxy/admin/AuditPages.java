package dev.llmproxy.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.llmproxy.admin.Html.esc;
import static dev.llmproxy.admin.Html.url;

/** The audit log: filters, pages of 25 events, and one event in full. */
final class AuditPages {

    private static final String P = AdminUi.PATH + "/audit";
    private static final int PAGE_SIZE = 25;
    private static final List<String> TEXT_FILTERS = List.of("search", "action", "actor", "project_id", "token_id",
            "client_ip", "request_id");

    private final ManageClient client;

    AuditPages(ManageClient client) {
        this.client = client;
    }

    AdminResponse list(Pages.Ctx c) {
        StringBuilder b = new StringBuilder();
        Map<String, String> filters = new LinkedHashMap<>();
        for (String f : TEXT_FILTERS) {
            filters.put(f, c.q(f));
        }
        String outcome = c.q("outcome");
        filters.put("outcome", outcome.equals("success") || outcome.equals("failure") ? outcome : "");
        try {
            filters.put("from", UsagePages.instant(c.q("from")));
            filters.put("to", UsagePages.instant(c.q("to")));
        } catch (IllegalArgumentException e) {
            b.append(Html.error(e.getMessage()));
            filters.put("from", "");
            filters.put("to", "");
        }
        int page = UsagePages.positiveInt(c.q("page"), 1);
        b.append("<form method=\"get\" action=\"").append(P).append("\" class=\"filters\">")
                .append(Html.input("search", "search", "Search", "search", c.q("search"), null))
                .append(Html.input("action", "action", "Action", "text", c.q("action"), "placeholder=\"token.revoke\""))
                .append(Html.select("outcome", "outcome", "Outcome", List.of(new String[] {"", "Any"},
                        new String[] {"success", "Success"}, new String[] {"failure", "Failure"}), filters.get("outcome")))
                .append(Html.input("actor", "actor", "Actor", "text", c.q("actor"), null))
                .append(Html.input("audit_project", "project_id", "Project ID", "text", c.q("project_id"), null))
                .append(Html.input("audit_token", "token_id", "Token ID", "text", c.q("token_id"), null))
                .append(Html.input("client_ip", "client_ip", "Client IP", "text", c.q("client_ip"), null))
                .append(Html.input("request_id", "request_id", "Request ID", "text", c.q("request_id"), null))
                .append(Html.input("audit_from", "from", "From (UTC)", "text", c.q("from"),
                        "placeholder=\"2026-01-31T00:00:00Z\""))
                .append(Html.input("audit_to", "to", "To (UTC)", "text", c.q("to"), null))
                .append("<button type=\"submit\">Filter</button> <a href=\"").append(P).append("\">Clear</a></form>");
        String q = Html.query(filters);
        ManageClient.Result r = client.get("/manage/audit" + (q.isEmpty() ? "?" : q + "&") + "page=" + page
                + "&page_size=" + PAGE_SIZE, c.caller());
        if (!r.ok()) {
            b.append(r.status() == 503 ? Html.notAvailable("Audit log", r.errorMessage())
                    : Html.error("Cannot load the audit log: " + r.errorMessage()));
            return Layout.page(200, "Audit log", c.session(), "audit", b.toString());
        }
        b.append("<table id=\"audit-events\"><caption>Audit events, newest first</caption><thead><tr>")
                .append("<th scope=\"col\">Time</th><th scope=\"col\">Action</th><th scope=\"col\">Outcome</th>")
                .append("<th scope=\"col\">Actor</th><th scope=\"col\">Client IP</th><th scope=\"col\">Reason</th>")
                .append("<th scope=\"col\">Details</th></tr></thead><tbody>");
        JsonNode events = r.json().path("events");
        for (JsonNode e : events) {
            String id = e.path("id").asText();
            b.append("<tr><td>").append(Html.time(e, "timestamp")).append("</td><th scope=\"row\">")
                    .append(esc(Html.text(e, "action"))).append("</th><td>")
                    .append(Html.badge("success".equals(Html.text(e, "outcome")), "success", Html.text(e, "outcome")))
                    .append("</td><td>").append(esc(Html.text(e, "actor"))).append("</td><td>")
                    .append(esc(Html.text(e, "client_ip"))).append("</td><td>").append(esc(Html.text(e, "reason")))
                    .append("</td><td><a href=\"").append(P).append('/').append(esc(url(id))).append("\">View</a></td></tr>");
        }
        if (events.isEmpty()) {
            b.append("<tr><td colspan=\"7\">No audit events match.</td></tr>");
        }
        b.append("</tbody></table>").append(ProjectPages.pager(P + (q.isEmpty() ? "?" : q + "&") + "page=",
                r.json().path("pagination")));
        return Layout.page(200, "Audit log", c.session(), "audit", b.toString());
    }

    AdminResponse show(Pages.Ctx c, String id) {
        ManageClient.Result r = client.get("/manage/audit/" + url(id), c.caller());
        if (!r.ok()) {
            return Layout.page(r.status() == 404 ? 404 : 502, "Audit event", c.session(), "audit",
                    Html.error("Cannot show this event: " + r.errorMessage()));
        }
        JsonNode e = r.json();
        StringBuilder b = new StringBuilder("<dl class=\"card\">");
        ProjectPages.dt(b, "Time", Html.time(e, "timestamp"));
        for (String f : List.of("action", "outcome", "actor", "reason", "client_ip", "request_id")) {
            ProjectPages.dt(b, f.replace('_', ' '), esc(Html.text(e, f)));
        }
        String project = Html.text(e, "project_id");
        ProjectPages.dt(b, "project", project.isEmpty() ? "" : "<a href=\"" + AdminUi.PATH + "/projects/"
                + esc(url(project)) + "\"><code>" + esc(project) + "</code></a>");
        String token = Html.text(e, "token_id");
        ProjectPages.dt(b, "token", token.isEmpty() ? "" : "<a href=\"" + AdminUi.PATH + "/tokens/"
                + esc(url(token)) + "\"><code>" + esc(token) + "</code></a>");
        JsonNode details = e.path("details");
        if (details.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = details.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> d = it.next();
                ProjectPages.dt(b, d.getKey().replace('_', ' '), "<code>" + esc(d.getValue().isValueNode()
                        ? d.getValue().asText() : d.getValue().toString()) + "</code>");
            }
        }
        b.append("</dl><h2>Raw event</h2><pre><code>");
        try {
            b.append(esc(ManageClient.json().writerWithDefaultPrettyPrinter().writeValueAsString(e)));
        } catch (JsonProcessingException ex) {
            b.append(esc(e.toString()));
        }
        b.append("</code></pre><p><a href=\"").append(P).append("\">Back to the audit log</a></p>");
        return Layout.page(200, "Audit event " + Html.text(e, "action"), c.session(), "audit", b.toString());
    }
}
