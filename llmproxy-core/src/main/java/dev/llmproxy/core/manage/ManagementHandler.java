package dev.llmproxy.core.manage;

import dev.llmproxy.core.proxy.BlockingRouteHandler;
import dev.llmproxy.core.proxy.ProxyHeaders;
import dev.llmproxy.core.proxy.RouteRequest;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AsciiString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The Netty side of the management API for one client connection: a {@link BlockingRouteHandler}
 * for {@code /manage} and {@code /manage/*} (collecting, queueing pipelined requests, the body limit
 * and the blocking executor are its), whose requests go to the {@link ManagementRouter}.
 *
 * <p>Answers the router streams (exports) are written from the blocking thread chunk by chunk,
 * each chunk waiting until the client has taken the previous one.
 *
 * <p>Every answer is {@code application/json} (or the streamed answer's type) with
 * {@code Cache-Control: no-store}, {@code X-Content-Type-Options: nosniff} and
 * {@code X-Request-ID} (the client's when well-formed).
 */
final class ManagementHandler extends BlockingRouteHandler<ApiResponse> {

    private static final Logger log = LoggerFactory.getLogger(ManagementHandler.class);
    private static final String PREFIX = ManagementApi.PATH_PREFIX;
    private static final String BARE = PREFIX.substring(0, PREFIX.length() - 1);
    private static final AsciiString X_CONTENT_TYPE_OPTIONS = AsciiString.cached("x-content-type-options");
    private static final AsciiString NOSNIFF = AsciiString.cached("nosniff");

    private final ManagementRouter router;

    ManagementHandler(ManagementRouter router, Executor executor, int maxBodyBytes) {
        super("management", executor, maxBodyBytes);
        this.router = router;
    }

    @Override
    protected boolean serves(String path) {
        return path.equals(BARE) || path.startsWith(PREFIX);
    }

    @Override
    protected ApiResponse handle(RouteRequest r) {
        ApiRequest request;
        try {
            request = toApiRequest(r);
        } catch (IllegalArgumentException e) {
            // QueryStringDecoder refuses malformed %-escapes.
            return ApiResponse.error(400, ErrorCodes.INVALID_REQUEST, "Malformed query string");
        }
        return router.handle(request);
    }

    @Override
    protected ApiResponse failure(RouteRequest r, Failure failure) {
        switch (failure) {
            case MALFORMED_REQUEST:
                return ApiResponse.error(400, ErrorCodes.INVALID_REQUEST, "Malformed HTTP request");
            case MALFORMED_BODY:
                return ApiResponse.error(400, ErrorCodes.INVALID_REQUEST, "Malformed HTTP request body");
            case TOO_LARGE:
                return ApiResponse.error(413, ErrorCodes.REQUEST_TOO_LARGE,
                        "The request body is too large for the management API");
            case BUSY:
                return ApiResponse.error(503, ErrorCodes.SERVICE_UNAVAILABLE, "The server is busy; try again shortly");
            default:
                return ApiResponse.error(500, ErrorCodes.INTERNAL_ERROR,
                        "Internal error; the server log has details under request id " + r.requestId());
        }
    }

    /**
     * Writes a streamed answer from the blocking executor: the head goes out with the first chunk
     * (so a failure before it still gets a proper error answer), each chunk waits until the client
     * has taken the previous one (backpressure: a slow client slows the database scan, never
     * fills memory), and the connection is closed when the body fails halfway.
     */
    @Override
    protected void deliver(RouteRequest c, ApiResponse response) {
        if (response.stream() == null) {
            answerLater(c, response);
            return;
        }
        ChunkedBody out = new ChunkedBody(c, response);
        try {
            response.stream().writeTo(out);
            out.finish();
        } catch (Throwable t) {
            if (!out.headSent) {
                answerLater(c, streamFailure(c, t));
            } else {
                log.warn("management request {} {} (request id {}): streamed answer broken off: {}", c.method(),
                        c.path(), c.requestId(), t.toString());
                streamEnded(c, false);
            }
            return;
        }
        streamEnded(c, true);
    }

    private ApiResponse streamFailure(RouteRequest c, Throwable t) {
        if (t instanceof dev.llmproxy.core.store.StoreException) {
            log.warn("management request {} {} (request id {}) failed: the database is unavailable: {}", c.method(),
                    c.path(), c.requestId(), t.getMessage());
            return ApiResponse.error(503, ErrorCodes.SERVICE_UNAVAILABLE,
                    "The database is unavailable; try again shortly (request id " + c.requestId() + ")");
        }
        if (t instanceof ApiException e) {
            return ApiResponse.error(e);
        }
        log.error("management request {} {} (request id {}) failed", c.method(), c.path(), c.requestId(), t);
        return ApiResponse.error(500, ErrorCodes.INTERNAL_ERROR,
                "Internal error; the server log has details under request id " + c.requestId());
    }

    /** The body of a streamed answer: buffers {@value #CHUNK_BYTES} bytes, then sends them as one chunk. */
    private final class ChunkedBody extends java.io.OutputStream {
        private static final int CHUNK_BYTES = 32 * 1024;
        private static final long CLIENT_WAIT_SECONDS = 60;
        private final RouteRequest c;
        private final ApiResponse response;
        private final byte[] buffer = new byte[CHUNK_BYTES];
        private int length;
        private boolean headSent;

        ChunkedBody(RouteRequest c, ApiResponse response) {
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
                    c.version(), HttpResponseStatus.valueOf(response.status()));
            HttpHeaders h = head.headers();
            h.set(HttpHeaderNames.CONTENT_TYPE, response.contentType())
                    .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                    .set(X_CONTENT_TYPE_OPTIONS, NOSNIFF)
                    .set(ProxyHeaders.X_REQUEST_ID, c.requestId());
            response.headers().forEach(h::set);
            if (c.version().equals(HttpVersion.HTTP_1_0)) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE); // ends by closing: no chunks in 1.0
            } else {
                HttpUtil.setTransferEncodingChunked(head, true);
                if (!c.keepAlive()) {
                    h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                }
            }
            ctx().write(head);
        }

        private void sendChunk() throws java.io.IOException {
            if (!headSent) {
                sendHead();
            }
            if (length == 0) {
                ctx().flush();
                return;
            }
            ChannelFuture f = ctx().writeAndFlush(new io.netty.handler.codec.http.DefaultHttpContent(
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
            ChannelFuture f = ctx().writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            if (c.version().equals(HttpVersion.HTTP_1_0)) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
            awaitClient(f);
        }
    }

    @Override
    protected FullHttpResponse toResponse(RouteRequest c, ApiResponse response, boolean keepAlive) {
        // A HEAD answer has the headers of the full answer and no body (RFC 9110 §9.3.2).
        FullHttpResponse r = new DefaultFullHttpResponse(c.version(), HttpResponseStatus.valueOf(response.status()),
                c.isHead() ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(response.body()));
        HttpHeaders h = r.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.body().length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .set(X_CONTENT_TYPE_OPTIONS, NOSNIFF)
                .set(ProxyHeaders.X_REQUEST_ID, c.requestId());
        response.headers().forEach(h::set);
        if (!keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (c.version().equals(HttpVersion.HTTP_1_0)) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        return r;
    }

    @Override
    protected String requestId(HttpHeaders headers) {
        String id = headers.get(ProxyHeaders.X_REQUEST_ID);
        if (id != null && ProxyHeaders.isWellFormedRequestId(id)) {
            return id;
        }
        // Unique, not secret: ThreadLocalRandom avoids SecureRandom's lock on the event loop.
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return new UUID((r.nextLong() & 0xFFFFFFFFFFFF0FFFL) | 0x0000000000004000L,
                (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L).toString();
    }

    private static ApiRequest toApiRequest(RouteRequest r) {
        String uri = r.uri();
        QueryStringDecoder decoder = uri.startsWith("/") ? new QueryStringDecoder(uri)
                : new QueryStringDecoder(URI.create(uri));
        Map<String, List<String>> query = decoder.parameters();
        HttpHeaders h = r.headers();
        return new ApiRequest(r.method(), r.path(), query, r.body(), h.get(HttpHeaderNames.AUTHORIZATION),
                r.requestId(), r.clientIp(), h.get(ProxyHeaders.X_FORWARDED_FOR), h.get(HttpHeaderNames.USER_AGENT));
    }
}
