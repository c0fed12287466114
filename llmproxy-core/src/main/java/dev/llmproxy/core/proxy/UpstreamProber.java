package dev.llmproxy.core.proxy;

import dev.llmproxy.core.route.UpstreamProbeConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLHandshakeException;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Active health probes: every {@link UpstreamProbeConfig#interval()} each upstream gets one
 * {@code GET /v1/models} (or the configured request) on a fresh connection, and the outcome feeds
 * its {@link CircuitBreaker} (see there for the exact rules) and {@link ProbeState}.
 *
 * <p>Runs entirely on one dedicated event loop thread ({@code llmproxy-probe}): connect, write,
 * read and the timeout are Netty events, nothing blocks, and no client event loop is used. A probe
 * connection is never pooled (it also tests that new connections can be made) and always closed.
 * The provider key is sent only with {@code send_api_key: true}. Start once, close once.
 */
final class UpstreamProber implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(UpstreamProber.class);

    private final UpstreamTarget[] targets;
    private final UpstreamProbeConfig config;
    private final String authorization;
    private final UpstreamTls tls;
    private final EventLoopGroup group;
    private final EventLoop loop;
    private final String userAgent;
    private final List<ScheduledFuture<?>> scheduled = new ArrayList<>();
    private volatile boolean closed;

    UpstreamProber(UpstreamTarget[] targets, UpstreamProbeConfig config, String apiKey, UpstreamTls tls,
                   String userAgent) {
        this.targets = targets;
        this.config = config;
        this.authorization = config.sendApiKey() && apiKey != null ? "Bearer " + apiKey : null;
        this.tls = tls;
        this.userAgent = userAgent;
        this.group = Transports.newEventLoopGroup(1, "llmproxy-probe");
        this.loop = group.next();
    }

    /** Schedules the first probe of each upstream, spread over a tenth of an interval. */
    void start() {
        long intervalMillis = config.interval().toMillis();
        loop.execute(() -> {
            for (UpstreamTarget t : targets) {
                long delay = ThreadLocalRandom.current().nextLong(Math.max(1, intervalMillis / 10));
                scheduled.add(loop.schedule(() -> probe(t), delay, TimeUnit.MILLISECONDS));
            }
        });
    }

    private void probe(UpstreamTarget target) {
        if (closed) {
            return;
        }
        new Attempt(target).run();
    }

    private void scheduleNext(UpstreamTarget target) {
        if (!closed) {
            loop.schedule(() -> probe(target), config.interval().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** One probe of one upstream; every method runs on {@link #loop}. */
    private final class Attempt extends ChannelInboundHandlerAdapter {
        private final UpstreamTarget target;
        private final long startNanos = System.nanoTime();
        private Channel channel;
        private ScheduledFuture<?> timeout;
        private int status;
        private boolean done;

        Attempt(UpstreamTarget target) {
            this.target = target;
        }

        void run() {
            long timeoutMillis = config.timeout().toMillis();
            Bootstrap b = new Bootstrap()
                    .group(loop)
                    .channel(Transports.socketChannelClass())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMillis))
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (target.secure) {
                                ch.pipeline().addLast(UpstreamPool.sslHandler(tls, ch, target));
                            }
                            ch.pipeline().addLast(new HttpClientCodec(4096, 16 * 1024, 16 * 1024), Attempt.this);
                        }
                    });
            timeout = loop.schedule(() -> finish(0, "timed out after " + timeoutMillis + " ms"),
                    timeoutMillis, TimeUnit.MILLISECONDS);
            ChannelFuture f = b.connect(target.host, target.port);
            channel = f.channel();
            f.addListener(cf -> {
                if (!cf.isSuccess()) {
                    finish(0, describe(cf.cause(), "connect failed"));
                    return;
                }
                FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1,
                        HttpMethod.valueOf(config.method()), config.path(), Unpooled.EMPTY_BUFFER);
                request.headers().set(HttpHeaderNames.HOST, target.hostHeader)
                        .set(HttpHeaderNames.USER_AGENT, userAgent)
                        .set(HttpHeaderNames.ACCEPT, "*/*")
                        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
                if (authorization != null) {
                    request.headers().set(HttpHeaderNames.AUTHORIZATION, authorization);
                }
                channel.writeAndFlush(request).addListener(wf -> {
                    if (!wf.isSuccess()) {
                        finish(0, describe(wf.cause(), "request could not be sent"));
                    }
                });
            });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpResponse r) {
                    status = r.status().code();
                }
                if (msg instanceof LastHttpContent && status != 0) {
                    // The whole (small) answer has been read: judge it by its status.
                    finish(status, config.healthy(status) ? null : "HTTP " + status);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (status != 0) {
                finish(status, config.healthy(status) ? null : "HTTP " + status);
            } else {
                finish(0, "connection closed before an answer");
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent e && !e.isSuccess()) {
                finish(0, "TLS handshake failed");
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            finish(status, describe(cause, "I/O error"));
        }

        /** Records the outcome once; {@code error} null means healthy. */
        private void finish(int answeredStatus, String error) {
            if (done) {
                return;
            }
            done = true;
            long latency = System.nanoTime() - startNanos;
            if (timeout != null) {
                timeout.cancel(false);
            }
            if (channel != null) {
                channel.close();
            }
            ProbeState p = target.probe;
            p.lastProbeAtMillis = System.currentTimeMillis();
            p.lastStatus = answeredStatus;
            p.lastLatencyNanos = latency;
            if (error == null) {
                p.lastProbeOk = true;
                p.lastError = null;
                p.consecutiveFailures = 0;
                p.successes.incrementAndGet();
                CircuitBreaker.State before = target.breaker.state();
                target.breaker.onProbeSuccess();
                if (before != CircuitBreaker.State.CLOSED) {
                    log.info("upstream {}: probe succeeded (HTTP {}), circuit closed", target, answeredStatus);
                }
            } else {
                p.lastProbeOk = false;
                p.lastError = error;
                int streak = ++p.consecutiveFailures;
                p.failures.incrementAndGet();
                CircuitBreaker.State before = target.breaker.state();
                target.breaker.onProbeFailure(System.nanoTime(), "probe: " + error, streak, config.failureThreshold());
                if (before != CircuitBreaker.State.OPEN && target.breaker.state() == CircuitBreaker.State.OPEN) {
                    log.warn("upstream {}: {} failed probe(s), last: {}; circuit open, traffic goes elsewhere",
                            target, streak, error);
                }
            }
            scheduleNext(target);
        }
    }

    private static String describe(Throwable cause, String fallback) {
        Throwable c = cause;
        while (c != null && c.getCause() != null && !(c instanceof ConnectException)
                && !(c instanceof SSLHandshakeException)) {
            c = c.getCause();
        }
        if (c instanceof io.netty.channel.ConnectTimeoutException) {
            return "connect timed out";
        }
        if (c instanceof ConnectException) {
            return "connect failed";
        }
        if (c instanceof SSLHandshakeException) {
            return "TLS handshake failed";
        }
        return fallback + (c == null ? "" : " (" + c.getClass().getSimpleName() + ")");
    }

    @Override
    public void close() {
        closed = true;
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
