package dev.llmproxy.core.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * The last handler of an upstream connection's pipeline. While the connection serves an exchange
 * it relays the decoded response to that {@link ProxyExchange}; while it sits in the pool it only
 * watches for the upstream closing it or the idle timer expiring.
 *
 * <p>It also owns the two upstream timers, which replace any total time limit (a generation may
 * stream for minutes): the <em>response-header</em> timer, armed once the request is fully
 * written and cancelled by the response head, and the <em>idle-between-chunks</em> timer, which
 * fires when the body goes silent for too long. The idle timer is one scheduled task that
 * re-arms itself for the remaining time instead of being rescheduled per chunk, which keeps
 * streaming allocation-free.
 *
 * <p>Runs on the client channel's event loop; no field needs to be volatile.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {

    private final UpstreamPool.LoopPool pool;
    private final UpstreamTarget target;

    private ProxyExchange exchange;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;
    private long idleTimeoutNanos;
    private final IdleClock idle = new IdleClock();
    private boolean responseStarted;

    UpstreamHandler(UpstreamPool.LoopPool pool, UpstreamTarget target) {
        this.pool = pool;
        this.target = target;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Attaches this connection to {@code exchange}; the caller then writes the request. */
    void bind(ProxyExchange exchange) {
        this.exchange = exchange;
        this.responseStarted = false;
        idle.onResume(System.nanoTime());
        ctx.channel().config().setAutoRead(true);
    }

    /**
     * Stops reading the upstream because the client reads slower than the upstream writes; the
     * silence that follows is not the upstream's and does not count as idle.
     */
    void pauseReads() {
        if (!idle.paused()) {
            idle.onPause();
            ctx.channel().config().setAutoRead(false);
        }
    }

    /** Reads again (the client caught up); the idle interval restarts now. */
    void resumeReads() {
        if (idle.paused()) {
            idle.onResume(System.nanoTime());
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** Detaches from the exchange and cancels its timers; the caller pools or closes the channel. */
    void unbind() {
        exchange = null;
        cancelTimer();
    }

    /** Arms the response-header timer; called when the request has been fully written. */
    void armResponseHeaderTimeout(long timeoutNanos, long idleBetweenChunksNanos) {
        this.idleTimeoutNanos = idleBetweenChunksNanos;
        if (responseStarted) {
            return; // a fast upstream can answer before the write listener runs
        }
        cancelTimer();
        timer = ctx.executor().schedule(this::onResponseHeaderTimeout, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ProxyExchange ex = exchange;
        if (ex == null) {
            // Nothing is expected on an idle pooled connection; an unsolicited response means the
            // connection's framing can no longer be trusted.
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        if (msg instanceof HttpObject && ((HttpObject) msg).decoderResult().isFailure()) {
            Throwable cause = ((HttpObject) msg).decoderResult().cause();
            ReferenceCountUtil.release(msg);
            cancelTimer();
            ex.onUpstreamFailure(this, new UpstreamException("malformed upstream response: " + cause.getMessage(), cause));
            return;
        }
        idle.onRead(System.nanoTime());
        if (msg instanceof HttpResponse) {
            HttpResponse response = (HttpResponse) msg;
            if (response.status().codeClass() == io.netty.handler.codec.http.HttpStatusClass.INFORMATIONAL
                    && response.status().code() != 101) {
                // Interim 1xx (e.g. 100 Continue): not the real head; drop it and keep waiting.
                ReferenceCountUtil.release(msg);
                return;
            }
            responseStarted = true;
            cancelTimer();
            if (!(msg instanceof LastHttpContent)) {
                timer = ctx.executor().schedule(this::onIdleCheck, idleTimeoutNanos, TimeUnit.NANOSECONDS);
            }
            ex.onResponseHead(response);
        }
        if (msg instanceof HttpContent) {
            if (msg instanceof LastHttpContent) {
                cancelTimer();
            }
            ex.onResponseContent((HttpContent) msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ProxyExchange ex = exchange;
        if (ex != null) {
            ex.onResponseReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimer();
        ProxyExchange ex = exchange;
        if (ex != null) {
            exchange = null;
            ex.onUpstreamFailure(this, new UpstreamException(responseStarted
                    ? "upstream closed the connection before the response ended"
                    : "upstream closed the connection before responding", null));
        } else {
            pool.remove(target, ctx.channel());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && exchange == null) {
            ctx.close(); // pooled too long
            return;
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ProxyExchange ex = exchange;
        cancelTimer();
        if (ex != null) {
            exchange = null;
            ex.onUpstreamFailure(this, new UpstreamException("upstream connection failed: " + cause.getMessage(), cause));
        }
        ctx.close();
    }

    boolean responseStarted() {
        return responseStarted;
    }

    UpstreamPool.LoopPool pool() {
        return pool;
    }

    UpstreamTarget target() {
        return target;
    }

    private void onResponseHeaderTimeout() {
        timer = null;
        ProxyExchange ex = exchange;
        if (ex != null && !responseStarted) {
            exchange = null;
            ex.onUpstreamTimeout(this, "upstream sent no response headers within the response-header timeout");
        }
    }

    private void onIdleCheck() {
        timer = null;
        ProxyExchange ex = exchange;
        if (ex == null) {
            return;
        }
        long remaining = idle.remaining(System.nanoTime(), idleTimeoutNanos);
        if (remaining > 0) {
            timer = ctx.executor().schedule(this::onIdleCheck, remaining, TimeUnit.NANOSECONDS);
            return;
        }
        exchange = null;
        ex.onUpstreamTimeout(this, "upstream stream was idle longer than the idle-between-chunks timeout");
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
