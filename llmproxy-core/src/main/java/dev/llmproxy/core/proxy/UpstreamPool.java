package dev.llmproxy.core.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive HTTP/1.1 connections to the upstreams, pooled <b>per event loop</b>.
 *
 * <p>An upstream connection is always opened on the event loop of the client channel it serves,
 * so the whole exchange runs on one thread and needs no locks. The pool mirrors that: each event
 * loop owns a {@link LoopPool} that only its own thread touches (plain {@link HashMap} and
 * {@link ArrayDeque}, LIFO so the warmest connection is reused). Idle connections carry an
 * {@link IdleStateHandler} and are closed after the configured idle time.
 */
final class UpstreamPool {

    static final String SSL = "upstream-ssl";
    static final String CODEC = "upstream-codec";
    static final String POOL_IDLE = "upstream-pool-idle";
    static final String HANDLER = "upstream-handler";

    private final UpstreamTls tls;
    private final Duration connectTimeout;
    private final Duration poolIdle;
    private final int maxIdlePerTarget;
    private final int maxResponseChunkBytes;
    private final ConcurrentHashMap<EventLoop, LoopPool> pools = new ConcurrentHashMap<>();

    UpstreamPool(UpstreamTls tls, Duration connectTimeout, Duration poolIdle, int maxIdlePerTarget,
                 int maxResponseChunkBytes) {
        this.tls = tls;
        this.connectTimeout = connectTimeout;
        this.poolIdle = poolIdle;
        this.maxIdlePerTarget = maxIdlePerTarget;
        this.maxResponseChunkBytes = maxResponseChunkBytes;
    }

    /** The pool owned by {@code loop}; only ever used from that loop. */
    LoopPool forLoop(EventLoop loop) {
        LoopPool pool = pools.get(loop); // plain get first: the common case takes no lock
        if (pool == null) {
            pool = pools.computeIfAbsent(loop, LoopPool::new);
        }
        return pool;
    }

    /** Closes every pooled connection (used at shutdown). */
    void closeAll() {
        for (LoopPool pool : pools.values()) {
            pool.loop.execute(pool::closeIdle);
        }
    }

    /** Number of idle pooled connections across all loops (approximate; for tests and metrics). */
    int idleCount() {
        int n = 0;
        for (LoopPool pool : pools.values()) {
            n += pool.idleCountApprox;
        }
        return n;
    }

    /**
     * TLS for a connection to {@code target}: SNI with the peer host, hostname verification by
     * HTTPS endpoint identification. Shared by pooled connections and health probes.
     */
    static SslHandler sslHandler(UpstreamTls tls, Channel ch, UpstreamTarget target) {
        SSLEngine engine = tls.get().newEngine(ch.alloc(), target.host, target.port);
        SSLParameters params = engine.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        if (!target.ipLiteral) {
            // Explicit: the JDK only sends SNI on its own for dotted names.
            params.setServerNames(List.of(new SNIHostName(target.host)));
        }
        engine.setSSLParameters(params);
        return new SslHandler(engine);
    }

    final class LoopPool {
        final EventLoop loop;
        private final Map<String, ArrayDeque<Channel>> idle = new HashMap<>();
        private volatile int idleCountApprox;

        LoopPool(EventLoop loop) {
            this.loop = loop;
        }

        /** A live idle connection to {@code target}, or null; removes its idle guard. */
        Channel poll(UpstreamTarget target) {
            assert loop.inEventLoop();
            ArrayDeque<Channel> deque = idle.get(target.key);
            if (deque == null) {
                return null;
            }
            Channel ch;
            while ((ch = deque.pollLast()) != null) {
                idleCountApprox--;
                if (ch.isActive()) {
                    ch.pipeline().remove(POOL_IDLE);
                    return ch;
                }
            }
            return null;
        }

        /** Returns a connection whose last exchange ended cleanly; closes it if the pool is full. */
        void release(UpstreamTarget target, Channel ch) {
            assert loop.inEventLoop();
            if (!ch.isActive()) {
                return;
            }
            ArrayDeque<Channel> deque = idle.computeIfAbsent(target.key, k -> new ArrayDeque<>());
            if (deque.size() >= maxIdlePerTarget) {
                ch.close();
                return;
            }
            // Read while idle so a close by the upstream is noticed at once, not on next use.
            ch.config().setAutoRead(true);
            ch.pipeline().addBefore(HANDLER, POOL_IDLE,
                    new IdleStateHandler(0, 0, poolIdle.toMillis(), TimeUnit.MILLISECONDS));
            deque.addLast(ch);
            idleCountApprox++;
        }

        /** Forgets a pooled connection that closed while idle. */
        void remove(UpstreamTarget target, Channel ch) {
            ArrayDeque<Channel> deque = idle.get(target.key);
            if (deque != null && deque.remove(ch)) {
                idleCountApprox--;
            }
        }

        /** Opens a new connection to {@code target} on this loop, matching the client's transport. */
        ChannelFuture connect(UpstreamTarget target, Channel client) {
            Bootstrap b = new Bootstrap()
                    .group(loop)
                    .channel(Transports.socketChannelClassFor(client))
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.SO_KEEPALIVE, true)
                    .option(ChannelOption.AUTO_READ, false)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ChannelPipeline p = ch.pipeline();
                            if (target.secure) {
                                p.addLast(SSL, sslHandler(tls, ch, target));
                            }
                            p.addLast(CODEC, new HttpClientCodec(4096, 64 * 1024, maxResponseChunkBytes));
                            p.addLast(HANDLER, new UpstreamHandler(LoopPool.this, target));
                        }
                    });
            return b.connect(target.host, target.port);
        }

        private void closeIdle() {
            List<Channel> all = new ArrayList<>();
            for (ArrayDeque<Channel> deque : idle.values()) {
                all.addAll(deque);
                deque.clear();
            }
            idleCountApprox = 0;
            for (Channel ch : all) {
                ch.close();
            }
        }
    }
}
