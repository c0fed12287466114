package dev.llmproxy.bench.harness;

import dev.llmproxy.core.proxy.Transports;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The streaming lane's upstream: answers every request with an OpenAI chat-completion SSE stream of
 * {@code --chunks} content deltas, {@code --interval-ms} apart (the first right after the headers),
 * then a usage chunk and {@code data: [DONE]}. A request header {@code X-Bench-Chunks: N} asks for
 * N content deltas instead (0 to 64 × {@code --chunks}): the harness warms the proxy's request
 * path with thousands of short streams without waiting 1.3 s for each. Chunks are pre-encoded and sent as read-only
 * slices of one shared buffer, and timing is by the event loop's scheduler, so the mock costs far
 * less than what it feeds. Thousands of concurrent streams are fine: nothing blocks.
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.llmproxy.bench.harness.SseUpstream --port 0 --chunks 64 --interval-ms 20</pre>
 *
 * Prints {@code listening on 127.0.0.1:PORT} once bound; runs until killed.
 */
public final class SseUpstream {

    private SseUpstream() {
    }

    public static void main(String[] args) throws Exception {
        int port = 0;
        int chunks = 64;
        int intervalMs = 20;
        int threads = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--chunks" -> chunks = Integer.parseInt(args[++i]);
                case "--interval-ms" -> intervalMs = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: SseUpstream [--port N] [--chunks N] [--interval-ms N] [--threads N]");
                    System.exit(2);
                }
            }
        }
        EventLoopGroup group = Transports.newEventLoopGroup(threads, "sse-upstream");
        Stream stream = new Stream(chunks, intervalMs);
        Channel server = new ServerBootstrap().group(group).channel(Transports.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                                new Handler(stream));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
        InetSocketAddress bound = (InetSocketAddress) server.localAddress();
        System.out.println("listening on 127.0.0.1:" + bound.getPort());
        System.out.flush();
        server.closeFuture().sync();
    }

    /** The pre-encoded events of one answer. */
    static final class Stream {
        final int chunks;
        final int intervalMs;
        final ByteBuf role;
        final ByteBuf content;
        final ByteBuf tail;

        Stream(int chunks, int intervalMs) {
            this.chunks = chunks;
            this.intervalMs = intervalMs;
            String prefix = "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                    + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":";
            role = constant(prefix + "{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n");
            content = constant(prefix + "{\"content\":\"token \"},\"finish_reason\":null}]}\n\n");
            tail = constant(prefix + "{},\"finish_reason\":\"stop\"}]}\n\n"
                    + "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                    + "\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":"
                    + chunks + ",\"total_tokens\":" + (9 + chunks) + "}}\n\ndata: [DONE]\n\n");
        }

        private static ByteBuf constant(String s) {
            return Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes(s.getBytes(StandardCharsets.UTF_8)))
                    .asReadOnly();
        }
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Stream stream;

        Handler(Stream stream) {
            this.stream = stream;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream")
                    .set(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                    .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            ctx.write(head, ctx.voidPromise());
            ctx.writeAndFlush(new DefaultHttpContent(stream.role.duplicate()), ctx.voidPromise());
            send(ctx, 0, chunks(request));
        }

        private int chunks(FullHttpRequest request) {
            String asked = request.headers().get("X-Bench-Chunks");
            if (asked == null) {
                return stream.chunks;
            }
            try {
                return Math.max(0, Math.min(64 * stream.chunks, Integer.parseInt(asked.trim())));
            } catch (NumberFormatException e) {
                return stream.chunks;
            }
        }

        private void send(ChannelHandlerContext ctx, int sent, int total) {
            if (!ctx.channel().isActive()) {
                return;
            }
            if (sent == total) {
                ctx.write(new DefaultHttpContent(stream.tail.duplicate()), ctx.voidPromise());
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
                return;
            }
            ctx.writeAndFlush(new DefaultHttpContent(stream.content.duplicate()), ctx.voidPromise());
            ctx.executor().schedule(() -> send(ctx, sent + 1, total), stream.intervalMs, TimeUnit.MILLISECONDS);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
