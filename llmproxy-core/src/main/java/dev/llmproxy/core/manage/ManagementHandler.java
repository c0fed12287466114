package dev.llmproxy.core.manage;

import dev.llmproxy.core.proxy.LingeringClose;
import dev.llmproxy.core.proxy.ProxyHeaders;
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
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The Netty side of the management API for one client connection: takes requests for
 * {@code /manage} and {@code /manage/*}, passes everything else to the next handler unchanged
 * (as {@code ProxyHandler} does for non-{@code /v1} paths).
 *
 * <p><b>Placement:</b> after an {@code HttpServerCodec} (and the proxy handler); no aggregator in
 * front. One instance per channel: stateful, not {@code @Sharable}.
 *
 * <p><b>Flow:</b> the body is copied into a byte array as it arrives and every buffer released at
 * once, so nothing reference-counted leaves the event loop. Beyond the limit (or a declared
 * {@code Content-Length} beyond it) the answer is 413 and the connection is closed, because the
 * rest of the body would otherwise have to be read and thrown away. The complete request goes to
 * the {@link ManagementRouter} on the blocking executor; its answer is written on this channel's
 * event loop. Requests that arrive meanwhile (HTTP/1.1 pipelining), for any path, are queued and
 * handled in order afterwards, so answers never overtake each other. If the executor refuses the
 * work (saturated or shut down) the answer is 503 {@code service_unavailable}.
 *
 * <p>Every answer is {@code application/json} with {@code Cache-Control: no-store},
 * {@code X-Content-Type-Options: nosniff} and {@code X-Request-ID} (the client's when well-formed).
 */
final class ManagementHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ManagementHandler.class);
    private static final String PREFIX = ManagementApi.PATH_PREFIX;
    private static final String BARE = PREFIX.substring(0, PREFIX.length() - 1);
    private static final AsciiString X_CONTENT_TYPE_OPTIONS = AsciiString.cached("x-content-type-options");
    private static final AsciiString NOSNIFF = AsciiString.cached("nosniff");

    private final ManagementRouter router;
    private final Executor executor;
    private final int maxBodyBytes;

    private ChannelHandlerContext ctx;
    /** True while the rest of a request that is not ours is being passed on. */
    private boolean passingThrough;
    /** The request being collected; null between requests. */
    private Collected collecting;
    /** True from a complete request until its answer has been handed to the channel. */
    private boolean busy;
    /** True once the connection is being closed after an answer: anything further is dropped. */
    private boolean closing;
    private ArrayDeque<Object> queued;
    private long queuedBytes;

    ManagementHandler(ManagementRouter router, Executor executor, int maxBodyBytes) {
        this.router = router;
        this.executor = executor;
        this.maxBodyBytes = maxBodyBytes;
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
            enqueue(msg);
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
                ReferenceCountUtil.release(msg); // the rest of a request already answered
            } else {
                onContent((HttpContent) msg);
            }
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private void onHead(HttpRequest request) {
        String path = rawPath(request.uri());
        if (path == null || !(path.equals(BARE) || path.startsWith(PREFIX))) {
            passingThrough = !(request instanceof LastHttpContent);
            ctx.fireChannelRead(request);
            return;
        }
        Collected c = new Collected(request, path, requestId(request.headers()));
        if (request.decoderResult().isFailure()) {
            ReferenceCountUtil.release(request);
            answerAndClose(c, ApiResponse.error(400, ErrorCodes.INVALID_REQUEST, "Malformed HTTP request"));
            return;
        }
        if (HttpUtil.getContentLength(request, -1L) > maxBodyBytes) {
            ReferenceCountUtil.release(request);
            answerAndClose(c, tooLarge());
            return;
        }
        collecting = c;
        if (HttpUtil.is100ContinueExpected(request)) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER));
        }
        if (request instanceof HttpContent) {
            onContent((HttpContent) request); // a FullHttpRequest: head and body in one message
        }
    }

    private void onContent(HttpContent content) {
        Collected c = collecting;
        if (content.decoderResult().isFailure()) {
            // Bad chunk framing: the decoder drops the rest of the connection's bytes.
            ReferenceCountUtil.release(content);
            collecting = null;
            answerAndClose(c, ApiResponse.error(400, ErrorCodes.INVALID_REQUEST, "Malformed HTTP request body"));
            return;
        }
        try {
            int n = content.content().readableBytes();
            if (c.length + n > maxBodyBytes) {
                collecting = null;
                answerAndClose(c, tooLarge());
                return;
            }
            if (c.length + n > c.body.length) {
                c.body = Arrays.copyOf(c.body, Math.min(maxBodyBytes, Math.max(c.length + n, c.body.length * 2)));
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
        ApiRequest request;
        try {
            request = c.toRequest(clientIp(ctx.channel().remoteAddress()));
        } catch (IllegalArgumentException e) {
            // QueryStringDecoder refuses malformed %-escapes.
            answer(c, ApiResponse.error(400, ErrorCodes.INVALID_REQUEST, "Malformed query string"));
            return;
        }
        busy = true;
        try {
            executor.execute(() -> {
                ApiResponse response;
                try {
                    response = router.handle(request);
                } catch (Throwable t) {
                    log.error("management request {} failed", request, t);
                    response = ApiResponse.error(500, ErrorCodes.INTERNAL_ERROR,
                            "Internal error; the server log has details under request id " + request.requestId());
                }
                if (response.stream() != null) {
                    streamAnswer(c, response); // stays on this (blocking) thread while the body is written
                    return;
                }
                ApiResponse done = response;
                try {
                    ctx.executor().execute(() -> answer(c, done));
                } catch (RejectedExecutionException shutDown) {
                    log.debug("event loop gone before the answer to {} could be written", request);
                }
            });
        } catch (RejectedExecutionException e) {
            log.warn("management request {} refused: the blocking executor is saturated or shut down", request);
            answer(c, ApiResponse.error(503, ErrorCodes.SERVICE_UNAVAILABLE,
                    "The server is busy; try again shortly"));
        }
    }

    /**
     * Writes a streamed answer from the blocking executor: the head goes out with the first chunk
     * (so a failure before it still gets a proper error answer), each chunk waits until the client
     * has taken the previous one (backpressure: a slow client slows the database scan, never
     * fills memory), and the connection is closed when the body fails halfway.
     */
    private void streamAnswer(Collected c, ApiResponse response) {
        ChunkedBody out = new ChunkedBody(c, response);
        try {
            response.stream().writeTo(out);
            out.finish();
        } catch (Throwable t) {
            if (!out.headSent) {
                ApiResponse error = streamFailure(c, t);
                runOnLoop(() -> answer(c, error));
            } else {
                log.warn("management request {} {} (request id {}): streamed answer broken off: {}", c.method, c.path,
                        c.requestId, t.toString());
                runOnLoop(() -> {
                    busy = false;
                    closing = true;
                    releaseQueued();
                    ctx.close();
                });
            }
            return;
        }
        runOnLoop(() -> {
            busy = false;
            if (!c.keepAlive) {
                closing = true;
                releaseQueued();
                ctx.close();
                return;
            }
            drainQueued();
        });
    }

    private ApiResponse streamFailure(Collected c, Throwable t) {
        if (t instanceof dev.llmproxy.core.store.StoreException) {
            log.warn("management request {} {} (request id {}) failed: the database is unavailable: {}", c.method,
                    c.path, c.requestId, t.getMessage());
            return ApiResponse.error(503, ErrorCodes.SERVICE_UNAVAILABLE,
                    "The database is unavailable; try again shortly (request id " + c.requestId + ")");
        }
        if (t instanceof ApiException e) {
            return ApiResponse.error(e);
        }
        log.error("management request {} {} (request id {}) failed", c.method, c.path, c.requestId, t);
        return ApiResponse.error(500, ErrorCodes.INTERNAL_ERROR,
                "Internal error; the server log has details under request id " + c.requestId);
    }

    private void runOnLoop(Runnable task) {
        try {
            ctx.executor().execute(task);
        } catch (RejectedExecutionException shutDown) {
            log.debug("event loop gone before a management answer could be finished");
        }
    }

    /** The body of a streamed answer: buffers {@value #CHUNK_BYTES} bytes, then sends them as one chunk. */
    private final class ChunkedBody extends java.io.OutputStream {
        private static final int CHUNK_BYTES = 32 * 1024;
        private static final long CLIENT_WAIT_SECONDS = 60;
        private final Collected c;
        private final ApiResponse response;
        private final byte[] buffer = new byte[CHUNK_BYTES];
        private int length;
        private boolean headSent;

        ChunkedBody(Collected c, ApiResponse response) {
            this.c = c;
            this.response = response;
        }

        @Override
        public void write(int b) throws java.io.IOException {
            if (length == buffer.length) {
                sendChunk();
            }
            buffer[length++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            while (len > 0) {
                if (length == buffer.length) {
                    sendChunk();
                }
                int n = Math.min(len, buffer.length - length);
                System.arraycopy(b, off, buffer, length, n);
                length += n;
                off += n;
                len -= n;
            }
        }

        private void sendHead() {
            headSent = true;
            io.netty.handler.codec.http.DefaultHttpResponse head = new io.netty.handler.codec.http.DefaultHttpResponse(
                    c.version, HttpResponseStatus.valueOf(response.status()));
            HttpHeaders h = head.headers();
            h.set(HttpHeaderNames.CONTENT_TYPE, response.contentType())
                    .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                    .set(X_CONTENT_TYPE_OPTIONS, NOSNIFF)
                    .set(ProxyHeaders.X_REQUEST_ID, c.requestId);
            response.headers().forEach(h::set);
            if (c.version.equals(HttpVersion.HTTP_1_0)) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE); // ends by closing: no chunks in 1.0
            } else {
                HttpUtil.setTransferEncodingChunked(head, true);
                if (!c.keepAlive) {
                    h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                }
            }
            ctx.write(head);
        }

        private void sendChunk() throws java.io.IOException {
            if (!headSent) {
                sendHead();
            }
            if (length == 0) {
                ctx.flush();
                return;
            }
            ChannelFuture f = ctx.writeAndFlush(new io.netty.handler.codec.http.DefaultHttpContent(
                    Unpooled.copiedBuffer(buffer, 0, length)));
            length = 0;
            awaitClient(f);
        }

        private void awaitClient(ChannelFuture f) throws java.io.IOException {
            if (!f.awaitUninterruptibly(CLIENT_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new java.io.IOException("the client took no data for " + CLIENT_WAIT_SECONDS + " s");
            }
            if (!f.isSuccess()) {
                throw new java.io.IOException("the client connection failed: " + f.cause());
            }
        }

        void finish() throws java.io.IOException {
            sendChunk();
            ChannelFuture f = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            if (c.version.equals(HttpVersion.HTTP_1_0)) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
            awaitClient(f);
        }
    }

    private static ApiResponse tooLarge() {
        return ApiResponse.error(413, ErrorCodes.REQUEST_TOO_LARGE, "The request body is too large for the"
                + " management API");
    }

    /** Writes the answer to {@code c}, then carries on with requests that queued up meanwhile. */
    private void answer(Collected c, ApiResponse response) {
        busy = false;
        boolean keepAlive = c.keepAlive;
        ChannelFuture f = ctx.writeAndFlush(toNetty(c, response, keepAlive));
        if (!keepAlive) {
            closing = true;
            releaseQueued();
            f.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        drainQueued();
    }

    /** Answers and closes: used when the rest of the request cannot or should not be read. */
    private void answerAndClose(Collected c, ApiResponse response) {
        busy = false;
        closing = true;
        releaseQueued();
        FullHttpResponse r = toNetty(c, response, false);
        LingeringClose.closeAfter(ctx.writeAndFlush(r)); // the client may still be sending the refused body
    }

    private FullHttpResponse toNetty(Collected c, ApiResponse response, boolean keepAlive) {
        // A HEAD answer has the headers of the full answer and no body (RFC 9110 §9.3.2).
        boolean head = c.method.equals("HEAD");
        FullHttpResponse r = new DefaultFullHttpResponse(c.version, HttpResponseStatus.valueOf(response.status()),
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(response.body()));
        HttpHeaders h = r.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.body().length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .set(X_CONTENT_TYPE_OPTIONS, NOSNIFF)
                .set(ProxyHeaders.X_REQUEST_ID, c.requestId);
        response.headers().forEach(h::set);
        if (!keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (c.version.equals(HttpVersion.HTTP_1_0)) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        return r;
    }

    private void enqueue(Object msg) {
        if (queued == null) {
            queued = new ArrayDeque<>(4);
        }
        if (msg instanceof HttpContent) {
            queuedBytes += ((HttpContent) msg).content().readableBytes();
        }
        queued.add(msg);
        if (queuedBytes > maxBodyBytes) {
            // More than one body's worth pipelined behind an unanswered request: not a real client.
            log.debug("closing {}: too much pipelined data", ctx.channel());
            closing = true;
            releaseQueued();
            ctx.close();
        }
    }

    private void drainQueued() {
        while (!busy && !closing && queued != null) {
            Object msg = queued.poll();
            if (msg == null) {
                return;
            }
            if (msg instanceof HttpContent) {
                queuedBytes -= ((HttpContent) msg).content().readableBytes();
            }
            read(msg);
        }
    }

    private void releaseQueued() {
        if (queued != null) {
            Object msg;
            while ((msg = queued.poll()) != null) {
                ReferenceCountUtil.release(msg);
            }
            queuedBytes = 0;
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && (busy || collecting != null)) {
            return; // not idle: a management request is being served
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
            log.debug("client connection {} failed during a management request: {}", ctx.channel(), cause.toString());
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    /** The path of a request target in origin form or absolute form; null for anything else. */
    static String rawPath(String uri) {
        if (uri.startsWith("/")) {
            int end = uri.length();
            int q = uri.indexOf('?');
            int hash = uri.indexOf('#');
            if (q >= 0) {
                end = q;
            }
            if (hash >= 0 && hash < end) {
                end = hash;
            }
            return uri.substring(0, end);
        }
        if (uri.regionMatches(true, 0, "http://", 0, 7) || uri.regionMatches(true, 0, "https://", 0, 8)) {
            try {
                String raw = new URI(uri).getRawPath();
                return raw == null || raw.isEmpty() ? "/" : raw;
            } catch (URISyntaxException e) {
                return null;
            }
        }
        return null;
    }

    private static String requestId(HttpHeaders headers) {
        String id = headers.get(ProxyHeaders.X_REQUEST_ID);
        if (id != null && ProxyHeaders.isWellFormedRequestId(id)) {
            return id;
        }
        // Unique, not secret: ThreadLocalRandom avoids SecureRandom's lock on the event loop.
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return new UUID((r.nextLong() & 0xFFFFFFFFFFFF0FFFL) | 0x0000000000004000L,
                (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L).toString();
    }

    private static String clientIp(SocketAddress address) {
        if (address instanceof InetSocketAddress) {
            InetSocketAddress a = (InetSocketAddress) address;
            return a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        }
        return address == null ? null : address.toString();
    }

    /** What is kept of a request while its body arrives: copies of the head's fields, never the message. */
    private static final class Collected {
        final String method;
        final String uri;
        final String path;
        final HttpVersion version;
        final boolean keepAlive;
        final String requestId;
        final String authorization;
        final String forwardedFor;
        final String userAgent;
        byte[] body = new byte[0];
        int length;

        Collected(HttpRequest head, String path, String requestId) {
            this.method = head.method().name();
            this.uri = head.uri();
            this.path = path;
            this.version = head.protocolVersion();
            this.keepAlive = HttpUtil.isKeepAlive(head);
            this.requestId = requestId;
            HttpHeaders h = head.headers();
            this.authorization = h.get(HttpHeaderNames.AUTHORIZATION);
            this.forwardedFor = h.get(ProxyHeaders.X_FORWARDED_FOR);
            this.userAgent = h.get(HttpHeaderNames.USER_AGENT);
        }

        ApiRequest toRequest(String clientIp) {
            QueryStringDecoder decoder = uri.startsWith("/") ? new QueryStringDecoder(uri)
                    : new QueryStringDecoder(URI.create(uri));
            Map<String, List<String>> query = decoder.parameters();
            return new ApiRequest(method, path, query, length == body.length ? body : Arrays.copyOf(body, length),
                    authorization, requestId, clientIp, forwardedFor, userAgent);
        }
    }
}
