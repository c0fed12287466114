package dev.llmproxy.admin;

import dev.llmproxy.core.proxy.BlockingRouteHandler;
import dev.llmproxy.core.proxy.RouteRequest;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * The Netty side of the admin UI for one client connection: a {@link BlockingRouteHandler} for
 * {@code /admin} and {@code /admin/*} whose requests go to the {@link AdminRouter} on the UI's
 * blocking executor (it calls the management API over HTTP, which must never happen on an event
 * loop). Bodies are small forms: above {@link #MAX_BODY_BYTES} the answer is 413.
 *
 * <p><b>Placement:</b> after an {@code HttpServerCodec} (and the proxy and management handlers);
 * one instance per channel, not {@code @Sharable}. Every answer carries {@link #SECURITY_HEADERS}.
 */
final class AdminHandler extends BlockingRouteHandler<AdminResponse> {

    static final int MAX_BODY_BYTES = 64 * 1024;

    /**
     * Sent with every admin answer. The CSP allows scripts and styles only from this origin (no
     * inline script, so injected markup cannot run code), forbids framing (clickjacking) and
     * restricts form targets to this origin.
     */
    static final Map<String, String> SECURITY_HEADERS = Map.of(
            "Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
                    + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            "X-Frame-Options", "DENY",
            "X-Content-Type-Options", "nosniff",
            "Referrer-Policy", "no-referrer",
            "Cross-Origin-Opener-Policy", "same-origin",
            "Cross-Origin-Resource-Policy", "same-origin",
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()");

    private final AdminRouter router;

    AdminHandler(AdminRouter router, Executor executor) {
        super("admin", executor, MAX_BODY_BYTES);
        this.router = router;
    }

    static boolean isAdminPath(String path) {
        return path.equals(AdminUi.PATH) || path.startsWith(AdminUi.PATH + "/");
    }

    @Override
    protected boolean serves(String path) {
        return isAdminPath(path);
    }

    @Override
    protected AdminResponse handle(RouteRequest r) {
        AdminRequest request;
        try {
            request = toAdminRequest(r);
        } catch (IllegalArgumentException e) {
            return AdminResponse.text(400, "Malformed query string or form");
        }
        return router.handle(request);
    }

    @Override
    protected AdminResponse failure(RouteRequest r, Failure failure) {
        switch (failure) {
            case MALFORMED_REQUEST:
                return AdminResponse.text(400, "Malformed HTTP request");
            case MALFORMED_BODY:
                return AdminResponse.text(400, "Malformed HTTP request body");
            case TOO_LARGE:
                return AdminResponse.text(413, "Request body too large");
            case BUSY:
                return AdminResponse.text(503, "The admin UI is busy; try again shortly");
            default:
                return AdminResponse.text(500, "Internal error; the server log has the details");
        }
    }

    @Override
    protected FullHttpResponse toResponse(RouteRequest c, AdminResponse response, boolean keepAlive) {
        FullHttpResponse r = new DefaultFullHttpResponse(c.version(), HttpResponseStatus.valueOf(response.status),
                c.isHead() ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(response.body));
        HttpHeaders h = r.headers();
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, response.body.length);
        if (response.contentType != null) {
            h.set(HttpHeaderNames.CONTENT_TYPE, response.contentType);
        }
        SECURITY_HEADERS.forEach(h::set);
        response.headers.forEach(h::set);
        for (String cookie : response.cookies) {
            h.add(HttpHeaderNames.SET_COOKIE, cookie);
        }
        if (!keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (c.version().equals(HttpVersion.HTTP_1_0)) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        return r;
    }

    private static AdminRequest toAdminRequest(RouteRequest r) {
        HttpHeaders h = r.headers();
        Map<String, List<String>> query = new QueryStringDecoder(r.uri()).parameters();
        Map<String, List<String>> form = Map.of();
        byte[] body = r.body();
        String contentType = h.get(HttpHeaderNames.CONTENT_TYPE);
        if (body.length > 0 && contentType != null
                && contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            form = new QueryStringDecoder(new String(body, StandardCharsets.UTF_8), false).parameters();
        }
        String cookie = String.join("; ", h.getAll(HttpHeaderNames.COOKIE));
        return new AdminRequest(r.method(), r.path(), query, form, cookie.isEmpty() ? null : cookie,
                h.get(HttpHeaderNames.HOST), h.get(HttpHeaderNames.ORIGIN), h.get(HttpHeaderNames.REFERER),
                h.get("X-Forwarded-Proto"), h.get(HttpHeaderNames.USER_AGENT), h.get("Sec-Fetch-Site"),
                r.clientIp() == null ? "unknown" : r.clientIp());
    }
}
