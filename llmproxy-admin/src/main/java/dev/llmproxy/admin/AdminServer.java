package dev.llmproxy.admin;

import dev.llmproxy.core.proxy.Transports;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A standalone HTTP server for the admin UI alone ({@code llm-proxy admin}): {@code /admin/*} is
 * the UI, {@code /} redirects there, {@code /health} answers {@code ok}, anything else is 404.
 * Idle connections close after 120 s. Start once, close once.
 */
public final class AdminServer implements AutoCloseable {

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel channel;

    private AdminServer(EventLoopGroup boss, EventLoopGroup workers, Channel channel) {
        this.boss = boss;
        this.workers = workers;
        this.channel = channel;
    }

    /**
     * Binds {@code address} and returns once it accepts connections.
     *
     * @throws IllegalStateException naming the address when it cannot be bound
     */
    public static AdminServer start(AdminUi ui, InetSocketAddress address) {
        EventLoopGroup boss = Transports.newEventLoopGroup(1, "llmproxy-admin-accept");
        EventLoopGroup workers = Transports.newEventLoopGroup(2, "llmproxy-admin-io");
        ServerBootstrap b = new ServerBootstrap().group(boss, workers).channel(Transports.serverChannelClass())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec())
                                .addLast(new IdleStateHandler(0, 0, 120, TimeUnit.SECONDS))
                                .addLast(ui.newHandler())
                                .addLast(new Fallback());
                    }
                });
        try {
            Channel ch = b.bind(address).syncUninterruptibly().channel();
            return new AdminServer(boss, workers, ch);
        } catch (Exception e) {
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IllegalStateException("cannot listen on " + address + ": " + e.getMessage(), e);
        }
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Everything that is not {@code /admin}: a redirect at {@code /}, {@code /health}, else 404. */
    private static final class Fallback extends ChannelInboundHandlerAdapter {
        private HttpRequest current;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest) {
                current = (HttpRequest) msg;
            }
            boolean last = msg instanceof LastHttpContent;
            ReferenceCountUtil.release(msg);
            if (!last || current == null) {
                return;
            }
            String uri = current.uri();
            FullHttpResponse r;
            if (uri.equals("/")) {
                r = response(HttpResponseStatus.SEE_OTHER, "");
                r.headers().set(HttpHeaderNames.LOCATION, AdminUi.PATH + "/");
            } else if (uri.equals("/health")) {
                r = response(HttpResponseStatus.OK, "ok\n");
            } else {
                r = response(HttpResponseStatus.NOT_FOUND, "Not found: the admin UI is at " + AdminUi.PATH + "/\n");
            }
            AdminHandler.SECURITY_HEADERS.forEach(r.headers()::set);
            boolean keepAlive = HttpUtil.isKeepAlive(current);
            current = null;
            if (keepAlive) {
                ctx.writeAndFlush(r);
            } else {
                ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
            }
        }

        private static FullHttpResponse response(HttpResponseStatus status, String text) {
            byte[] body = text.getBytes(StandardCharsets.UTF_8);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            return r;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                ctx.close();
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
