package dev.llmproxy.admin;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Routes a logged-in request to its page. Paths (below {@code /admin}):
 *
 * <pre>
 * GET  /dashboard[?window=1h|6h|24h|7d]
 * GET  /projects, /projects/new, /projects/{id}, /projects/{id}/edit, /projects/{id}/delete
 * POST /projects, /projects/{id}/edit, /projects/{id}/status, /projects/{id}/delete, /projects/{id}/revoke-tokens
 * GET  /tokens, /tokens/new, /tokens/{id}, /tokens/{id}/created
 * POST /tokens, /tokens/{id}/revoke
 * GET  /usage, /usage/export
 * GET  /audit, /audit/{id}
 * GET  /cache;  POST /cache/purge
 * GET  /health
 * </pre>
 *
 * Every POST ends in a 303 to a page that shows the outcome as a flash message
 * (post/redirect/get), except when a form must be shown again with the API's error.
 */
final class Pages {

    /** What a page handler gets. */
    record Ctx(AdminRequest request, Session session, ManageClient.Caller caller) {
        String q(String name) {
            String v = request.queryParam(name);
            return v == null ? "" : v.trim();
        }

        String f(String name) {
            String v = request.formField(name);
            return v == null ? "" : v.trim();
        }

        boolean post() {
            return request.isPost();
        }

        AdminResponse redirect(String kind, String message, String location) {
            if (message != null) {
                session.flash(kind, message);
            }
            return AdminResponse.redirect(location);
        }
    }

    /** Ids that may be put into a management API path: what the API generates (UUIDs) and a bit more. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private final ManageClient client;
    private final DashboardPage dashboard;
    private final ProjectPages projects;
    private final TokenPages tokens;
    private final UsagePages usage;
    private final AuditPages audit;
    private final SystemPages system;

    Pages(ManageClient client) {
        this.client = client;
        this.dashboard = new DashboardPage(client);
        this.projects = new ProjectPages(client);
        this.tokens = new TokenPages(client);
        this.usage = new UsagePages(client);
        this.audit = new AuditPages(client);
        this.system = new SystemPages(client);
    }

    /** The page's answer, or null when there is no such page. */
    AdminResponse handle(Ctx c) {
        String rest = c.request().path().substring(AdminUi.PATH.length() + 1);
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        String[] s = rest.split("/", -1);
        String area = s[0];
        String id = s.length > 1 ? s[1] : null;
        String action = s.length > 2 ? s[2] : null;
        if (s.length > 3 || id != null && !id.equals("new") && !id.equals("export") && !id.equals("purge")
                && !ID.matcher(id).matches()) {
            return null;
        }
        boolean post = c.post();
        switch (area) {
            case "dashboard":
                return id == null && !post ? dashboard.show(c) : null;
            case "projects":
                if (id == null) {
                    return post ? projects.create(c) : projects.list(c);
                }
                if (id.equals("new")) {
                    return action == null && !post ? projects.newForm(c, Map.of(), null) : null;
                }
                if (action == null) {
                    return post ? null : projects.show(c, id);
                }
                switch (action) {
                    case "edit": return post ? projects.update(c, id) : projects.editForm(c, id, null);
                    case "status": return post ? projects.setStatus(c, id) : null;
                    case "delete": return post ? projects.delete(c, id) : projects.confirmDelete(c, id);
                    case "revoke-tokens": return post ? projects.revokeTokens(c, id) : null;
                    default: return null;
                }
            case "tokens":
                if (id == null) {
                    return post ? tokens.create(c) : tokens.list(c);
                }
                if (id.equals("new")) {
                    return action == null && !post ? tokens.newForm(c, null) : null;
                }
                if (action == null) {
                    return post ? null : tokens.show(c, id);
                }
                switch (action) {
                    case "created": return post ? null : tokens.created(c, id);
                    case "revoke": return post ? tokens.revoke(c, id) : null;
                    default: return null;
                }
            case "usage":
                if (id == null) {
                    return post ? null : usage.show(c);
                }
                return id.equals("export") && action == null && !post ? usage.export(c) : null;
            case "audit":
                if (action != null || post) {
                    return null;
                }
                return id == null ? audit.list(c) : audit.show(c, id);
            case "cache":
                if (id == null) {
                    return post ? null : system.cache(c);
                }
                return id.equals("purge") && action == null && post ? system.purge(c) : null;
            case "health":
                return id == null && !post ? system.health(c) : null;
            default:
                return null;
        }
    }

    /** id → name of every project (up to 500), for select boxes and tables; empty when unavailable. */
    static Map<String, JsonNode> projectsById(ManageClient client, ManageClient.Caller caller) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        ManageClient.Result r = client.get("/manage/projects?page_size=500", caller);
        if (r.ok()) {
            for (JsonNode p : r.json().path("projects")) {
                out.put(p.path("id").asText(), p);
            }
        }
        return out;
    }

    static boolean validId(String id) {
        return id != null && ID.matcher(id).matches();
    }
}
