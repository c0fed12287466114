package dev.llmproxy.core.proxy;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps HTTP/1.1 pipelining in order across every handler of a connection: a request is handed to
 * the handlers behind this one only after the response to the previous request has been written
 * completely (its last content). Without it, each handler (proxy, management API, health) queued
 * only behind its own work, so a pipelined {@code /v1} request could be answered before a
 * {@code /manage} request sent earlier on the same connection.
 *
 * <p>Placement: right after the HTTP codec (and the request head timeout), before every handler
 * that answers requests. The rest of the current request's body always passes through at once,
 * so a handler can answer early (e.g. 413) and still see the body it has to discard.
 *
 * <p>Bounds: at most {@link #MAX_QUEUED_REQUESTS} requests and {@code maxQueuedBytes} body bytes
 * wait here; a client pipelining more is closed. Interim ({@code 1xx}) responses do not end a
 * response. Confined to the channel's event loop.
 *
 * <p>In flight: every gate of a server can share one counter of requests being answered (from
 * being handed on until the last content of the answer has been written to the socket, or the
 * connection closed); graceful shutdown waits for it to reach zero.
 */
public final class PipeliningGate extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(PipeliningGate.class);

    /** Pipelined requests waiting behind the one being answered. */
    public static final int MAX_QUEUED_REQUESTS = 64;

    private final long maxQueuedBytes;
    private final AtomicInteger inFlight;
    private final ArrayDeque<Object> queued = new ArrayDeque<>(4);
    private int queuedRequests;
    private long queuedBytes;
    /** True from handing a request on until its response's last content is written. */
    private boolean answering;
    private boolean drainScheduled;
    private boolean closed;

    public PipeliningGate(long maxQueuedBytes) {
        this(maxQueuedBytes, new AtomicInteger());
    }

    /** @param inFlight shared count of requests being answered, across connections */
    public PipeliningGate(long maxQueuedBytes, AtomicInteger inFlight) {
        this.maxQueuedBytes = maxQueuedBytes;
        this.inFlight = inFlight;
    }

    private void startAnswering() {
        answering = true;
        inFlight.incrementAndGet();
    }

    private void stopAnswering() {
        if (answering) {
            answering = false;
            inFlight.decrementAndGet();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest) {
            if (answering || !queued.isEmpty()) {
                enqueue(ctx, msg);
                return;
            }
            startAnswering();
            ctx.fireChannelRead(msg);
        } else if (msg instanceof HttpContent && !queued.isEmpty()) {
            enqueue(ctx, msg); // body of a queued request
        } else {
            ctx.fireChannelRead(msg); // body of the request being answered
        }
    }

    private void enqueue(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            queuedRequests++;
        }
        if (msg instanceof HttpContent) {
            queuedBytes += ((HttpContent) msg).content().readableBytes();
        }
        queued.add(msg);
        if (queuedRequests > MAX_QUEUED_REQUESTS || queuedBytes > maxQueuedBytes) {
            log.debug("closing {}: too many pipelined requests ({}, {} bytes)", ctx.channel(), queuedRequests,
                    queuedBytes);
            closed = true;
            releaseQueued();
            ctx.close();
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof LastHttpContent && !(msg instanceof HttpResponse && isInterim((HttpResponse) msg))) {
            if (answering) {
                answering = false;
                // In flight until those bytes are on the wire, so a shutdown does not cut the tail off.
                if (promise.isVoid()) {
                    promise = promise.unvoid();
                }
                promise.addListener(f -> inFlight.decrementAndGet());
            }
            if (!queued.isEmpty() && !drainScheduled) {
                // After the current call stack: the handler writing this answer finishes its own
                // bookkeeping before it is handed the next request.
                drainScheduled = true;
                ctx.executor().execute(() -> {
                    drainScheduled = false;
                    drain(ctx);
                });
            }
        }
        ctx.write(msg, promise);
    }

    private static boolean isInterim(HttpResponse response) {
        return response.status().codeClass() == io.netty.handler.codec.http.HttpStatusClass.INFORMATIONAL;
    }

    /** Hands on the next queued request and its queued body, stopping at the request after it. */
    private void drain(ChannelHandlerContext ctx) {
        while (!answering && !closed && !queued.isEmpty()) {
            Object msg = queued.poll();
            if (msg instanceof HttpRequest) {
                queuedRequests--;
                startAnswering();
            }
            if (msg instanceof HttpContent) {
                queuedBytes -= ((HttpContent) msg).content().readableBytes();
            }
            ctx.fireChannelRead(msg);
            while (!closed && !queued.isEmpty() && !(queued.peek() instanceof HttpRequest)) {
                Object content = queued.poll();
                queuedBytes -= ((HttpContent) content).content().readableBytes();
                ctx.fireChannelRead(content);
            }
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        stopAnswering();
        releaseQueued();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stopAnswering();
        releaseQueued();
    }

    private void releaseQueued() {
        Object msg;
        while ((msg = queued.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
        queuedRequests = 0;
        queuedBytes = 0;
    }
}
