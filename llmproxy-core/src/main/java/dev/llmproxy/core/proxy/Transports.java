package dev.llmproxy.core.proxy;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Chooses the socket transport: native epoll when its library is on the class path and loads
 * (the server bundles it for Linux x86_64 and aarch64), NIO otherwise. Upstream connections use
 * the transport of the client channel they serve, because they are registered on that channel's
 * event loop and an epoll loop cannot drive an NIO channel (or the reverse).
 */
public final class Transports {

    private static final boolean EPOLL = epollUsable();

    private Transports() {
    }

    private static boolean epollUsable() {
        if (Boolean.getBoolean("llmproxy.noEpoll")) {
            return false;
        }
        try {
            return Epoll.isAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    /** True when the native epoll transport is in use for new event loop groups. */
    public static boolean epoll() {
        return EPOLL;
    }

    /** A new event loop group for the best available transport. */
    public static EventLoopGroup newEventLoopGroup(int threads, String name) {
        IoHandlerFactory factory = EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), factory);
    }

    /** The server socket channel class matching {@link #newEventLoopGroup}. */
    public static Class<? extends ServerChannel> serverChannelClass() {
        return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** The client socket channel class matching {@link #newEventLoopGroup}. */
    static Class<? extends SocketChannel> socketChannelClass() {
        return EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** The client socket channel class to open on the same event loop as {@code sibling}. */
    static Class<? extends SocketChannel> socketChannelClassFor(Channel sibling) {
        return sibling instanceof EpollSocketChannel ? EpollSocketChannel.class : NioSocketChannel.class;
    }
}
