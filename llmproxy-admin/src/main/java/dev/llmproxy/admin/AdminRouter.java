package dev.llmproxy.admin;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Decides what each admin request gets: static files, the login and logout flow, the session gate
 * (no session → 303 to the login page), the CSRF and origin check on every POST (failure → 403,
 * nothing done), then the page. Runs on the UI's blocking executor. Thread-safe.
 */
final class AdminRouter {

    private static final Logger log = LoggerFactory.getLogger(AdminRouter.class);
    static final String P = AdminUi.PATH;

    private final ManageClient client;
    private final Sessions sessions;
    private final LoginThrottle throttle;
    private final boolean secureCookies;
    private final boolean trustForwardedProto;
    private final Duration maxLifetime;
    private final Pages pages;
    private final byte[] css;
    private final byte[] js;

    AdminRouter(ManageClient client, Sessions sessions, LoginThrottle throttle, boolean secureCookies,
                boolean trustForwardedProto, Duration maxLifetime) {
        this.client = client;
        this.sessions = sessions;
        this.throttle = throttle;
        this.secureCookies = secureCookies;
        this.trustForwardedProto = trustForwardedProto;
        this.maxLifetime = maxLifetime;
        this.pages = new Pages(client);
        this.css = resource("static/admin.css");
        this.js = resource("static/admin.js");
    }

    AdminResponse handle(AdminRequest r) {
        String path = r.path();
        if (path.equals(P) || path.equals(P + "/")) {
            return AdminResponse.redirect(P + "/dashboard");
        }
        if (path.equals(P + "/static/admin.css")) {
            return asset(r, css, "text/css; charset=utf-8");
        }
        if (path.equals(P + "/static/admin.js")) {
            return asset(r, js, "text/javascript; charset=utf-8");
        }
        boolean get = r.method().equals("GET") || r.method().equals("HEAD");
        if (!get && !r.isPost()) {
            return AdminResponse.text(405, "Method not allowed").header("Allow", "GET, HEAD, POST");
        }
        String sessionId = cookie(r.cookieHeader(), AdminUi.COOKIE);
        Session session = sessions.find(sessionId);
        if (path.equals(P + "/login")) {
            return get ? loginPage(r, session, null, 200) : login(r, session);
        }
        if (session == null || !session.authenticated()) {
            // Pages (and forms posted after the session ended) send the browser to the login page.
            return AdminResponse.redirect(P + "/login");
        }
        if (r.isPost()) {
            String refusal = refusePost(r, session);
            if (refusal != null) {
                log.warn("admin POST {} from {} refused: {}", r.path(), r.clientIp(), refusal);
                return Layout.page(403, "Request refused", session, null,
                        Html.error("This form could not be accepted (" + refusal + "). Nothing was changed."
                                + " Reload the page and try again."));
            }
            if (path.equals(P + "/logout")) {
                sessions.invalidate(sessionId);
                return AdminResponse.redirect(P + "/login?logged_out=1").cookie(clearCookie(r));
            }
        }
        ManageClient.Caller caller = new ManageClient.Caller(session.managementToken, r.clientIp(), r.userAgent());
        AdminResponse response = pages.handle(new Pages.Ctx(r, session, caller));
        if (response == null) {
            return Layout.page(404, "Not found", session, null,
                    Html.error("There is no admin page at " + r.path() + "."));
        }
        return response;
    }

    private AdminResponse login(AdminRequest r, Session anonymous) {
        if (!throttle.tryAcquire(r.clientIp())) {
            return loginPage(r, anonymous, "Too many login attempts from your address; wait a few minutes.", 429);
        }
        String refusal = anonymous == null ? "the login form expired" : refusePost(r, anonymous);
        if (refusal != null) {
            return loginPage(r, null, "The login form could not be accepted (" + refusal + "); please try again.",
                    403);
        }
        String token = r.formField("management_token");
        token = token == null ? "" : token.trim();
        if (token.isEmpty()) {
            return loginPage(r, anonymous, "Please enter the management token.", 400);
        }
        ManageClient.Result check = client.get("/manage/projects?page_size=1",
                new ManageClient.Caller(token, r.clientIp(), r.userAgent()));
        if (check.status() == 401) {
            return loginPage(r, anonymous, "That management token is not valid.", 401);
        }
        if (!check.ok()) {
            return loginPage(r, anonymous, "Cannot check the token: " + check.errorMessage(), 502);
        }
        throttle.reset(r.clientIp());
        sessions.invalidate(anonymous.id);
        Session session = sessions.createAuthenticated(token);
        log.info("admin login from {}", r.clientIp());
        return AdminResponse.redirect(P + "/dashboard").cookie(sessionCookie(r, session.id));
    }

    private AdminResponse loginPage(AdminRequest r, Session session, String error, int status) {
        if (session != null && session.authenticated() && status == 200) {
            return AdminResponse.redirect(P + "/dashboard");
        }
        Session anonymous = session != null && !session.authenticated() ? session : sessions.createAnonymous();
        StringBuilder b = new StringBuilder();
        if ("1".equals(r.queryParam("logged_out")) && error == null) {
            b.append("<div class=\"flash info\" role=\"status\">You have been logged out.</div>");
        }
        if (error != null) {
            b.append(Html.error(error));
        }
        b.append("<form method=\"post\" action=\"").append(P).append("/login\" class=\"card login\">")
                .append(Html.hiddenCsrf(anonymous))
                .append("<label for=\"management_token\">Management token</label>")
                .append("<input id=\"management_token\" name=\"management_token\" type=\"password\""
                        + " autocomplete=\"off\" required autofocus>")
                .append("<p class=\"hint\">The server's MANAGEMENT_TOKEN. It stays on the server: your browser only"
                        + " gets a session cookie.</p>")
                .append("<button type=\"submit\" class=\"primary\">Log in</button></form>");
        AdminResponse response = Layout.page(status, "Log in", null, null, b.toString());
        if (anonymous != session) {
            response.cookie(sessionCookie(r, anonymous.id));
        }
        return response;
    }

    /**
     * Why a POST must be refused, or null when it may proceed. In order: the browser's own
     * {@code Sec-Fetch-Site} (when sent) must say same-origin; an {@code Origin} or {@code Referer}
     * naming another host is refused; then the session's CSRF token must match. Pages are served
     * with {@code Referrer-Policy: no-referrer}, so browsers send {@code Origin: null} and no
     * {@code Referer} on these form posts: a null origin alone is no reason to refuse, the
     * CSRF token and the {@code SameSite=Strict} cookie carry the check then.
     */
    private static String refusePost(AdminRequest r, Session session) {
        String host = r.host();
        if (r.secFetchSite() != null && !r.secFetchSite().trim().equalsIgnoreCase("same-origin")) {
            return "it came from another site";
        }
        String origin = r.origin() == null || r.origin().trim().equals("null") ? null : r.origin();
        if (origin != null) {
            if (host == null || !host.equalsIgnoreCase(authority(origin))) {
                return "it came from another site";
            }
        } else if (r.referer() != null) {
            if (host == null || !host.equalsIgnoreCase(authority(r.referer()))) {
                return "it came from another site";
            }
        }
        if (!Sessions.sameToken(session.csrfToken, r.formField("csrf_token"))) {
            return "missing or wrong CSRF token";
        }
        return null;
    }

    /** {@code host[:port]} of an origin or URL; "" for {@code null} or garbage. */
    static String authority(String url) {
        try {
            String a = URI.create(url.trim()).getRawAuthority();
            return a == null ? "" : a;
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    private boolean secure(AdminRequest r) {
        return secureCookies || trustForwardedProto && r.forwardedProto() != null
                && r.forwardedProto().trim().toLowerCase(Locale.ROOT).startsWith("https");
    }

    private String sessionCookie(AdminRequest r, String id) {
        return AdminUi.COOKIE + "=" + id + "; Path=" + P + "; HttpOnly; SameSite=Strict"
                + "; Max-Age=" + maxLifetime.toSeconds() + (secure(r) ? "; Secure" : "");
    }

    private String clearCookie(AdminRequest r) {
        return AdminUi.COOKIE + "=; Path=" + P + "; HttpOnly; SameSite=Strict; Max-Age=0" + (secure(r) ? "; Secure" : "");
    }

    static String cookie(String header, String name) {
        if (header == null) {
            return null;
        }
        for (String part : header.split(";")) {
            String p = part.trim();
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).equals(name)) {
                return p.substring(eq + 1);
            }
        }
        return null;
    }

    private static AdminResponse asset(AdminRequest r, byte[] body, String type) {
        return new AdminResponse(200, type, body).header("Cache-Control", "private, max-age=300");
    }

    private static byte[] resource(String name) {
        try (InputStream in = AdminRouter.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("admin UI resource missing from the jar: " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, String> none() {
        return Map.of();
    }
}
