package dev.llmproxy.core.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose request head (request line and headers) does not arrive completely
 * within a deadline, counted from its first byte: the defence against slowloris, which sends a
 * header byte every few seconds and so never trips an idle timeout. Bodies are not covered here
 * (they are bounded by size, and a stalled body by the idle timeout).
 *
 * <p>One instance per connection, in two parts around the HTTP decoder:
 * {@link #beforeDecoder()} sees the raw bytes and starts the clock when a new head begins;
 * {@link #afterDecoder()} sees the decoded {@link HttpRequest} and stops it. The connection is
 * closed without an answer, as nginx's {@code client_header_timeout} does, since the client is
 * evidently not reading one. Confined to the channel's event loop; costs one timer per request.
 */
public final class RequestHeadTimeout {

    private static final Logger log = LoggerFactory.getLogger(RequestHeadTimeout.class);

    private final long timeoutNanos;
    private ScheduledFuture<?> timer;
    /** Between a request head and its last content: bytes read now are body, not a head. */
    private boolean inBody;

    public RequestHeadTimeout(Duration timeout) {
        if (timeout == null || timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("request head timeout must be positive, got " + timeout);
        }
        this.timeoutNanos = timeout.toNanos();
    }

    /** The part placed before the HTTP decoder. */
    public ChannelHandler beforeDecoder() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (!inBody && timer == null && msg instanceof ByteBuf && ((ByteBuf) msg).isReadable()) {
                    timer = ctx.executor().schedule(() -> {
                        timer = null;
                        log.debug("closing {}: request head not complete within {} ms", ctx.channel(),
                                TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
                        ctx.close();
                    }, timeoutNanos, TimeUnit.NANOSECONDS);
                }
                ctx.fireChannelRead(msg);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                cancel();
                ctx.fireChannelInactive();
            }

            @Override
            public void handlerRemoved(ChannelHandlerContext ctx) {
                cancel();
            }
        };
    }

    /** The part placed right after the HTTP decoder. */
    public ChannelHandler afterDecoder() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest) {
                    cancel();
                    inBody = !(msg instanceof LastHttpContent);
                } else if (msg instanceof LastHttpContent) {
                    inBody = false;
                }
                ctx.fireChannelRead(msg);
            }
        };
    }

    private void cancel() {
        ScheduledFuture<?> t = timer;
        timer = null;
        if (t != null) {
            t.cancel(false);
        }
    }
}
