package dev.llmproxy.admin;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.Map;

import static dev.llmproxy.admin.Html.esc;
import static dev.llmproxy.admin.Html.url;

/** Projects: list, create, view, edit, activate/deactivate (optionally revoking tokens), delete. */
final class ProjectPages {

    private static final String P = AdminUi.PATH + "/projects";
    private static final int PAGE_SIZE = 50;

    private final ManageClient client;

    ProjectPages(ManageClient client) {
        this.client = client;
    }

    AdminResponse list(Pages.Ctx c) {
        int page = UsagePages.positiveInt(c.q("page"), 1);
        ManageClient.Result r = client.get("/manage/projects?page=" + page + "&page_size=" + PAGE_SIZE, c.caller());
        StringBuilder b = new StringBuilder();
        b.append("<p><a class=\"button primary\" href=\"").append(P).append("/new\">New project</a></p>");
        if (!r.ok()) {
            b.append(Html.error("Cannot list projects: " + r.errorMessage()));
            return Layout.page(200, "Projects", c.session(), "projects", b.toString());
        }
        b.append("<table><caption>Projects, by name</caption><thead><tr><th scope=\"col\">Name</th>")
                .append("<th scope=\"col\">Upstream key</th><th scope=\"col\">Status</th><th scope=\"col\">Created</th>")
                .append("<th scope=\"col\">Actions</th></tr></thead><tbody>");
        JsonNode items = r.json().path("projects");
        for (JsonNode p : items) {
            String id = p.path("id").asText();
            b.append("<tr><th scope=\"row\"><a href=\"").append(P).append('/').append(esc(url(id))).append("\">")
                    .append(esc(p.path("name").asText())).append("</a></th><td><code>")
                    .append(esc(Html.text(p, "api_key"))).append("</code></td><td>")
                    .append(Html.badge(p.path("is_active").asBoolean(), "Active", "Inactive")).append("</td><td>")
                    .append(Html.time(p, "created_at")).append("</td><td class=\"actions\">")
                    .append("<a href=\"").append(P).append('/').append(esc(url(id))).append("/edit\">Edit</a> ")
                    .append("<a href=\"").append(AdminUi.PATH).append("/tokens/new?project_id=").append(esc(url(id)))
                    .append("\">New token</a></td></tr>");
        }
        if (items.isEmpty()) {
            b.append("<tr><td colspan=\"5\">No projects yet.</td></tr>");
        }
        b.append("</tbody></table>").append(pager(P + "?page=", r.json().path("pagination")));
        return Layout.page(200, "Projects", c.session(), "projects", b.toString());
    }

    AdminResponse newForm(Pages.Ctx c, Map<String, String> values, String error) {
        StringBuilder b = new StringBuilder();
        if (error != null) {
            b.append(Html.error(error));
        }
        b.append("<form method=\"post\" action=\"").append(P).append("\" class=\"card\">")
                .append(Html.hiddenCsrf(c.session()))
                .append(Html.input("name", "name", "Name", "text", values.getOrDefault("name", ""),
                        "required maxlength=\"255\""))
                .append(Html.input("api_key", "api_key", "Upstream API key", "password", "",
                        "required autocomplete=\"off\""))
                .append("<p class=\"hint\">The provider key the proxy sends upstream for this project's tokens. It is"
                        + " stored encrypted when the server has an ENCRYPTION_KEY and never shown again in full.</p>")
                .append("<button type=\"submit\" class=\"primary\">Create project</button></form>");
        return Layout.page(error == null ? 200 : 400, "New project", c.session(), "projects", b.toString());
    }

    AdminResponse create(Pages.Ctx c) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", c.request().formField("name") == null ? "" : c.request().formField("name"));
        body.put("api_key", c.f("api_key"));
        ManageClient.Result r = client.send("POST", "/manage/projects", body, c.caller());
        if (!r.ok()) {
            return newForm(c, Map.of("name", c.f("name")), "Could not create the project: " + r.errorMessage());
        }
        String id = r.json().path("id").asText();
        return c.redirect("success", "Project '" + r.json().path("name").asText() + "' created.",
                P + "/" + url(id));
    }

    AdminResponse show(Pages.Ctx c, String id) {
        ManageClient.Result r = client.get("/manage/projects/" + url(id), c.caller());
        if (!r.ok()) {
            return Layout.page(r.status() == 404 ? 404 : 502, "Project", c.session(), "projects",
                    Html.error("Cannot show this project: " + r.errorMessage()));
        }
        JsonNode p = r.json();
        boolean active = p.path("is_active").asBoolean();
        StringBuilder b = new StringBuilder("<dl class=\"card\">");
        dt(b, "Name", esc(p.path("name").asText()));
        dt(b, "ID", "<code id=\"project-id\">" + esc(id) + "</code> <button type=\"button\" class=\"copy\""
                + " data-copy-target=\"project-id\">Copy</button>");
        dt(b, "Upstream key", "<code>" + esc(Html.text(p, "api_key")) + "</code>");
        dt(b, "Status", Html.badge(active, "Active", "Inactive"));
        dt(b, "Deactivated", Html.time(p, "deactivated_at"));
        dt(b, "Created", Html.time(p, "created_at"));
        dt(b, "Updated", Html.time(p, "updated_at"));
        b.append("</dl><div class=\"toolbar\">")
                .append("<a class=\"button\" href=\"").append(P).append('/').append(esc(url(id))).append("/edit\">Edit</a>")
                .append("<a class=\"button\" href=\"").append(AdminUi.PATH).append("/tokens?project_id=")
                .append(esc(url(id))).append("\">Tokens</a>");
        if (active) {
            b.append("<a class=\"button\" href=\"").append(AdminUi.PATH).append("/tokens/new?project_id=")
                    .append(esc(url(id))).append("\">New token</a>");
        }
        b.append("<a class=\"button danger\" href=\"").append(P).append('/').append(esc(url(id)))
                .append("/delete\">Delete…</a></div>");
        b.append("<section class=\"card\"><h2>").append(active ? "Deactivate" : "Activate").append("</h2>")
                .append("<form method=\"post\" action=\"").append(P).append('/').append(esc(url(id))).append("/status\">")
                .append(Html.hiddenCsrf(c.session()))
                .append("<input type=\"hidden\" name=\"is_active\" value=\"").append(active ? "false" : "true").append("\">");
        if (active) {
            b.append("<p>Deactivated projects' tokens are refused (403 project_inactive) from the next request.</p>")
                    .append("<div class=\"check\"><input type=\"checkbox\" id=\"revoke_tokens\" name=\"revoke_tokens\""
                            + " value=\"true\"><label for=\"revoke_tokens\">Also revoke all its tokens</label></div>")
                    .append("<button type=\"submit\" class=\"danger\">Deactivate project</button>");
        } else {
            b.append("<button type=\"submit\" class=\"primary\">Activate project</button>");
        }
        b.append("</form></section><section class=\"card\"><h2>Revoke all tokens</h2>")
                .append("<p>Revokes every active token of this project; the project stays as it is.</p>")
                .append(Html.buttonForm(c.session(), P + "/" + url(id) + "/revoke-tokens", "Revoke all tokens",
                        "danger", Map.of()))
                .append("</section>");
        return Layout.page(200, "Project " + p.path("name").asText(), c.session(), "projects", b.toString());
    }

    AdminResponse editForm(Pages.Ctx c, String id, String error) {
        ManageClient.Result r = client.get("/manage/projects/" + url(id), c.caller());
        if (!r.ok()) {
            return Layout.page(r.status() == 404 ? 404 : 502, "Edit project", c.session(), "projects",
                    Html.error("Cannot load this project: " + r.errorMessage()));
        }
        JsonNode p = r.json();
        StringBuilder b = new StringBuilder();
        if (error != null) {
            b.append(Html.error(error));
        }
        b.append("<form method=\"post\" action=\"").append(P).append('/').append(esc(url(id))).append("/edit\" class=\"card\">")
                .append(Html.hiddenCsrf(c.session()))
                .append(Html.input("name", "name", "Name", "text", p.path("name").asText(), "required maxlength=\"255\""))
                .append(Html.input("api_key", "api_key", "New upstream API key (leave empty to keep the current one)",
                        "password", "", "autocomplete=\"off\""))
                .append("<button type=\"submit\" class=\"primary\">Save</button> <a href=\"").append(P).append('/')
                .append(esc(url(id))).append("\">Cancel</a></form>");
        return Layout.page(error == null ? 200 : 400, "Edit project " + p.path("name").asText(), c.session(),
                "projects", b.toString());
    }

    AdminResponse update(Pages.Ctx c, String id) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", c.request().formField("name") == null ? "" : c.request().formField("name"));
        if (!c.f("api_key").isEmpty()) {
            body.put("api_key", c.f("api_key"));
        }
        ManageClient.Result r = client.send("PATCH", "/manage/projects/" + url(id), body, c.caller());
        if (!r.ok()) {
            return editForm(c, id, "Could not save: " + r.errorMessage());
        }
        return c.redirect("success", "Project saved.", P + "/" + url(id));
    }

    AdminResponse setStatus(Pages.Ctx c, String id) {
        boolean activate = "true".equals(c.f("is_active"));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("is_active", activate);
        boolean revoke = !activate && "true".equals(c.f("revoke_tokens"));
        if (revoke) {
            body.put("revoke_tokens", true);
        }
        ManageClient.Result r = client.send("PATCH", "/manage/projects/" + url(id), body, c.caller());
        if (!r.ok()) {
            return c.redirect("error", "Could not change the status: " + r.errorMessage(), P + "/" + url(id));
        }
        String message = activate ? "Project activated." : "Project deactivated"
                + (revoke ? "; " + r.json().path("tokens_revoked").asLong() + " token(s) revoked." : ".");
        return c.redirect("success", message, P + "/" + url(id));
    }

    AdminResponse confirmDelete(Pages.Ctx c, String id) {
        ManageClient.Result r = client.get("/manage/projects/" + url(id), c.caller());
        if (!r.ok()) {
            return Layout.page(r.status() == 404 ? 404 : 502, "Delete project", c.session(), "projects",
                    Html.error("Cannot load this project: " + r.errorMessage()));
        }
        String name = r.json().path("name").asText();
        String body = "<section class=\"card\"><p>Delete project <strong>" + esc(name) + "</strong> and all its tokens?"
                + " Clients using them will be refused at once. Audit records stay. This cannot be undone.</p>"
                + "<form method=\"post\" action=\"" + P + "/" + esc(url(id)) + "/delete\">" + Html.hiddenCsrf(c.session())
                + "<label for=\"confirm_name\">Type the project's name to confirm</label>"
                + "<input id=\"confirm_name\" name=\"confirm_name\" type=\"text\" required autocomplete=\"off\">"
                + "<button type=\"submit\" class=\"danger\">Delete project</button> <a href=\"" + P + "/"
                + esc(url(id)) + "\">Cancel</a></form></section>";
        return Layout.page(200, "Delete project " + name, c.session(), "projects", body);
    }

    AdminResponse delete(Pages.Ctx c, String id) {
        ManageClient.Result p = client.get("/manage/projects/" + url(id), c.caller());
        if (!p.ok()) {
            return c.redirect("error", "Could not delete: " + p.errorMessage(), P);
        }
        String name = p.json().path("name").asText();
        if (!name.equals(c.request().formField("confirm_name"))) {
            return c.redirect("error", "The name did not match; the project was not deleted.",
                    P + "/" + url(id) + "/delete");
        }
        ManageClient.Result r = client.send("DELETE", "/manage/projects/" + url(id), null, c.caller());
        if (!r.ok()) {
            return c.redirect("error", "Could not delete: " + r.errorMessage(), P + "/" + url(id));
        }
        return c.redirect("success", "Project '" + name + "' deleted.", P);
    }

    AdminResponse revokeTokens(Pages.Ctx c, String id) {
        ManageClient.Result r = client.send("POST", "/manage/projects/" + url(id) + "/tokens/revoke", null, c.caller());
        if (!r.ok()) {
            return c.redirect("error", "Could not revoke the tokens: " + r.errorMessage(), P + "/" + url(id));
        }
        return c.redirect("success", r.json().path("revoked_count").asLong() + " token(s) revoked.", P + "/" + url(id));
    }

    static void dt(StringBuilder b, String term, String html) {
        b.append("<div><dt>").append(esc(term)).append("</dt><dd>").append(html).append("</dd></div>");
    }

    /** Previous/next links for a management API {@code pagination} object; {@code base} ends with "page=". */
    static String pager(String base, JsonNode pagination) {
        if (pagination.isMissingNode() || pagination.path("total_pages").asInt() <= 1) {
            return "";
        }
        int page = pagination.path("page").asInt(1);
        StringBuilder b = new StringBuilder("<nav class=\"pager\" aria-label=\"Pages\">");
        if (pagination.path("has_prev").asBoolean()) {
            b.append("<a href=\"").append(esc(base)).append(page - 1).append("\" rel=\"prev\">← Previous</a>");
        }
        b.append("<span>Page ").append(page).append(" of ").append(pagination.path("total_pages").asInt())
                .append(" (").append(pagination.path("total_count").asLong()).append(" in all)</span>");
        if (pagination.path("has_next").asBoolean()) {
            b.append("<a href=\"").append(esc(base)).append(page + 1).append("\" rel=\"next\">Next →</a>");
        }
        return b.append("</nav>").toString();
    }
}
