package dev.llmproxy.examples.embed;

import dev.llmproxy.core.LlmProxy;
import dev.llmproxy.core.route.ProviderConfig;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Example 1: the proxy inside an application's own Netty server.
 *
 * <p>The application keeps its routes ({@code /hello} here) and mounts the LLM proxy on
 * {@code /v1/*} by adding {@link LlmProxy#newProxyHandler()} right after the
 * {@link HttpServerCodec}. Requests the proxy does not own pass through it untouched to the
 * application's handlers, which may aggregate as they like. No proxy server is started: the
 * {@link LlmProxy} only supplies handlers.
 *
 * <pre>
 *   java -cp ... dev.llmproxy.examples.embed.EmbeddedNettyServer 8080 https://api.openai.com
 *   curl localhost:8080/hello
 *   curl localhost:8080/v1/models -H "Authorization: Bearer $OPENAI_API_KEY"
 * </pre>
 */
public final class EmbeddedNettyServer implements AutoCloseable {

    private final LlmProxy proxy;
    private final EventLoopGroup group;
    private final Channel serverChannel;

    public EmbeddedNettyServer(int port, URI upstream) {
        // Built, not started: the host application owns the server and the event loops.
        proxy = LlmProxy.builder().provider(ProviderConfig.openAi(upstream)).build();
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        serverChannel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec());
                        ch.pipeline().addLast(proxy.newProxyHandler());          // /v1/* goes upstream
                        ch.pipeline().addLast(new HttpObjectAggregator(64 * 1024)); // the host's own stack
                        ch.pipeline().addLast(new HelloHandler());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", port))
                .syncUninterruptibly()
                .channel();
    }

    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        proxy.engine().close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** The host application's own route. */
    static final class HelloHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            boolean hello = request.uri().equals("/hello");
            ByteBuf body = Unpooled.copiedBuffer(hello ? "hello from the host application\n" : "not found\n",
                    StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    hello ? HttpResponseStatus.OK : HttpResponseStatus.NOT_FOUND, body);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpUtil.setKeepAlive(response, keepAlive);
            if (keepAlive) {
                ctx.writeAndFlush(response);
            } else {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        URI upstream = URI.create(args.length > 1 ? args[1] : "https://api.openai.com");
        EmbeddedNettyServer server = new EmbeddedNettyServer(port, upstream);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        System.out.println("listening on http://127.0.0.1:" + server.port() + " (routes: /hello, /v1/*)");
        Thread.currentThread().join();
    }
}
