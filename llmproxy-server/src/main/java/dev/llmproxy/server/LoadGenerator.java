package dev.llmproxy.server;

import dev.llmproxy.core.proxy.Transports;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.ScheduledFuture;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import javax.net.ssl.SSLException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The HTTP/1.1 load engine of {@code llm-proxy benchmark}: {@code concurrency} keep-alive
 * connections on Netty event loops (native epoll when available), each carrying one request at a
 * time, recording latencies in HdrHistograms (microseconds).
 *
 * <p><b>Closed loop</b> (no rate): each connection sends its next request as soon as the previous
 * answer is complete — maximum throughput, like wrk. <b>Open loop</b> ({@code rate > 0}): a
 * scheduler thread releases requests at fixed intended start times; a request that has to wait for
 * a free connection is timed from its intended start, so a stalled server cannot hide its stall
 * (no coordinated omission).
 *
 * <p>Per response it notes the status, {@code X-PROXY-CACHE} hits and the proxy's self-reported
 * {@code X-LLM-Proxy-Overhead-Us}; for bodies that arrive in several chunks (SSE) the time to the
 * first body byte and the gaps between chunks. Thread safety: counters are atomic; {@link #run}
 * is called once.
 */
final class LoadGenerator {

    /** What to send and how. {@code rate} ≤ 0 means closed loop. */
    record Plan(URI baseUrl, String endpoint, HttpMethod method, byte[] body, Map<String, String> headers,
                int requests, int warmup, int concurrency, double rate, Duration timeout, int threads,
                boolean keepSamples) {
    }

    /** A response kept for {@code --debug}: the first one of each status. */
    record Sample(int status, String responseHeaders, String body) {
    }

    private static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);

    private final Plan plan;
    private final String host;
    private final int port;
    private final String hostHeader;
    private final SslContext ssl;

    final Histogram latency = new ConcurrentHistogram(HIGHEST_MICROS, 3);
    final Histogram ttft = new ConcurrentHistogram(HIGHEST_MICROS, 3);
    final Histogram chunkGap = new ConcurrentHistogram(HIGHEST_MICROS, 3);
    final Histogram maxChunkGap = new ConcurrentHistogram(HIGHEST_MICROS, 3);
    final Histogram overhead = new ConcurrentHistogram(HIGHEST_MICROS, 3);
    final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    final Map<Integer, Sample> samples = new ConcurrentHashMap<>();
    final LongAdder cacheHits = new LongAdder();
    final LongAdder bytesRead = new LongAdder();
    final LongAdder chunks = new LongAdder();
    /** Requests finished (any outcome), warm-up excluded. */
    final AtomicInteger completed = new AtomicInteger();
    long measuredNanos;

    /** Next request number to hand out (0-based, warm-up first); ≥ total means none left. */
    private final AtomicInteger issued = new AtomicInteger();
    private final int total;
    private final AtomicInteger finished = new AtomicInteger();
    private final CountDownLatch done = new CountDownLatch(1);
    private final CountDownLatch warmedUp = new CountDownLatch(1);
    private final ConcurrentLinkedQueue<Long> pending = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Worker> idle = new ConcurrentLinkedQueue<>();
    private final AtomicLong measureStart = new AtomicLong();
    private volatile boolean stopping;

    LoadGenerator(Plan plan) {
        this.plan = plan;
        this.total = plan.warmup() + plan.requests();
        URI base = plan.baseUrl();
        boolean https = "https".equalsIgnoreCase(base.getScheme());
        this.host = base.getHost();
        this.port = base.getPort() > 0 ? base.getPort() : https ? 443 : 80;
        this.hostHeader = base.getPort() > 0 ? host + ":" + base.getPort() : host;
        try {
            this.ssl = https ? SslContextBuilder.forClient().build() : null;
        } catch (SSLException e) {
            throw new IllegalStateException("TLS is not available: " + e.getMessage(), e);
        }
    }

    int total() {
        return total;
    }

    /** Requests finished so far, warm-up included (for the progress bar). */
    int finishedSoFar() {
        return finished.get();
    }

    /**
     * Runs the plan to the end. Throws {@link java.net.ConnectException}-wrapping
     * {@link IllegalStateException} when not a single connection could be opened.
     */
    void run() throws InterruptedException {
        EventLoopGroup group = Transports.newEventLoopGroup(plan.threads(), "benchmark");
        try {
            Bootstrap bootstrap = new Bootstrap().group(group)
                    .channel(Transports.epoll() ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (ssl != null) {
                                ch.pipeline().addLast(ssl.newHandler(ch.alloc(), host, port));
                            }
                            ch.pipeline().addLast(new HttpClientCodec(4096, 64 * 1024, 64 * 1024));
                        }
                    });
            Worker[] workers = new Worker[plan.concurrency()];
            Throwable connectFailure = null;
            for (int i = 0; i < workers.length; i++) {
                workers[i] = new Worker(bootstrap);
                ChannelFuture f = workers[i].connect().awaitUninterruptibly();
                if (!f.isSuccess()) {
                    connectFailure = f.cause();
                    break;
                }
            }
            if (connectFailure != null) {
                for (Worker w : workers) {
                    if (w != null && w.channel != null) {
                        w.channel.close();
                    }
                }
                throw new IllegalStateException("cannot connect to " + host + ":" + port + ": "
                        + (connectFailure.getMessage() == null ? connectFailure.toString() : connectFailure.getMessage()),
                        connectFailure);
            }
            if (plan.warmup() == 0) {
                measureStart.set(System.nanoTime());
                warmedUp.countDown();
            }
            if (plan.rate() > 0) {
                for (Worker w : workers) {
                    idle.add(w);
                }
                Thread scheduler = new Thread(this::releaseAtRate, "benchmark-rate");
                scheduler.setDaemon(true);
                scheduler.start();
            } else {
                for (Worker w : workers) {
                    w.channel.eventLoop().execute(w::next);
                }
            }
            done.await();
            measuredNanos = System.nanoTime() - measureStart.get();
            stopping = true;
            for (Worker w : workers) {
                w.channel.close();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }

    /**
     * Open loop: the warm-up requests first, unpaced (so that a client still warming up builds no
     * backlog that would be charged to the measured requests), then measured request {@code i} at
     * {@code start + i / rate}.
     */
    private void releaseAtRate() {
        for (int i = 0; i < plan.warmup(); i++) {
            pending.add(0L); // 0: timed from the actual send
        }
        Worker idleWorker;
        while ((idleWorker = idle.poll()) != null) {
            Worker w = idleWorker;
            w.channel.eventLoop().execute(w::next);
        }
        try {
            warmedUp.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        double intervalNanos = 1e9 / plan.rate();
        long start = System.nanoTime();
        measureStart.set(start);
        for (int i = 0; i < plan.requests() && !stopping; i++) {
            long intended = start + (long) (i * intervalNanos);
            long wait;
            while ((wait = intended - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            pending.add(intended);
            Worker w = idle.poll();
            if (w != null) {
                w.channel.eventLoop().execute(w::next);
            }
        }
    }

    private void onFinished(int index) {
        int n = finished.incrementAndGet();
        if (index >= plan.warmup()) {
            completed.incrementAndGet();
        }
        if (n == plan.warmup()) {
            measureStart.set(System.nanoTime());
            warmedUp.countDown();
        }
        if (n == total) {
            done.countDown();
        }
    }

    private static void record(Histogram h, long micros) {
        h.recordValue(Math.max(0, Math.min(HIGHEST_MICROS, micros)));
    }

    private void error(String kind) {
        errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    /** One connection, one request at a time; all its methods run on its event loop. */
    @ChannelHandler.Sharable // one channel at a time, but added again to each new connection
    private final class Worker extends SimpleChannelInboundHandler<HttpObject> {
        private final Bootstrap bootstrap;
        Channel channel;

        private int index = -1;
        private long startNanos;
        private long lastChunkNanos;
        private long maxGapNanos;
        private int chunkCount;
        private boolean closeAfter;
        private int status;
        private HttpHeaders responseHeaders;
        private StringBuilder sampleBody;
        private ScheduledFuture<?> timeout;

        Worker(Bootstrap bootstrap) {
            this.bootstrap = bootstrap;
        }

        ChannelFuture connect() {
            ChannelFuture f = bootstrap.connect(host, port);
            channel = f.channel();
            f.addListener((ChannelFuture cf) -> {
                if (cf.isSuccess()) {
                    cf.channel().pipeline().addLast(this);
                }
            });
            return f;
        }

        /** Takes the next request: closed loop from the counter, open loop from the pending queue. */
        void next() {
            if (stopping) {
                return;
            }
            long intended = 0;
            if (plan.rate() > 0) {
                Long t = pending.poll();
                if (t == null) {
                    idle.add(this);
                    // The scheduler may have queued one between our poll and our add.
                    if (!pending.isEmpty() && idle.remove(this)) {
                        next();
                    }
                    return;
                }
                intended = t;
            }
            int i = issued.getAndIncrement();
            if (i >= total) {
                return;
            }
            if (!channel.isActive()) {
                long origin = intended;
                connect().addListener((ChannelFuture f) -> {
                    if (f.isSuccess()) {
                        send(i, origin);
                    } else {
                        error("connect");
                        onFinished(i);
                        channel.eventLoop().schedule(this::next, 100, TimeUnit.MILLISECONDS);
                    }
                });
                return;
            }
            send(i, intended);
        }

        private void send(int i, long intended) {
            index = i;
            status = 0;
            chunkCount = 0;
            maxGapNanos = 0;
            closeAfter = false;
            responseHeaders = null;
            sampleBody = null;
            ByteBuf content = plan.body() == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(plan.body());
            FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, plan.method(),
                    plan.endpoint(), content);
            HttpHeaders h = request.headers();
            h.set(HttpHeaderNames.HOST, hostHeader);
            for (Map.Entry<String, String> e : plan.headers().entrySet()) {
                h.set(e.getKey(), e.getValue());
            }
            if (plan.body() != null) {
                h.setInt(HttpHeaderNames.CONTENT_LENGTH, plan.body().length);
            }
            startNanos = System.nanoTime();
            if (intended != 0) {
                startNanos = Math.min(startNanos, intended);
            }
            timeout = channel.eventLoop().schedule(this::timedOut, plan.timeout().toNanos(), TimeUnit.NANOSECONDS);
            channel.writeAndFlush(request).addListener((ChannelFuture f) -> {
                if (!f.isSuccess() && index == i) {
                    fail("send");
                }
            });
        }

        private void timedOut() {
            if (index >= 0) {
                fail("timeout");
            }
        }

        private void fail(String kind) {
            int i = index;
            index = -1;
            if (timeout != null) {
                timeout.cancel(false);
            }
            if (i >= plan.warmup()) {
                error(kind);
            }
            channel.close();
            onFinished(i);
            next();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (index < 0) {
                return; // a late answer to a request we gave up on
            }
            long now = System.nanoTime();
            if (msg instanceof HttpResponse) {
                HttpResponse r = (HttpResponse) msg;
                status = r.status().code();
                responseHeaders = r.headers();
                closeAfter = !HttpUtil.isKeepAlive(r);
                lastChunkNanos = now;
                if (plan.keepSamples() && !samples.containsKey(status)) {
                    sampleBody = new StringBuilder();
                }
            }
            if (msg instanceof HttpContent) {
                ByteBuf c = ((HttpContent) msg).content();
                int n = c.readableBytes();
                if (n > 0) {
                    bytesRead.add(n);
                    if (chunkCount == 0) {
                        if (index >= plan.warmup()) {
                            record(ttft, Math.max(0, (now - startNanos) / 1000));
                        }
                    } else {
                        long gap = now - lastChunkNanos;
                        maxGapNanos = Math.max(maxGapNanos, gap);
                        if (index >= plan.warmup()) {
                            record(chunkGap, gap / 1000);
                        }
                    }
                    chunkCount++;
                    lastChunkNanos = now;
                    if (sampleBody != null && sampleBody.length() < 4096) {
                        sampleBody.append(c.toString(c.readerIndex(), Math.min(n, 4096 - sampleBody.length()),
                                StandardCharsets.UTF_8));
                    }
                }
                if (msg instanceof LastHttpContent) {
                    complete(now);
                }
            }
        }

        private void complete(long now) {
            int i = index;
            index = -1;
            timeout.cancel(false);
            if (i >= plan.warmup()) {
                record(latency, Math.max(0, (now - startNanos) / 1000));
                statuses.computeIfAbsent(status, k -> new LongAdder()).increment();
                if (chunkCount > 1) {
                    record(maxChunkGap, maxGapNanos / 1000);
                    chunks.add(chunkCount);
                }
                String cache = responseHeaders.get("X-PROXY-CACHE");
                if (cache != null && (cache.equalsIgnoreCase("hit") || cache.equalsIgnoreCase("conditional-hit"))) {
                    cacheHits.increment();
                }
                String overheadUs = responseHeaders.get("X-LLM-Proxy-Overhead-Us");
                if (overheadUs != null) {
                    try {
                        record(overhead, Long.parseLong(overheadUs.trim()));
                    } catch (NumberFormatException | ArrayIndexOutOfBoundsException ignored) {
                        // not ours, or absurd: leave it out
                    }
                }
                if (sampleBody != null) {
                    StringBuilder head = new StringBuilder();
                    responseHeaders.forEach(e -> head.append(e.getKey()).append(": ").append(e.getValue()).append('\n'));
                    samples.putIfAbsent(status, new Sample(status, head.toString(), sampleBody.toString()));
                }
            }
            sampleBody = null;
            if (closeAfter) {
                channel.close();
            }
            onFinished(i);
            next();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (ctx.channel() == channel && index >= 0 && !stopping) {
                fail("connection closed");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (ctx.channel() == channel && index >= 0 && !stopping) {
                fail("io: " + cause.getClass().getSimpleName());
            } else {
                ctx.close();
            }
        }
    }
}
