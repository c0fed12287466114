package dev.llmproxy.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The Netty side of the admin UI for one client connection: takes {@code /admin} and
 * {@code /admin/*}, passes everything else to the next handler unchanged.
 *
 * <p><b>Placement:</b> after an {@code HttpServerCodec} (and the proxy and management handlers);
 * one instance per channel, not {@code @Sharable}.
 *
 * <p><b>Flow:</b> the (small, form-encoded) body is copied into a byte array as it arrives and each
 * buffer released at once; bodies above {@link #MAX_BODY_BYTES} get 413 and the connection closes.
 * The complete request goes to the {@link AdminRouter} on the UI's blocking executor (it calls the
 * management API over HTTP, which must never happen on an event loop); the answer is written back on
 * the channel's event loop. Requests pipelined meanwhile are queued and handled in order.
 *
 * <p>Every answer carries {@link #SECURITY_HEADERS}.
 */
final class AdminHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);

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
    private final Executor executor;

    private ChannelHandlerContext ctx;
    private boolean passingThrough;
    private Collected collecting;
    private boolean busy;
    private boolean closing;
    private ArrayDeque<Object> queued;

    AdminHandler(AdminRouter router, Executor executor) {
        this.router = router;
        this.executor = executor;
    }

    static boolean isAdminPath(String path) {
        return path.equals(AdminUi.PATH) || path.startsWith(AdminUi.PATH + "/");
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
        } else if (busy) {
            if (queued == null) {
                queued = new ArrayDeque<>(4);
            }
            queued.add(msg);
            if (queued.size() > 64) {
                closing = true; // not a browser: browsers do not pipeline
                releaseQueued();
                ctx.close();
            }
        } else {
            read(msg);
        }
    }

    private void read(Object msg) {
        if (passingThrough) {
            if (msg instanceof LastHttpContent) {
                passingThrough = false;
            }
            ctx.fireChannelRead(msg);
        } else if (msg instanceof HttpRequest) {
            onHead((HttpRequest) msg);
        } else if (msg instanceof HttpContent) {
            if (collecting == null) {
                ReferenceCountUtil.release(msg);
            } else {
                onContent((HttpContent) msg);
            }
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private void onHead(HttpRequest request) {
        String uri = request.uri();
        String path = uri.startsWith("/") ? new QueryStringDecoder(uri).rawPath() : null;
        if (path == null || !isAdminPath(path)) {
            passingThrough = !(request instanceof LastHttpContent);
            ctx.fireChannelRead(request);
            return;
        }
        Collected c = new Collected(request, path);
        if (request.decoderResult().isFailure()) {
            ReferenceCountUtil.release(request);
            answerAndClose(c, AdminResponse.text(400, "Malformed HTTP request"));
            return;
        }
        if (HttpUtil.getContentLength(request, -1L) > MAX_BODY_BYTES) {
            ReferenceCountUtil.release(request);
            answerAndClose(c, AdminResponse.text(413, "Request body too large"));
            return;
        }
        collecting = c;
        if (HttpUtil.is100ContinueExpected(request)) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER));
        }
        if (request instanceof HttpContent) {
            onContent((HttpContent) request);
        }
    }

    private void onContent(HttpContent content) {
        Collected c = collecting;
        try {
            int n = content.content().readableBytes();
            if (c.length + n > MAX_BODY_BYTES) {
                collecting = null;
                answerAndClose(c, AdminResponse.text(413, "Request body too large"));
                return;
            }
            if (c.length + n > c.body.length) {
                c.body = Arrays.copyOf(c.body, Math.min(MAX_BODY_BYTES, Math.max(c.length + n, c.body.length * 2)));
            }
            content.content().getBytes(content.content().readerIndex(), c.body, c.length, n);
            c.length += n;
        } finally {
            ReferenceCountUtil.release(content);
        }
        if (content instanceof LastHttpContent && collecting == c) {
            collecting = null;
            dispatch(c);
        }
    }

    private void dispatch(Collected c) {
        AdminRequest request;
        try {
            request = c.toRequest(clientIp(ctx.channel().remoteAddress()));
        } catch (IllegalArgumentException e) {
            answer(c, AdminResponse.text(400, "Malformed query string or form"));
            return;
        }
        busy = true;
        try {
            executor.execute(() -> {
                AdminResponse response;
                try {
                    response = router.handle(request);
                } catch (Throwable t) {
                    log.error("admin request {} failed", request, t);
                    response = AdminResponse.text(500, "Internal error; the server log has the details");
                }
                AdminResponse done = response;
                try {
                    ctx.executor().execute(() -> answer(c, done));
                } catch (RejectedExecutionException shutDown) {
                    log.debug("event loop gone before the answer to {} could be written", request);
                }
            });
        } catch (RejectedExecutionException e) {
            log.warn("admin request {} refused: the admin executor is saturated or shut down", request);
            answer(c, AdminResponse.text(503, "The admin UI is busy; try again shortly"));
        }
    }

    private void answer(Collected c, AdminResponse response) {
        busy = false;
        ChannelFuture f = ctx.writeAndFlush(toNetty(c, response, c.keepAlive));
        if (!c.keepAlive) {
            closing = true;
            releaseQueued();
            f.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        while (!busy && !closing && queued != null) {
            Object msg = queued.poll();
            if (msg == null) {
                return;
            }
            read(msg);
        }
    }

    private void answerAndClose(Collected c, AdminResponse response) {
        busy = false;
        closing = true;
        releaseQueued();
        ctx.writeAndFlush(toNetty(c, response, false)).addListener(ChannelFutureListener.CLOSE);
    }

    private static FullHttpResponse toNetty(Collected c, AdminResponse response, boolean keepAlive) {
        boolean head = c.method.equals("HEAD");
        FullHttpResponse r = new DefaultFullHttpResponse(c.version, HttpResponseStatus.valueOf(response.status),
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(response.body));
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
        } else if (c.version.equals(HttpVersion.HTTP_1_0)) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        return r;
    }

    private void releaseQueued() {
        if (queued != null) {
            Object msg;
            while ((msg = queued.poll()) != null) {
                ReferenceCountUtil.release(msg);
            }
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && (busy || collecting != null)) {
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseQueued();
        collecting = null;
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseQueued();
        collecting = null;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (busy || collecting != null) {
            log.debug("client connection {} failed during an admin request: {}", ctx.channel(), cause.toString());
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private static String clientIp(SocketAddress address) {
        if (address instanceof InetSocketAddress) {
            InetSocketAddress a = (InetSocketAddress) address;
            return a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        }
        return address == null ? "unknown" : address.toString();
    }

    /** Copies of the head's fields and the body bytes, never the Netty message. */
    private static final class Collected {
        final String method;
        final String uri;
        final String path;
        final HttpVersion version;
        final boolean keepAlive;
        final String contentType;
        final String cookie;
        final String host;
        final String origin;
        final String referer;
        final String forwardedProto;
        final String userAgent;
        final String secFetchSite;
        byte[] body = new byte[0];
        int length;

        Collected(HttpRequest head, String path) {
            this.method = head.method().name();
            this.uri = head.uri();
            this.path = path;
            this.version = head.protocolVersion();
            this.keepAlive = HttpUtil.isKeepAlive(head);
            HttpHeaders h = head.headers();
            this.contentType = h.get(HttpHeaderNames.CONTENT_TYPE);
            this.cookie = String.join("; ", h.getAll(HttpHeaderNames.COOKIE));
            this.host = h.get(HttpHeaderNames.HOST);
            this.origin = h.get(HttpHeaderNames.ORIGIN);
            this.referer = h.get(HttpHeaderNames.REFERER);
            this.forwardedProto = h.get("X-Forwarded-Proto");
            this.userAgent = h.get(HttpHeaderNames.USER_AGENT);
            this.secFetchSite = h.get("Sec-Fetch-Site");
        }

        AdminRequest toRequest(String clientIp) {
            Map<String, List<String>> query = new QueryStringDecoder(uri).parameters();
            Map<String, List<String>> form = Map.of();
            if (length > 0 && contentType != null
                    && contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
                form = new QueryStringDecoder(new String(body, 0, length, StandardCharsets.UTF_8), false)
                        .parameters();
            }
            return new AdminRequest(method, path, query, form, cookie.isEmpty() ? null : cookie, host, origin,
                    referer, forwardedProto, userAgent, secFetchSite, clientIp);
        }
    }
}
