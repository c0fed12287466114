package dev.llmproxy.core.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection after an error answer without destroying that answer.
 *
 * <p>When the proxy refuses a request while the client is still sending it (413 for a body over the
 * limit, 400 for broken framing), closing the socket at once with unread bytes in its receive buffer
 * makes the kernel send a TCP reset. The reset can overtake the answer, and the client then sees
 * "connection reset" instead of the 413. Like nginx's {@code lingering_close}, the answer is written,
 * the write side is shut down (the client reads the answer and then end-of-stream), and the rest of
 * what the client sends is read and thrown away — for at most {@link #MAX_LINGER_MILLIS} ms and
 * {@link #MAX_DISCARD_BYTES} bytes — before the connection is closed. Nothing of the discarded input
 * reaches any handler.
 */
public final class LingeringClose {

    /** Longest time a refused connection is kept open to drain the client's input. */
    public static final long MAX_LINGER_MILLIS = 2_000;
    /** Most bytes read and discarded from a refused connection before it is closed anyway. */
    public static final long MAX_DISCARD_BYTES = 8L * 1024 * 1024;

    private LingeringClose() {
    }

    /** Once {@code written} completes, shuts the write side, drains the client's input a little, then closes. */
    public static void closeAfter(ChannelFuture written) {
        written.addListener(f -> linger(written.channel()));
    }

    private static void linger(Channel ch) {
        if (!(ch instanceof DuplexChannel) || !ch.isActive() || ch.pipeline().get(Discarder.class) != null) {
            ch.close();
            return;
        }
        ch.pipeline().addFirst(new Discarder());
        ch.config().setAutoRead(true);
        ch.eventLoop().schedule(() -> ch.close(), MAX_LINGER_MILLIS, TimeUnit.MILLISECONDS);
        ((DuplexChannel) ch).shutdownOutput().addListener(f -> {
            if (!f.isSuccess()) {
                ch.close();
            }
        });
    }

    /** First in the pipeline: consumes every inbound byte so that no handler sees more requests. */
    private static final class Discarder extends ChannelInboundHandlerAdapter {
        private long discarded;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf) {
                discarded += ((ByteBuf) msg).readableBytes();
            }
            ReferenceCountUtil.release(msg);
            if (discarded > MAX_DISCARD_BYTES) {
                ctx.close();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            ReferenceCountUtil.release(evt);
            if (evt instanceof ChannelInputShutdownEvent) {
                ctx.close(); // the client finished sending: nothing more to wait for
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset while draining: the answer was already written
        }
    }
}
