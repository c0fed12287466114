package dev.llmproxy.core.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The Netty side of a group of routes whose work blocks (a database, an HTTP call), such as the
 * management API and the admin UI: it takes the requests whose path it {@linkplain #serves serves}
 * and passes everything else to the next handler unchanged (as {@code ProxyHandler} does for
 * non-{@code /v1} paths).
 *
 * <p><b>Placement:</b> after an {@code HttpServerCodec}; no aggregator in front. One instance per
 * channel: stateful, not {@code @Sharable}.
 *
 * <p><b>Flow:</b> the body is copied into a byte array as it arrives and every buffer released at
 * once, so nothing reference-counted leaves the event loop. Beyond the limit (or a declared
 * {@code Content-Length} beyond it) the answer is 413 and the connection is closed after a
 * {@linkplain LingeringClose lingering close}, because the rest of the body would otherwise have to
 * be read and thrown away. The complete {@link RouteRequest} goes to {@link #handle} on the blocking
 * executor; its answer is written on this channel's event loop. Requests that arrive meanwhile
 * (HTTP/1.1 pipelining), for any path, are queued and handled in order afterwards, so answers never
 * overtake each other; more than one body's worth of queued data closes the connection. If the
 * executor refuses the work (saturated or shut down) the answer is {@link Failure#BUSY}.
 *
 * @param <A> the subclass's answer type
 */
public abstract class BlockingRouteHandler<A> extends ChannelInboundHandlerAdapter {

    /** What the handler detected itself; the subclass phrases the answer ({@link #failure}). */
    public enum Failure {
        /** 400: the request head could not be decoded. */
        MALFORMED_REQUEST(400),
        /** 400: bad chunk framing in the body. */
        MALFORMED_BODY(400),
        /** 413: the body is larger than the handler accepts. */
        TOO_LARGE(413),
        /** 503: the blocking executor refused the work. */
        BUSY(503),
        /** 500: {@link #handle} threw. */
        INTERNAL(500);

        private final int status;

        Failure(int status) {
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private static final Logger log = LoggerFactory.getLogger(BlockingRouteHandler.class);
    private static final int MAX_QUEUED_MESSAGES = 256;

    private final String name;
    private final Executor executor;
    private final int maxBodyBytes;

    private ChannelHandlerContext ctx;
    /** True while the rest of a request that is not ours is being passed on. */
    private boolean passingThrough;
    /** The request being collected; null between requests. */
    private RouteRequest collecting;
    /** True from a complete request until its answer has been handed to the channel. */
    private boolean busy;
    /** True once the connection is being closed after an answer: anything further is dropped. */
    private boolean closing;
    private ArrayDeque<Object> queued;
    private long queuedBytes;

    /**
     * @param name         what the routes are, for log lines ("management", "admin")
     * @param executor     where {@link #handle} runs; never an event loop
     * @param maxBodyBytes the largest request body accepted
     */
    protected BlockingRouteHandler(String name, Executor executor, int maxBodyBytes) {
        this.name = name;
        this.executor = executor;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Whether this handler serves {@code path}, the raw path of the request target. */
    protected abstract boolean serves(String path);

    /** The id to give a request, from its headers; called once per request on the event loop. */
    protected String requestId(HttpHeaders headers) {
        return null;
    }

    /** The answer to a complete request; runs on the blocking executor. A throw is {@link Failure#INTERNAL}. */
    protected abstract A handle(RouteRequest request) throws Exception;

    /** The answer to a failure the handler detected itself. */
    protected abstract A failure(RouteRequest request, Failure failure);

    /** The Netty response for an answer; runs on the event loop. */
    protected abstract FullHttpResponse toResponse(RouteRequest request, A answer, boolean keepAlive);

    /**
     * Runs on the blocking executor with {@link #handle}'s answer. By default the answer is written
     * on the event loop ({@link #answerLater}). A subclass that streams an answer overrides this,
     * writes through {@link #ctx()} from this thread, and ends with {@link #streamEnded} (or, if it
     * fails before anything was written, {@link #answerLater} with an error answer).
     */
    protected void deliver(RouteRequest request, A answer) {
        answerLater(request, answer);
    }

    /** This handler's context, for subclasses that stream an answer. */
    protected final ChannelHandlerContext ctx() {
        return ctx;
    }

    /** Writes {@code answer} on the event loop, then carries on with requests queued meanwhile. */
    protected final void answerLater(RouteRequest request, A answer) {
        runOnLoop(() -> answer(request, answer));
    }

    /**
     * A streamed answer is over: {@code complete} false means it broke off halfway, and the only
     * honest signal left is to close the connection.
     */
    protected final void streamEnded(RouteRequest request, boolean complete) {
        runOnLoop(() -> {
            busy = false;
            if (!complete || !request.keepAlive()) {
                closeNow();
                return;
            }
            drainQueued();
        });
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

    private void onHead(HttpRequest head) {
        String path = RequestTargets.rawPath(head.uri());
        if (path == null || !serves(path)) {
            passingThrough = !(head instanceof LastHttpContent);
            ctx.fireChannelRead(head);
            return;
        }
        RouteRequest r = new RouteRequest(head, path, requestId(head.headers()), clientIp(ctx.channel().remoteAddress()));
        if (head.decoderResult().isFailure()) {
            ReferenceCountUtil.release(head);
            answerAndClose(r, failure(r, Failure.MALFORMED_REQUEST));
            return;
        }
        if (HttpUtil.getContentLength(head, -1L) > maxBodyBytes) {
            ReferenceCountUtil.release(head);
            answerAndClose(r, failure(r, Failure.TOO_LARGE));
            return;
        }
        collecting = r;
        if (HttpUtil.is100ContinueExpected(head)) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER));
        }
        if (head instanceof HttpContent) {
            onContent((HttpContent) head); // a FullHttpRequest: head and body in one message
        }
    }

    private void onContent(HttpContent content) {
        RouteRequest r = collecting;
        try {
            if (content.decoderResult().isFailure()) {
                // Bad chunk framing: the decoder drops the rest of the connection's bytes.
                collecting = null;
                answerAndClose(r, failure(r, Failure.MALFORMED_BODY));
                return;
            }
            if (!r.append(content.content(), maxBodyBytes)) {
                collecting = null;
                answerAndClose(r, failure(r, Failure.TOO_LARGE));
                return;
            }
        } finally {
            ReferenceCountUtil.release(content);
        }
        if (content instanceof LastHttpContent && collecting == r) {
            collecting = null;
            dispatch(r);
        }
    }

    private void dispatch(RouteRequest r) {
        busy = true;
        try {
            executor.execute(() -> {
                A answer;
                try {
                    answer = handle(r);
                } catch (Throwable t) {
                    log.error("{} request {} failed", name, r, t);
                    answer = failure(r, Failure.INTERNAL);
                }
                deliver(r, answer);
            });
        } catch (RejectedExecutionException e) {
            log.warn("{} request {} refused: the blocking executor is saturated or shut down", name, r);
            answer(r, failure(r, Failure.BUSY));
        }
    }

    private void runOnLoop(Runnable task) {
        try {
            ctx.executor().execute(task);
        } catch (RejectedExecutionException shutDown) {
            log.debug("event loop gone before a {} answer could be written", name);
        }
    }

    /** Writes the answer to {@code r}, then carries on with requests that queued up meanwhile. */
    private void answer(RouteRequest r, A answer) {
        busy = false;
        boolean keepAlive = r.keepAlive();
        ChannelFuture f = ctx.writeAndFlush(toResponse(r, answer, keepAlive));
        if (!keepAlive) {
            closing = true;
            releaseQueued();
            f.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        drainQueued();
    }

    /** Answers and closes: used when the rest of the request cannot or should not be read. */
    private void answerAndClose(RouteRequest r, A answer) {
        busy = false;
        closing = true;
        releaseQueued();
        LingeringClose.closeAfter(ctx.writeAndFlush(toResponse(r, answer, false))); // the client may still be sending
    }

    private void closeNow() {
        closing = true;
        releaseQueued();
        ctx.close();
    }

    private void enqueue(Object msg) {
        if (queued == null) {
            queued = new ArrayDeque<>(4);
        }
        if (msg instanceof HttpContent) {
            queuedBytes += ((HttpContent) msg).content().readableBytes();
        }
        queued.add(msg);
        if (queuedBytes > maxBodyBytes || queued.size() > MAX_QUEUED_MESSAGES) {
            // More than one body's worth pipelined behind an unanswered request: not a real client.
            log.debug("closing {}: too much pipelined data", ctx.channel());
            closeNow();
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
            return; // not idle: a request is being served
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
            log.debug("client connection {} failed during a {} request: {}", ctx.channel(), name, cause.toString());
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
        return address == null ? null : address.toString();
    }
}
