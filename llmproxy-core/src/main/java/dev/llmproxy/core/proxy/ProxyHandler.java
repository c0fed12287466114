package dev.llmproxy.core.proxy;

import dev.llmproxy.core.ProxyError;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;

/**
 * Client-side handler of the proxy: takes decoded HTTP requests for the proxied path prefix
 * ({@code /v1/} by default), forwards them to the upstream and streams the answer back. Requests
 * outside the prefix are passed unchanged to the next handler, so the proxy can share a Netty
 * server with an application's own routes.
 *
 * <pre>
 *   client ─▶ HttpServerCodec ─▶ ProxyHandler ─▶ (next handler: health, management, host routes)
 *                                  │      ▲
 *                       request    ▼      │ response, chunk by chunk
 *                       upstream: [TLS] ─▶ HttpClientCodec ─▶ UpstreamHandler
 * </pre>
 *
 * <p><b>Placement:</b> after an {@code HttpServerCodec}; no {@code HttpObjectAggregator} in front
 * (this handler bounds and aggregates request bodies itself, and must see response streaming).
 * One instance per client channel: it is stateful and not {@code @Sharable}.
 *
 * <p><b>Threading:</b> every callback, including those for the upstream connection, runs on the
 * client channel's event loop, because upstream connections are opened on that loop.
 *
 * <p><b>Backpressure:</b> response chunks are written as they arrive and flushed at the end of each
 * upstream read; when the client channel stops being writable the upstream channel's
 * {@code autoRead} is switched off, and switched on again by {@link #channelWritabilityChanged}.
 * The client channel keeps reading so that a disconnect is seen at once and cancels the upstream
 * request; HTTP/1.1 pipelined requests that arrive meanwhile are queued and served in order.
 */
public final class ProxyHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ProxyHandler.class);

    final ProxyEngine engine;
    ChannelHandlerContext ctx;

    /** The request being served, from its head until its response is fully written. */
    private ProxyExchange exchange;
    /** True while the messages of a non-proxied request are being passed to the next handler. */
    private boolean passingThrough;
    /** Pipelined messages that arrived while an exchange was still answering. */
    private ArrayDeque<Object> pipelined;
    private long pipelinedBytes;
    private boolean draining;

    ProxyHandler(ProxyEngine engine) {
        this.engine = engine;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (pipelined != null && !pipelined.isEmpty() && !draining
                || exchange != null && exchange.requestComplete()) {
            enqueuePipelined(msg);
            return;
        }
        if (passingThrough) {
            if (msg instanceof LastHttpContent) {
                passingThrough = false;
            }
            ctx.fireChannelRead(msg);
            return;
        }
        if (msg instanceof HttpRequest) {
            onRequestHead((HttpRequest) msg);
        } else if (msg instanceof HttpContent) {
            ProxyExchange ex = exchange;
            if (((HttpContent) msg).decoderResult().isFailure()) {
                // A malformed body (e.g. a bad chunk size): the decoder discards everything after it,
                // so the connection is of no further use. Answer if the request is still ours, then close.
                ReferenceCountUtil.release(msg);
                if (ex != null) {
                    ex.onMalformedContent();
                } else {
                    ctx.close();
                }
                return;
            }
            if (ex == null) {
                ReferenceCountUtil.release(msg); // rest of a request we already answered
            } else {
                ex.onRequestContent((HttpContent) msg);
            }
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private void onRequestHead(HttpRequest request) {
        DecoderResult result = request.decoderResult();
        if (result.isFailure()) {
            ReferenceCountUtil.release(request);
            rejectMalformed(result.cause());
            return;
        }
        String path = RequestTargets.rawPath(request.uri());
        if (path == null || !path.startsWith(engine.pathPrefix)) {
            passingThrough = !(request instanceof LastHttpContent);
            ctx.fireChannelRead(request);
            return;
        }
        exchange = new ProxyExchange(this, request, path);
        exchange.onRequestHead();
    }

    private void rejectMalformed(Throwable cause) {
        ProxyError error = ProxyError.BAD_REQUEST;
        String message = "Malformed HTTP request";
        if (cause instanceof TooLongHttpLineException) {
            error = ProxyError.URI_TOO_LONG;
            message = "Request line is too long";
        } else if (cause instanceof TooLongHttpHeaderException) {
            error = ProxyError.HEADERS_TOO_LARGE;
            message = "Request headers are too large";
        } else if (cause instanceof TooLongFrameException) {
            error = ProxyError.HEADERS_TOO_LARGE;
        } else if (cause != null && cause.getMessage() != null) {
            message = "Malformed HTTP request: " + cause.getMessage();
        }
        // The decoder cannot resync after a failure, so the connection is closed.
        FullHttpResponse response = ErrorResponses.of(ctx.alloc(), error, message, RequestIds.next());
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        LingeringClose.closeAfter(ctx.writeAndFlush(response));
    }

    private void enqueuePipelined(Object msg) {
        if (pipelined == null) {
            pipelined = new ArrayDeque<>(4);
        }
        if (msg instanceof HttpContent) {
            pipelinedBytes += ((HttpContent) msg).content().readableBytes();
        }
        if (pipelinedBytes > engine.settings.maxRequestBodyBytes()) {
            // A client pipelining more than one request body's worth is abusing the connection.
            ReferenceCountUtil.release(msg);
            log.debug("closing {}: too much pipelined data", ctx.channel());
            ctx.close();
            return;
        }
        pipelined.add(msg);
    }

    /** Called by the exchange once its response has been completely handed to the client. */
    void exchangeFinished(ProxyExchange finished) {
        if (exchange == finished) {
            exchange = null;
        }
        drainPipelined();
    }

    private void drainPipelined() {
        if (pipelined == null || draining) {
            return;
        }
        draining = true;
        try {
            Object msg;
            while (exchange == null || !exchange.requestComplete()) {
                msg = pipelined.poll();
                if (msg == null) {
                    break;
                }
                if (msg instanceof HttpContent) {
                    pipelinedBytes -= ((HttpContent) msg).content().readableBytes();
                }
                channelRead(ctx, msg);
                if (!ctx.channel().isActive()) {
                    break;
                }
            }
        } finally {
            draining = false;
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ProxyExchange ex = exchange;
        if (ex != null && ctx.channel().isWritable()) {
            ex.resumeUpstreamReads();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && exchange != null && ctx.channel().isWritable()) {
            return; // not idle: a request is in flight (e.g. a long generation that has not started)
        }
        // Idle with an answer stuck in the outbound buffer: the client stopped reading, and the
        // upstream is held paused for it. The next handler closes the connection.
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ProxyExchange ex = exchange;
        exchange = null;
        if (ex != null) {
            ex.clientGone();
        }
        releasePipelined();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        ProxyExchange ex = exchange;
        exchange = null;
        if (ex != null) {
            ex.clientGone();
        }
        releasePipelined();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (exchange != null || passingThrough) {
            log.debug("client connection {} failed: {}", ctx.channel(), cause.toString());
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private void releasePipelined() {
        if (pipelined != null) {
            Object msg;
            while ((msg = pipelined.poll()) != null) {
                ReferenceCountUtil.release(msg);
            }
            pipelinedBytes = 0;
        }
    }
}
