package dev.llmproxy.admin;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.llmproxy.admin.Html.esc;
import static dev.llmproxy.admin.Html.url;

/**
 * Withering tokens: list with filters, create (the secret shown once), details with usage, revoke.
 *
 * <p>A created token's secret goes from the API's answer into the session (server memory), and
 * the 303 that follows leads to a page that takes it out again: reloading that page, or any later
 * page, no longer shows it.
 */
final class TokenPages {

    private static final String P = AdminUi.PATH + "/tokens";
    private static final int PAGE_SIZE = 50;
    static final int[] DURATIONS = {15, 60, 240, 1440, 10080, 43200, 525600};

    private final ManageClient client;

    TokenPages(ManageClient client) {
        this.client = client;
    }

    static String status(JsonNode t) {
        if (!t.path("is_active").asBoolean()) {
            return "Revoked";
        }
        try {
            String expires = Html.text(t, "expires_at");
            if (!expires.isEmpty() && Instant.parse(expires).isBefore(Instant.now())) {
                return "Expired";
            }
        } catch (DateTimeParseException e) {
            return "Unknown";
        }
        return "Active";
    }

    AdminResponse list(Pages.Ctx c) {
        String project = c.q("project_id");
        boolean activeOnly = "true".equals(c.q("active_only"));
        int page = UsagePages.positiveInt(c.q("page"), 1);
        Map<String, JsonNode> projects = Pages.projectsById(client, c.caller());
        Map<String, String> filter = new LinkedHashMap<>();
        filter.put("project_id", Pages.validId(project) ? project : "");
        filter.put("active_only", activeOnly ? "true" : "");
        String q = Html.query(filter);
        ManageClient.Result r = client.get("/manage/tokens" + (q.isEmpty() ? "?" : q + "&") + "page=" + page
                + "&page_size=" + PAGE_SIZE, c.caller());
        StringBuilder b = new StringBuilder();
        b.append("<form method=\"get\" action=\"").append(P).append("\" class=\"filters\">")
                .append(projectSelect("filter_project", "project_id", "Project", projects, project, true))
                .append("<div class=\"check\"><input type=\"checkbox\" id=\"active_only\" name=\"active_only\" value=\"true\"")
                .append(activeOnly ? " checked" : "").append("><label for=\"active_only\">Active only</label></div>")
                .append("<button type=\"submit\">Filter</button></form>")
                .append("<p><a class=\"button primary\" href=\"").append(P).append("/new")
                .append(Pages.validId(project) ? "?project_id=" + esc(url(project)) : "").append("\">New token</a></p>");
        if (!r.ok()) {
            b.append(Html.error("Cannot list tokens: " + r.errorMessage()));
            return Layout.page(200, "Tokens", c.session(), "tokens", b.toString());
        }
        b.append("<table><caption>Tokens, newest first</caption><thead><tr>")
                .append("<th scope=\"col\">Token ID</th><th scope=\"col\">Project</th><th scope=\"col\">Status</th>")
                .append("<th scope=\"col\">Requests</th><th scope=\"col\">Cache hits</th><th scope=\"col\">Rate limit</th>")
                .append("<th scope=\"col\">Expires</th><th scope=\"col\">Last used</th><th scope=\"col\">Actions</th>")
                .append("</tr></thead><tbody>");
        JsonNode items = r.json().path("tokens");
        for (JsonNode t : items) {
            String id = t.path("id").asText();
            String pid = t.path("project_id").asText();
            String status = status(t);
            JsonNode project0 = projects.get(pid);
            b.append("<tr><th scope=\"row\"><a href=\"").append(P).append('/').append(esc(url(id))).append("\"><code>")
                    .append(esc(id.length() > 8 ? id.substring(0, 8) + "…" : id)).append("</code></a></th><td>")
                    .append(project0 == null ? "<code>" + esc(pid) + "</code>"
                            : "<a href=\"" + AdminUi.PATH + "/projects/" + esc(url(pid)) + "\">"
                            + esc(project0.path("name").asText()) + "</a>")
                    .append("</td><td>").append(statusBadge(status)).append("</td><td>")
                    .append(Html.number(t.path("request_count"))).append(" / ")
                    .append(t.path("max_requests").isNull() ? "∞" : Html.number(t.path("max_requests")))
                    .append("</td><td>").append(Html.number(t.path("cache_hit_count"))).append("</td><td>")
                    .append(t.path("rate_limit_rpm").isNull() ? "—" : Html.number(t.path("rate_limit_rpm")) + "/min")
                    .append("</td><td>").append(Html.time(t, "expires_at")).append("</td><td>")
                    .append(Html.time(t, "last_used_at")).append("</td><td class=\"actions\">");
            if (status.equals("Active")) {
                b.append(Html.buttonForm(c.session(), P + "/" + url(id) + "/revoke", "Revoke", "danger small",
                        Map.of("return_to", "list")));
            }
            b.append("</td></tr>");
        }
        if (items.isEmpty()) {
            b.append("<tr><td colspan=\"9\">No tokens match.</td></tr>");
        }
        b.append("</tbody></table>").append(ProjectPages.pager(P + (q.isEmpty() ? "?" : q + "&") + "page=",
                r.json().path("pagination")));
        return Layout.page(200, "Tokens", c.session(), "tokens", b.toString());
    }

    AdminResponse newForm(Pages.Ctx c, String error) {
        Map<String, JsonNode> projects = Pages.projectsById(client, c.caller());
        Map<String, JsonNode> active = new LinkedHashMap<>();
        projects.forEach((id, p) -> {
            if (p.path("is_active").asBoolean()) {
                active.put(id, p);
            }
        });
        String chosen = c.post() ? c.f("project_id") : c.q("project_id");
        StringBuilder b = new StringBuilder();
        if (error != null) {
            b.append(Html.error(error));
        }
        if (active.isEmpty()) {
            b.append("<p>There is no active project. <a href=\"").append(AdminUi.PATH)
                    .append("/projects/new\">Create a project</a> first.</p>");
            return Layout.page(error == null ? 200 : 400, "New token", c.session(), "tokens", b.toString());
        }
        List<String[]> durations = new ArrayList<>();
        for (int m : DURATIONS) {
            durations.add(new String[] {Integer.toString(m), duration(m)});
        }
        String chosenDuration = c.post() ? c.f("duration_minutes") : "1440";
        b.append("<form method=\"post\" action=\"").append(P).append("\" class=\"card\">")
                .append(Html.hiddenCsrf(c.session()))
                .append(projectSelect("project_id", "project_id", "Project", active, chosen, false))
                .append(Html.select("duration_minutes", "duration_minutes", "Expires after", durations, chosenDuration))
                .append(Html.input("max_requests", "max_requests", "Request quota (empty: unlimited)", "number",
                        c.post() ? c.f("max_requests") : "", "min=\"1\""))
                .append(Html.input("rate_limit_rpm", "rate_limit_rpm", "Requests per minute (empty: no limit)", "number",
                        c.post() ? c.f("rate_limit_rpm") : "", "min=\"1\" max=\"1000000\""))
                .append("<button type=\"submit\" class=\"primary\">Create token</button></form>");
        return Layout.page(error == null ? 200 : 400, "New token", c.session(), "tokens", b.toString());
    }

    AdminResponse create(Pages.Ctx c) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("project_id", c.f("project_id"));
        try {
            body.put("duration_minutes", Long.parseLong(c.f("duration_minutes")));
            if (!c.f("max_requests").isEmpty()) {
                body.put("max_requests", Long.parseLong(c.f("max_requests")));
            }
            if (!c.f("rate_limit_rpm").isEmpty()) {
                body.put("rate_limit_rpm", Long.parseLong(c.f("rate_limit_rpm")));
            }
        } catch (NumberFormatException e) {
            return newForm(c, "Expiry, quota and rate limit must be whole numbers.");
        }
        ManageClient.Result r = client.send("POST", "/manage/tokens", body, c.caller());
        if (!r.ok()) {
            return newForm(c, "Could not create the token: " + r.errorMessage());
        }
        String id = r.json().path("id").asText();
        c.session().rememberCreatedToken(id, r.json().path("token").asText());
        return AdminResponse.redirect(P + "/" + url(id) + "/created");
    }

    AdminResponse created(Pages.Ctx c, String id) {
        String secret = c.session().takeCreatedToken(id);
        if (secret == null) {
            return c.redirect("info", "A token's secret is shown only once, right after it is created.",
                    P + "/" + url(id));
        }
        String example = client.base() + "/v1/chat/completions";
        String body = "<section class=\"card created\"><h2>Copy the token now</h2>"
                + "<p>This is the only time it is shown: the server keeps only its hash.</p>"
                + "<p><code id=\"new-token\" class=\"secret\">" + esc(secret) + "</code> "
                + "<button type=\"button\" class=\"copy primary\" data-copy-target=\"new-token\">Copy</button></p>"
                + "<p>Use it like an OpenAI key, for example:</p><pre><code>curl " + esc(example)
                + " \\\n  -H 'Authorization: Bearer &lt;the token&gt;' -H 'Content-Type: application/json' \\\n"
                + "  -d '{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}'"
                + "</code></pre><p><a class=\"button\" href=\"" + P + "/" + esc(url(id)) + "\">Token details</a></p>"
                + "</section>";
        return Layout.page(200, "Token created", c.session(), "tokens", body);
    }

    AdminResponse show(Pages.Ctx c, String id) {
        ManageClient.Result r = client.get("/manage/tokens/" + url(id), c.caller());
        if (!r.ok()) {
            return Layout.page(r.status() == 404 ? 404 : 502, "Token", c.session(), "tokens",
                    Html.error("Cannot show this token: " + r.errorMessage()));
        }
        JsonNode t = r.json();
        String pid = t.path("project_id").asText();
        String status = status(t);
        StringBuilder b = new StringBuilder("<dl class=\"card\">");
        ProjectPages.dt(b, "Token ID", "<code id=\"token-id\">" + esc(id) + "</code> <button type=\"button\""
                + " class=\"copy\" data-copy-target=\"token-id\">Copy</button>");
        ProjectPages.dt(b, "Project", "<a href=\"" + AdminUi.PATH + "/projects/" + esc(url(pid)) + "\"><code>"
                + esc(pid) + "</code></a>");
        ProjectPages.dt(b, "Status", statusBadge(status));
        ProjectPages.dt(b, "Expires", Html.time(t, "expires_at"));
        ProjectPages.dt(b, "Requests", Html.number(t.path("request_count")) + " of "
                + (t.path("max_requests").isNull() ? "unlimited" : Html.number(t.path("max_requests"))));
        ProjectPages.dt(b, "Cache hits", Html.number(t.path("cache_hit_count")));
        ProjectPages.dt(b, "Rate limit", t.path("rate_limit_rpm").isNull() ? "none"
                : Html.number(t.path("rate_limit_rpm")) + " per minute");
        ProjectPages.dt(b, "Created", Html.time(t, "created_at"));
        ProjectPages.dt(b, "Last used", Html.time(t, "last_used_at"));
        ProjectPages.dt(b, "Revoked", Html.time(t, "revoked_at"));
        b.append("</dl>");
        if (status.equals("Active")) {
            b.append("<div class=\"toolbar\">").append(Html.buttonForm(c.session(), P + "/" + url(id) + "/revoke",
                    "Revoke token", "danger", Map.of())).append("</div>");
        }
        b.append("<section><h2>Recent requests with this token</h2>");
        ManageClient.Result usage = client.get("/manage/usage/recent?limit=200&project_id=" + url(pid), c.caller());
        if (usage.status() == 404 && usage.json().path("error").path("code").asText().equals("not_found")) {
            b.append(Html.notAvailable("Usage", "This server does not offer usage records (/manage/usage)."));
        } else if (!usage.ok()) {
            b.append(Html.error("Cannot load usage: " + usage.errorMessage()));
        } else {
            List<JsonNode> mine = new ArrayList<>();
            for (JsonNode rec : usage.json().path("records")) {
                if (id.equals(rec.path("token_id").asText())) {
                    mine.add(rec);
                }
            }
            b.append(UsagePages.recordsTable(mine, "Recent requests with this token (newest first, from the last 200"
                    + " of its project)"));
        }
        b.append("</section>");
        return Layout.page(200, "Token " + (id.length() > 8 ? id.substring(0, 8) + "…" : id), c.session(), "tokens",
                b.toString());
    }

    AdminResponse revoke(Pages.Ctx c, String id) {
        ManageClient.Result r = client.send("DELETE", "/manage/tokens/" + url(id), null, c.caller());
        String back = "list".equals(c.f("return_to")) ? P : P + "/" + url(id);
        if (!r.ok()) {
            return c.redirect("error", "Could not revoke the token: " + r.errorMessage(), back);
        }
        return c.redirect("success", "Token " + id + " revoked; the proxy refuses it from the next request.", back);
    }

    static String statusBadge(String status) {
        return "<span class=\"badge " + (status.equals("Active") ? "ok" : "bad") + "\">" + esc(status) + "</span>";
    }

    static String projectSelect(String id, String name, String label, Map<String, JsonNode> projects, String selected,
                                boolean any) {
        List<String[]> options = new ArrayList<>();
        if (any) {
            options.add(new String[] {"", "All projects"});
        }
        projects.forEach((pid, p) -> options.add(new String[] {pid, p.path("name").asText()
                + (p.path("is_active").asBoolean() ? "" : " (inactive)")}));
        return Html.select(id, name, label, options, selected);
    }

    static String duration(int minutes) {
        if (minutes % 1440 == 0) {
            int days = minutes / 1440;
            return days == 365 ? "1 year" : days + (days == 1 ? " day" : " days");
        }
        if (minutes % 60 == 0) {
            int hours = minutes / 60;
            return hours + (hours == 1 ? " hour" : " hours");
        }
        return minutes + " minutes";
    }
}
