package dev.llmproxy.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-connection brain of {@link MockOpenAiUpstream}: records each aggregated request, picks its
 * {@link Behavior} and plays it out.
 *
 * <p>Threading: one instance per channel, and every method runs on that channel's event loop, so
 * the fields need no synchronisation. Delays are {@code schedule}d on the same event loop, never
 * slept, so one slow stream never holds up another connection. Anything a test thread reads goes
 * through the thread-safe {@link RecordedRequest} / {@link RecordedConnection} objects.
 *
 * <p>Requests on one connection are answered strictly in order: a request that arrives while the
 * previous answer is still in flight (pipelining, or a client reusing a stalled connection) waits
 * in {@link #waiting}. A stalled exchange therefore blocks its connection for good, like a real
 * hung upstream.
 *
 * <p>Buffer ownership: the aggregated request is released by {@link SimpleChannelInboundHandler}
 * after {@link #channelRead0}, which copies what it keeps. Every response buffer is allocated right
 * before it is handed to {@code write}, which then owns it (Netty releases it on failure too); the
 * channel is checked for activity before allocating, so nothing is allocated for a dead socket.
 */
final class MockConnectionHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(MockConnectionHandler.class);

    /** Bytes no HTTP client can parse as a status line. */
    private static final byte[] GARBAGE = "SSH-2.0-NotHttp\r\n\u0000\u0001\u0002garbage\u00ff\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1);

    /**
     * Pause between the last chunk and the RST of {@code reset-after-chunks}: gives the peer time
     * to read the chunks, so the test observes "n chunks, then reset" rather than a race.
     */
    private static final long RESET_GRACE_MILLIS = 10;

    private final MockOpenAiUpstream upstream;
    private final RecordedConnection connection;
    private final ArrayDeque<Exchange> waiting = new ArrayDeque<>();
    private Exchange current;
    private Future<?> timer;
    private boolean inactive;

    MockConnectionHandler(MockOpenAiUpstream upstream, RecordedConnection connection) {
        this.upstream = upstream;
        this.connection = connection;
    }

    private enum Endpoint {
        CHAT, COMPLETIONS, EMBEDDINGS, MODELS, MODEL, UNKNOWN;

        static Endpoint of(HttpMethod method, String path) {
            if (HttpMethod.POST.equals(method)) {
                return switch (path) {
                    case "/v1/chat/completions" -> CHAT;
                    case "/v1/completions" -> COMPLETIONS;
                    case "/v1/embeddings" -> EMBEDDINGS;
                    default -> UNKNOWN;
                };
            }
            if (HttpMethod.GET.equals(method)) {
                if (path.equals("/v1/models")) {
                    return MODELS;
                }
                if (path.startsWith("/v1/models/") && path.length() > "/v1/models/".length()) {
                    return MODEL;
                }
            }
            return UNKNOWN;
        }
    }

    /** One request and the state of its answer. */
    private static final class Exchange {
        final RecordedRequest recorded;
        final HttpMethod method;
        final String path;
        final boolean keepAlive;
        final Behavior behavior;          // null when the behaviour header did not parse
        final String behaviorError;
        SseStream sse;

        Exchange(RecordedRequest recorded, HttpMethod method, boolean keepAlive, Behavior behavior,
                 String behaviorError) {
            this.recorded = recorded;
            this.method = method;
            this.path = recorded.path();
            this.keepAlive = keepAlive;
            this.behavior = behavior;
            this.behaviorError = behaviorError;
        }
    }

    // ------------------------------------------------------------------ inbound

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        long receivedAt = System.nanoTime();
        if (request.decoderResult().isFailure()) {
            // Not a request we can record meaningfully; answer like a strict server and hang up.
            writeFull(ctx, null, HttpResponseStatus.BAD_REQUEST,
                    OpenAiPayloads.error("Malformed HTTP request: " + request.decoderResult().cause(),
                            "invalid_request_error", null), false, false);
            return;
        }
        Behavior behavior = null;
        String behaviorError = null;
        try {
            behavior = upstream.chooseBehavior(request.headers().get(MockOpenAiUpstream.BEHAVIOR_HEADER));
        } catch (IllegalArgumentException e) {
            behaviorError = "Invalid " + MockOpenAiUpstream.BEHAVIOR_HEADER + " header: " + e.getMessage();
        }
        RecordedRequest recorded = upstream.record(request.method().name(), request.uri(), copyHeaders(request.headers()),
                ByteBufUtil.getBytes(request.content()), connection, receivedAt, behavior);
        Exchange exchange = new Exchange(recorded, request.method(), HttpUtil.isKeepAlive(request), behavior,
                behaviorError);
        if (current == null) {
            start(ctx, exchange);
        } else {
            waiting.add(exchange);
        }
    }

    private static Map<String, List<String>> copyHeaders(HttpHeaders headers) {
        Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<String, String> header : headers) {
            copy.computeIfAbsent(header.getKey(), k -> new ArrayList<>()).add(header.getValue());
        }
        return copy;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // An SSE stream that paused because the client stopped reading resumes here.
        Exchange exchange = current;
        if (ctx.channel().isWritable() && exchange != null && exchange.sse != null && exchange.sse.awaitingWritability) {
            exchange.sse.awaitingWritability = false;
            pump(ctx, exchange);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // Stop every scheduled step: nothing may be written (or allocated) for a closed socket.
        inactive = true;
        cancelTimer();
        if (current != null) {
            current.recorded.onConnectionClosed();
            current = null;
        }
        waiting.forEach(exchange -> exchange.recorded.onConnectionClosed());
        waiting.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Clients (and the proxy under test) routinely hang up mid-response; that is not news.
        if (!(cause instanceof IOException)) {
            LOG.warn("mock upstream connection {} failed", connection.id(), cause);
        }
        ctx.close();
    }

    // ------------------------------------------------------------------ dispatch

    private void start(ChannelHandlerContext ctx, Exchange exchange) {
        current = exchange;
        Duration delay = exchange.behavior == null ? Duration.ZERO : exchange.behavior.headersDelay();
        if (delay.isZero()) {
            respond(ctx, exchange);
        } else {
            schedule(ctx, () -> respond(ctx, exchange), delay.toNanos());
        }
    }

    private void respond(ChannelHandlerContext ctx, Exchange exchange) {
        if (inactive) {
            return;
        }
        if (exchange.behavior == null) {
            writeFull(ctx, exchange, HttpResponseStatus.BAD_REQUEST,
                    OpenAiPayloads.error(exchange.behaviorError, "invalid_request_error", "invalid_mock_behavior"),
                    exchange.keepAlive, false);
            return;
        }
        Behavior behavior = exchange.behavior;
        switch (behavior.kind()) {
            case STALL -> {
                // Deliberately nothing: the exchange stays current, so the connection never answers again.
            }
            case RESET -> reset(ctx);
            case GARBAGE -> {
                // Written from the codec's context so the bytes bypass the HTTP encoder untouched.
                ChannelHandlerContext codec = ctx.pipeline().context(HttpServerCodec.class);
                codec.writeAndFlush(Unpooled.wrappedBuffer(GARBAGE)).addListener(ChannelFutureListener.CLOSE);
            }
            case STATUS -> {
                String model = OpenAiPayloads.model(OpenAiPayloads.parseObject(exchange.recorded.bodyBytes()));
                writeFull(ctx, exchange, HttpResponseStatus.valueOf(behavior.status()),
                        OpenAiPayloads.errorForStatus(behavior.status(), model), exchange.keepAlive, false);
            }
            default -> route(ctx, exchange);
        }
    }

    /** NORMAL, JSON, CLOSE_EARLY and the streaming kinds: answer like the real endpoint would. */
    private void route(ChannelHandlerContext ctx, Exchange exchange) {
        Behavior behavior = exchange.behavior;
        boolean closeEarly = behavior.kind() == Behavior.Kind.CLOSE_EARLY;
        Endpoint endpoint = Endpoint.of(exchange.method, exchange.path);
        if (endpoint == Endpoint.UNKNOWN) {
            writeFull(ctx, exchange, HttpResponseStatus.NOT_FOUND,
                    OpenAiPayloads.unknownUrl(exchange.method.name(), exchange.path), exchange.keepAlive, closeEarly);
            return;
        }
        ObjectNode body = OpenAiPayloads.parseObject(exchange.recorded.bodyBytes());
        if (body == null && exchange.method.equals(HttpMethod.POST)) {
            writeFull(ctx, exchange, HttpResponseStatus.BAD_REQUEST, OpenAiPayloads.error(
                    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using "
                            + "your HTTP library correctly. The OpenAI API expects a JSON payload.)",
                    "invalid_request_error", null), exchange.keepAlive, closeEarly);
            return;
        }
        boolean streamable = endpoint == Endpoint.CHAT || endpoint == Endpoint.COMPLETIONS;
        boolean stream = behavior.forcesStream()
                || (behavior.kind() == Behavior.Kind.NORMAL && streamable && OpenAiPayloads.wantsStream(body));
        if (stream) {
            startSse(ctx, exchange, endpoint == Endpoint.COMPLETIONS, body);
            return;
        }
        int seq = exchange.recorded.sequence();
        String json = switch (endpoint) {
            case CHAT -> OpenAiPayloads.withToolCalls(OpenAiPayloads.chatCompletion("chatcmpl-mock" + seq,
                    OpenAiPayloads.model(body), OpenAiPayloads.promptTokens(body), Behavior.DEFAULT_CHUNKS), body);
            case COMPLETIONS -> OpenAiPayloads.completion("cmpl-mock" + seq, OpenAiPayloads.model(body),
                    OpenAiPayloads.promptTokens(body), Behavior.DEFAULT_CHUNKS);
            case EMBEDDINGS -> OpenAiPayloads.embeddings(body);
            case MODELS -> OpenAiPayloads.modelList();
            case MODEL -> OpenAiPayloads.model(exchange.path.substring("/v1/models/".length()));
            case UNKNOWN -> throw new IllegalStateException("handled above");
        };
        writeFull(ctx, exchange, HttpResponseStatus.OK, json, exchange.keepAlive, closeEarly);
    }

    // ------------------------------------------------------------------ full (non-streaming) answers

    /**
     * Writes a complete JSON response. With {@code truncate} the headers announce the full length
     * but only the first half of the body is sent before the connection is closed.
     */
    private void writeFull(ChannelHandlerContext ctx, Exchange exchange, HttpResponseStatus status, String json,
                           boolean keepAlive, boolean truncate) {
        if (!ctx.channel().isActive()) {
            return;
        }
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        if (exchange != null) {
            exchange.recorded.onResponseStarted(status.code());
        }
        if (truncate) {
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
            jsonHeaders(head.headers(), exchange, bytes.length);
            ctx.write(head);
            ByteBuf half = ctx.alloc().buffer(bytes.length / 2).writeBytes(bytes, 0, bytes.length / 2);
            ctx.writeAndFlush(new DefaultHttpContent(half)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ByteBuf content = ctx.alloc().buffer(bytes.length).writeBytes(bytes);
        DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        jsonHeaders(response.headers(), exchange, bytes.length);
        if (status.code() == 429) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        }
        HttpUtil.setKeepAlive(response, keepAlive);
        ctx.writeAndFlush(response).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                ctx.close();
                return;
            }
            if (exchange != null) {
                exchange.recorded.onResponseCompleted();
            }
            if (keepAlive) {
                next(ctx, exchange);
            } else {
                ctx.close();
            }
        });
    }

    private static void jsonHeaders(HttpHeaders headers, Exchange exchange, int length) {
        headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        headers.setInt(HttpHeaderNames.CONTENT_LENGTH, length);
        if (exchange != null) {
            headers.set("x-request-id", "req_mock" + exchange.recorded.sequence());
        }
    }

    /** The exchange is done and the connection stays open: serve the next queued request, if any. */
    private void next(ChannelHandlerContext ctx, Exchange finished) {
        if (inactive || current != finished) {
            return;
        }
        current = null;
        Exchange following = waiting.poll();
        if (following != null) {
            start(ctx, following);
        }
    }

    // ------------------------------------------------------------------ connection abuse

    /** Abortive close: SO_LINGER 0 makes the kernel send RST instead of FIN and drop unsent data. */
    private static void reset(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        }
        ctx.close();
    }

    // ------------------------------------------------------------------ SSE

    /** Where an SSE answer stands; advanced one event at a time by {@link #pump}. */
    private static final class SseStream {
        final String id;
        final long created;
        final String model;
        final boolean legacyCompletions;
        final int contentChunks;
        final Duration chunkDelay;
        final boolean usageChunk;
        final int promptTokens;
        final Behavior.Kind kind;
        final boolean sendDone;

        /** -1 = role chunk (chat only), 0..n-1 = content chunks, n = finish, n+1 = usage, n+2 = [DONE], n+3 = end. */
        int position;
        boolean delayElapsed;
        boolean awaitingWritability;
        ChannelFuture lastWrite;

        SseStream(String id, String model, boolean legacyCompletions, Behavior behavior, ObjectNode request) {
            this.id = id;
            this.created = OpenAiPayloads.now();
            this.model = model;
            this.legacyCompletions = legacyCompletions;
            this.kind = behavior.kind();
            this.contentChunks = kind == Behavior.Kind.NORMAL ? Behavior.DEFAULT_CHUNKS : behavior.chunks();
            this.chunkDelay = behavior.chunkDelay();
            this.sendDone = behavior.sendDone();
            this.usageChunk = OpenAiPayloads.wantsUsageChunk(request);
            this.promptTokens = OpenAiPayloads.promptTokens(request);
            this.position = legacyCompletions ? 0 : -1;
        }

        boolean truncated() {
            return kind == Behavior.Kind.STALL_AFTER_CHUNKS || kind == Behavior.Kind.RESET_AFTER_CHUNKS;
        }

        /** Skips events this stream does not send; true if {@link #position} is an event to write. */
        boolean hasEvent() {
            int n = contentChunks;
            if (truncated()) {
                return position < n;
            }
            if (position == n + 1 && !usageChunk) {
                position++;
            }
            if (position == n + 2 && !sendDone) {
                position++;
            }
            return position <= n + 2;
        }

        boolean isContent() {
            return position >= 0 && position < contentChunks;
        }

        String payload() {
            int n = contentChunks;
            if (position == -1) {
                return OpenAiPayloads.chatRoleChunk(id, created, model, usageChunk);
            }
            if (position < n) {
                return legacyCompletions
                        ? OpenAiPayloads.completionChunk(id, created, model, position, usageChunk)
                        : OpenAiPayloads.chatContentChunk(id, created, model, position, usageChunk);
            }
            if (position == n) {
                return legacyCompletions
                        ? OpenAiPayloads.completionChunk(id, created, model, -1, usageChunk)
                        : OpenAiPayloads.chatFinishChunk(id, created, model, usageChunk);
            }
            if (position == n + 1) {
                return OpenAiPayloads.usageChunk(id, legacyCompletions ? "text_completion" : "chat.completion.chunk",
                        created, model, promptTokens, n);
            }
            return "[DONE]";
        }
    }

    private void startSse(ChannelHandlerContext ctx, Exchange exchange, boolean legacyCompletions, ObjectNode body) {
        int seq = exchange.recorded.sequence();
        String id = (legacyCompletions ? "cmpl-mock" : "chatcmpl-mock") + seq;
        exchange.sse = new SseStream(id, OpenAiPayloads.model(body), legacyCompletions, exchange.behavior, body);
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream")
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                .set("x-request-id", "req_mock" + seq);
        HttpUtil.setTransferEncodingChunked(head, true);
        HttpUtil.setKeepAlive(head, exchange.keepAlive);
        exchange.recorded.onResponseStarted(200);
        exchange.sse.lastWrite = ctx.writeAndFlush(head).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        pump(ctx, exchange);
    }

    /**
     * Writes SSE events until the stream ends, a delay is due (then it re-schedules itself on the
     * event loop) or the channel is not writable (then {@link #channelWritabilityChanged} resumes
     * it, so a client that stops reading gets backpressure instead of an unbounded buffer).
     */
    private void pump(ChannelHandlerContext ctx, Exchange exchange) {
        SseStream sse = exchange.sse;
        while (true) {
            if (inactive || current != exchange || !ctx.channel().isActive()) {
                return;
            }
            if (!sse.hasEvent()) {
                endSse(ctx, exchange);
                return;
            }
            boolean content = sse.isContent();
            if (content && sse.position > 0 && !sse.chunkDelay.isZero() && !sse.delayElapsed) {
                sse.delayElapsed = true;
                schedule(ctx, () -> pump(ctx, exchange), sse.chunkDelay.toNanos());
                return;
            }
            if (!ctx.channel().isWritable()) {
                sse.awaitingWritability = true;
                return;
            }
            sse.delayElapsed = false;
            ByteBuf event = ByteBufUtil.writeUtf8(ctx.alloc(), "data: " + sse.payload() + "\n\n");
            RecordedRequest recorded = exchange.recorded;
            sse.lastWrite = ctx.writeAndFlush(new DefaultHttpContent(event)).addListener((ChannelFuture f) -> {
                if (f.isSuccess()) {
                    recorded.onSseEventWritten(content);
                } else {
                    f.channel().close(); // the client is gone; stop quietly
                }
            });
            sse.position++;
        }
    }

    private void endSse(ChannelHandlerContext ctx, Exchange exchange) {
        SseStream sse = exchange.sse;
        switch (sse.kind) {
            case STALL_AFTER_CHUNKS -> {
                // Go silent with the exchange still current: the connection stays open and unanswered.
            }
            case RESET_AFTER_CHUNKS -> sse.lastWrite.addListener((ChannelFuture f) ->
                    schedule(ctx, () -> reset(ctx), TimeUnit.MILLISECONDS.toNanos(RESET_GRACE_MILLIS)));
            default -> ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener((ChannelFuture f) -> {
                if (!f.isSuccess()) {
                    ctx.close();
                    return;
                }
                exchange.recorded.onResponseCompleted();
                if (exchange.keepAlive) {
                    next(ctx, exchange);
                } else {
                    ctx.close();
                }
            });
        }
    }

    private void schedule(ChannelHandlerContext ctx, Runnable task, long delayNanos) {
        cancelTimer();
        timer = ctx.executor().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
