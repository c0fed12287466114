package dev.llmproxy.core;

import dev.llmproxy.core.audit.AuditLogger;
import dev.llmproxy.core.auth.TokenService;
import dev.llmproxy.core.cache.ResponseCache;
import dev.llmproxy.core.cache.ResponseCacheConfig;
import dev.llmproxy.core.capture.WireCapture;
import dev.llmproxy.core.capture.WireCaptureConfig;
import dev.llmproxy.core.capture.WireCaptureMetrics;
import dev.llmproxy.core.health.HealthCheck;
import dev.llmproxy.core.health.HealthMonitor;
import dev.llmproxy.core.health.HealthReport;
import dev.llmproxy.core.health.LocalEndpointsHandler;
import dev.llmproxy.core.metrics.PrometheusMetrics;
import dev.llmproxy.core.usage.UsageWriter;
import dev.llmproxy.core.proxy.ProxyEngine;
import dev.llmproxy.core.proxy.PipeliningGate;
import dev.llmproxy.core.proxy.ProxyHandler;
import dev.llmproxy.core.proxy.RequestHeadTimeout;
import dev.llmproxy.core.proxy.Transports;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.eventbus.Event;
import dev.llmproxy.eventbus.EventBus;
import io.netty.bootstrap.ServerBootstrap;
import io.prometheus.client.CollectorRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The embeddable LLM proxy. Build one with {@link #builder()}, then either {@link #start()} its
 * own HTTP server, or add {@link #newProxyHandler()} to an existing Netty pipeline after an
 * {@code HttpServerCodec}:
 *
 * <pre>{@code
 * LlmProxy proxy = LlmProxy.builder()
 *         .listen(new InetSocketAddress("127.0.0.1", 8080))
 *         .provider(ProviderConfig.openAi(URI.create("https://api.openai.com")))
 *         .upstreamApiKey(System.getenv("OPENAI_API_KEY"))
 *         .build()
 *         .start();
 * ...
 * proxy.close();
 * }</pre>
 *
 * <p>The standalone server's pipeline is {@code RequestHeadTimeout → HttpServerCodec →
 * IdleStateHandler → PipeliningGate → ProxyHandler (/v1/*) → route handlers (e.g. /manage/*) →
 * LocalEndpointsHandler (/health, /ready, /live, 404)}. An embedder mounting {@link #newProxyHandler()}
 * next to its own handlers should put a {@link PipeliningGate} in front of them all, so pipelined
 * answers keep their order. Thread-safe;
 * start and stop at most once each.
 */
public final class LlmProxy implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LlmProxy.class);

    /** simpleclient is an optional dependency: metrics default to on only when it is present. */
    private static final boolean PROMETHEUS_ON_CLASSPATH = isPresent("io.prometheus.client.CollectorRegistry")
            && isPresent("io.prometheus.client.hotspot.StandardExports")
            && isPresent("io.prometheus.client.exporter.common.TextFormat");

    private static boolean isPresent(String className) {
        try {
            Class.forName(className, false, LlmProxy.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Version reported by {@code /health}. */
    public static final String VERSION = versionFromManifest();

    private final ProxySettings settings;
    private final ProxyEngine engine;
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private Channel serverChannel;
    private volatile boolean stopping;

    private final List<Supplier<ChannelHandler>> routes;
    private final PrometheusMetrics metrics;
    private Duration requestHeadTimeout = Builder.DEFAULT_REQUEST_HEAD_TIMEOUT;
    /** Requests being answered on the standalone server's connections; {@link #stop} waits for them. */
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Wire capture, owned by this proxy; null when off. */
    private final WireCapture wireCapture;
    private final HealthMonitor healthMonitor;
    private final HealthReport health;

    private LlmProxy(ProxySettings settings, EventBus eventBus, TokenService tokenService, AuditLogger audit,
                     List<Supplier<ChannelHandler>> routes, boolean metricsEnabled, BooleanSupplier readiness,
                     ResponseCache responseCache, ResponseCacheConfig responseCacheConfig,
                     WireCaptureConfig wireCaptureConfig, List<HealthCheck> healthChecks,
                     Duration healthCheckInterval) {
        this.settings = settings;
        this.routes = List.copyOf(routes);
        this.engine = new ProxyEngine(settings, eventBus, tokenService, audit);
        engine.responseCache(responseCache, responseCacheConfig);
        this.healthMonitor = new HealthMonitor(healthChecks, healthCheckInterval, HealthMonitor.DEFAULT_TIMEOUT);
        this.health = new HealthReport(healthMonitor, engine, eventBus, responseCacheConfig == null ? null : responseCache,
                responseCacheConfig == null ? null : responseCacheConfig.backend().configName(), () -> !stopping,
                readiness);
        if (metricsEnabled) {
            this.metrics = new PrometheusMetrics(new CollectorRegistry(true), settings.provider().name(),
                    eventBus == null ? null : eventBus::stats, responseCache == null ? null : responseCache::stats);
            metrics.upstreams(engine::upstreamHealth);
            metrics.components(healthMonitor::components);
            engine.metrics(metrics);
        } else {
            this.metrics = null;
        }
        this.wireCapture = wireCaptureConfig == null ? null : WireCapture.start(wireCaptureConfig);
        if (wireCapture != null) {
            engine.wireCapture(wireCapture);
            if (metrics != null) {
                WireCaptureMetrics.register(metrics.registry(), wireCapture::stats);
            }
        }
    }

    /** The wire capture of this proxy (its counters, {@code drain}), or null when off. */
    public WireCapture wireCapture() {
        return wireCapture;
    }

    /** What {@code /ready} and {@code /health/details} report. */
    public HealthReport health() {
        return health;
    }

    /** The metrics of this proxy, or null when disabled ({@link Builder#metrics(boolean)}). */
    public PrometheusMetrics metrics() {
        return metrics;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The frozen settings. */
    public ProxySettings settings() {
        return settings;
    }

    /**
     * A proxy handler for one client connection of a host application's own Netty server; place
     * it after an {@code HttpServerCodec}. Requests outside {@link ProxySettings#pathPrefix()}
     * are passed on to the host's next handler.
     */
    public ProxyHandler newProxyHandler() {
        return engine.newHandler();
    }

    /** The shared proxy engine (for metrics and tests). */
    public ProxyEngine engine() {
        return engine;
    }

    /**
     * Binds the standalone server and returns once it accepts connections.
     *
     * @throws IllegalStateException if already started, or when the address cannot be bound
     *                               (the message names the address)
     */
    public synchronized LlmProxy start() {
        if (bossGroup != null) {
            throw new IllegalStateException("already started");
        }
        // One event loop per core by default, as nginx runs one worker per core: the loops never
        // block, so more loops than cores only make the kernel time-slice them. Same c=32
        // throughput as twice the cores; fewer stalled streams when 512 SSE streams start at once
        // on 2 cores (docs/performance.md #23).
        int threads = settings.ioThreads() > 0 ? settings.ioThreads() : Runtime.getRuntime().availableProcessors();
        bossGroup = Transports.newEventLoopGroup(1, "llmproxy-accept");
        workerGroup = Transports.newEventLoopGroup(threads, "llmproxy-io");
        long idleMillis = settings.clientIdleTimeout().toMillis();
        ServerBootstrap b = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(Transports.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        RequestHeadTimeout headTimeout = new RequestHeadTimeout(requestHeadTimeout);
                        p.addLast("request-head-timeout", headTimeout.beforeDecoder());
                        p.addLast("http-codec", new HttpServerCodec(new HttpDecoderConfig()
                                .setMaxInitialLineLength(settings.maxInitialLineBytes())
                                .setMaxHeaderSize(settings.maxHeaderBytes())
                                .setMaxChunkSize(64 * 1024)));
                        p.addLast("request-head-done", headTimeout.afterDecoder());
                        p.addLast("client-idle", new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS));
                        // Answers leave in request order even when different handlers serve them.
                        p.addLast("pipelining", new PipeliningGate(settings.maxRequestBodyBytes(), inFlight));
                        p.addLast("proxy", engine.newHandler());
                        for (int i = 0; i < routes.size(); i++) {
                            p.addLast("routes-" + i, routes.get(i).get());
                        }
                        p.addLast("local-endpoints", new LocalEndpointsHandler(VERSION, health, metrics));
                    }
                });
        try {
            serverChannel = b.bind(settings.listenAddress()).syncUninterruptibly().channel();
        } catch (Exception e) {
            healthMonitor.close();
            bossGroup.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workerGroup.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            bossGroup = null;
            throw new IllegalStateException("cannot listen on " + settings.listenAddress() + ": " + e.getMessage(), e);
        }
        // Dependency checks start once listening and do not hold start-up back: /v1 serves at once,
        // and /ready reports not ready ("unknown") until their first round has answered.
        healthMonitor.startInBackground();
        engine.startProbes("llm-proxy/" + VERSION + " (health probe)");
        log.info("llm-proxy {} listening on {} ({} transport, {} I/O threads), upstream {} {}", VERSION,
                localAddress(), Transports.epoll() ? "epoll" : "nio", threads, settings.provider().name(),
                settings.provider().upstreams());
        return this;
    }

    /** The bound address (with the real port when 0 was requested). */
    public InetSocketAddress localAddress() {
        Channel ch = serverChannel;
        if (ch == null) {
            throw new IllegalStateException("not started");
        }
        return (InetSocketAddress) ch.localAddress();
    }

    /**
     * Graceful stop: stops accepting connections at once ({@code /ready} reports not ready), lets
     * requests in flight, streams included, finish for up to {@code grace}, then closes every
     * connection and shuts the event loops down. Completes when every thread has stopped; a
     * request still unfinished at the deadline is cut off (and logged).
     */
    public synchronized CompletableFuture<Void> stop(Duration grace) {
        stopping = true;
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (bossGroup == null) {
            engine.closeCompletions();
            closeWireCapture();
            done.complete(null);
            return done;
        }
        serverChannel.close().syncUninterruptibly();
        EventLoopGroup boss = bossGroup;
        EventLoopGroup workers = workerGroup;
        bossGroup = null;
        long deadline = System.nanoTime() + grace.toNanos();
        // Waiting happens off the caller's thread and off every event loop: the loops keep serving.
        Thread drainer = new Thread(() -> {
            awaitInFlight(deadline);
            engine.close();
            healthMonitor.close();
            Future<?> b = boss.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS);
            Future<?> w = workers.shutdownGracefully(0, 1000, TimeUnit.MILLISECONDS);
            w.addListener(x -> b.addListener(y -> {
                engine.closeCompletions(); // events and usage of the last exchanges, before the bus closes
                closeWireCapture(); // after the event loops: exchanges finishing in the drain are captured
                done.complete(null);
            }));
        }, "llmproxy-drain");
        drainer.setDaemon(true);
        drainer.start();
        return done;
    }

    /** Requests being answered right now on the standalone server (for graceful shutdown and tests). */
    public int requestsInFlight() {
        return inFlight.get();
    }

    private void awaitInFlight(long deadlineNanos) {
        int n = inFlight.get();
        if (n > 0) {
            log.info("waiting for {} request(s) in flight to finish (up to {} ms)", n,
                    Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
        }
        while (inFlight.get() > 0 && System.nanoTime() < deadlineNanos) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        n = inFlight.get();
        if (n > 0) {
            log.warn("shutdown deadline reached with {} request(s) still in flight; closing their connections", n);
        } else {
            log.debug("no requests in flight");
        }
    }

    private void closeWireCapture() {
        if (wireCapture != null) {
            wireCapture.close();
        }
    }

    /** Stops with a 5 second grace period and waits for it. */
    @Override
    public void close() {
        stop(Duration.ofSeconds(5)).join();
    }

    private static String versionFromManifest() {
        String v = LlmProxy.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }

    /**
     * Builds an {@link LlmProxy}. Every setter validates its argument at once and names the
     * problem; {@link #build()} can be called repeatedly and does not change the builder.
     *
     * <table>
     * <caption>Defaults</caption>
     * <tr><th>setting</th><th>default</th></tr>
     * <tr><td>listen</td><td>{@value #DEFAULT_PORT} on all interfaces</td></tr>
     * <tr><td>provider</td><td>built-in OpenAI profile at {@code https://api.openai.com}</td></tr>
     * <tr><td>maxRequestBodyBytes</td><td>{@value #DEFAULT_MAX_REQUEST_BODY_BYTES} (10 MiB)</td></tr>
     * <tr><td>maxHeaderBytes</td><td>{@value #DEFAULT_MAX_HEADER_BYTES}</td></tr>
     * <tr><td>maxInitialLineBytes</td><td>{@value #DEFAULT_MAX_INITIAL_LINE_BYTES}</td></tr>
     * <tr><td>clientIdleTimeout</td><td>120 s</td></tr>
     * <tr><td>requestHeadTimeout</td><td>30 s</td></tr>
     * <tr><td>ioThreads</td><td>0 = one per core</td></tr>
     * <tr><td>pathPrefix</td><td>{@code /v1/}</td></tr>
     * </table>
     */
    public static final class Builder {
        public static final int DEFAULT_PORT = 8080;
        public static final long DEFAULT_MAX_REQUEST_BODY_BYTES = 10L * 1024 * 1024;
        public static final int DEFAULT_MAX_HEADER_BYTES = 32 * 1024;
        public static final int DEFAULT_MAX_INITIAL_LINE_BYTES = 8 * 1024;
        public static final Duration DEFAULT_CLIENT_IDLE_TIMEOUT = Duration.ofSeconds(120);
        public static final Duration DEFAULT_REQUEST_HEAD_TIMEOUT = Duration.ofSeconds(30);

        private InetSocketAddress listen = new InetSocketAddress(DEFAULT_PORT);
        private ProviderConfig provider = ProviderConfig.openAi(ProviderConfig.DEFAULT_OPENAI_URL);
        private String upstreamApiKey;
        private String pathPrefix = "/v1/";
        private long maxRequestBodyBytes = DEFAULT_MAX_REQUEST_BODY_BYTES;
        private int maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES;
        private int maxInitialLineBytes = DEFAULT_MAX_INITIAL_LINE_BYTES;
        private Duration clientIdleTimeout = DEFAULT_CLIENT_IDLE_TIMEOUT;
        private Duration requestHeadTimeout = DEFAULT_REQUEST_HEAD_TIMEOUT;
        private int ioThreads;
        private int maxIdlePerUpstream = ProxyEngine.DEFAULT_MAX_IDLE_PER_UPSTREAM;
        private Path upstreamTrustedCertificates;
        private EventBus eventBus;
        private TokenService tokenService;
        private AuditLogger auditLogger;
        private final List<Supplier<ChannelHandler>> routes = new ArrayList<>();
        private boolean metricsEnabled = PROMETHEUS_ON_CLASSPATH;
        private BooleanSupplier readiness = () -> true;
        private ResponseCache responseCache;
        private ResponseCacheConfig responseCacheConfig;
        private UsageWriter usageWriter;
        private int eventMaxRequestBodyBytes = Event.DEFAULT_MAX_REQUEST_BODY_BYTES;
        private int eventMaxResponseBodyBytes = Event.DEFAULT_MAX_RESPONSE_BODY_BYTES;
        private WireCaptureConfig wireCaptureConfig;
        private final List<HealthCheck> healthChecks = new ArrayList<>();
        private Duration healthCheckInterval = HealthMonitor.DEFAULT_INTERVAL;

        private Builder() {
        }

        public Builder listen(InetSocketAddress address) {
            this.listen = Objects.requireNonNull(address, "listen address");
            return this;
        }

        public Builder listen(String host, int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0-65535, got " + port);
            }
            return listen(host == null || host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port));
        }

        public Builder provider(ProviderConfig provider) {
            this.provider = Objects.requireNonNull(provider, "provider");
            return this;
        }

        /** Shortcut: the built-in OpenAI profile pointed at {@code baseUrl}. */
        public Builder openAiBaseUrl(URI baseUrl) {
            return provider(ProviderConfig.openAi(baseUrl));
        }

        /** The key sent upstream; null forwards the client's own {@code Authorization} header. */
        public Builder upstreamApiKey(String key) {
            if (key != null && (key.isBlank() || key.chars().anyMatch(c -> c < 0x21 || c > 0x7e))) {
                throw new IllegalArgumentException("upstream API key must be non-empty printable ASCII without spaces");
            }
            this.upstreamApiKey = key;
            return this;
        }

        public Builder pathPrefix(String prefix) {
            if (prefix == null || !prefix.startsWith("/") || !prefix.endsWith("/")) {
                throw new IllegalArgumentException("path prefix must start and end with '/', got " + prefix);
            }
            this.pathPrefix = prefix;
            return this;
        }

        public Builder maxRequestBodyBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("max request body bytes must be >= 0, got " + bytes);
            }
            this.maxRequestBodyBytes = bytes;
            return this;
        }

        public Builder maxHeaderBytes(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("max header bytes must be >= 1024, got " + bytes);
            }
            this.maxHeaderBytes = bytes;
            return this;
        }

        public Builder maxInitialLineBytes(int bytes) {
            if (bytes < 256) {
                throw new IllegalArgumentException("max initial line bytes must be >= 256, got " + bytes);
            }
            this.maxInitialLineBytes = bytes;
            return this;
        }

        public Builder clientIdleTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("client idle timeout must be positive, got " + timeout);
            }
            this.clientIdleTimeout = timeout;
            return this;
        }

        /**
         * How long a request head (request line and headers) may take to arrive, from its first
         * byte; slower connections are closed (slowloris). See {@code RequestHeadTimeout}.
         */
        public Builder requestHeadTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("request head timeout must be positive, got " + timeout);
            }
            this.requestHeadTimeout = timeout;
            return this;
        }

        public Builder ioThreads(int threads) {
            if (threads < 0) {
                throw new IllegalArgumentException("I/O threads must be >= 0 (0 = automatic), got " + threads);
            }
            this.ioThreads = threads;
            return this;
        }

        public Builder maxIdleConnectionsPerUpstream(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("max idle connections per upstream must be >= 0, got " + n);
            }
            this.maxIdlePerUpstream = n;
            return this;
        }

        /**
         * Trusts the CA certificates in {@code pemFile} for https upstreams instead of the JDK's
         * default trust store (a private CA, or a gateway in front of the provider). Hostname
         * verification stays on.
         */
        public Builder upstreamTrustedCertificates(Path pemFile) {
            if (pemFile != null && !Files.isReadable(pemFile)) {
                throw new IllegalArgumentException("trusted certificates file is not readable: " + pemFile);
            }
            this.upstreamTrustedCertificates = pemFile;
            return this;
        }

        /**
         * Publishes one instrumentation event per request that reached the upstream (never for
         * requests answered locally). The proxy does not own the bus: close it after the proxy.
         */
        public Builder eventBus(EventBus bus) {
            this.eventBus = bus;
            return this;
        }

        /**
         * Requires a withering token on every proxied request and sends the token's project key
         * upstream (instead of {@link #upstreamApiKey}). The proxy does not own the service.
         */
        public Builder tokenService(TokenService service) {
            this.tokenService = service;
            return this;
        }

        /**
         * Adds a handler for other routes to the standalone server's pipeline (e.g. the management
         * API), after the proxy handler and before the health endpoints. {@code factory} makes
         * one handler per connection; the handler must pass requests it does not own to the next
         * handler, as {@link ProxyHandler} does. Handlers are placed in the order added.
         */
        public Builder route(Supplier<ChannelHandler> factory) {
            routes.add(Objects.requireNonNull(factory, "factory"));
            return this;
        }

        /**
         * Prometheus metrics, served at {@code /metrics} and {@code /metrics/prometheus} by the
         * standalone server ({@code ENABLE_METRICS}). Default: on when simpleclient is on the class
         * path (the server bundles it). Each proxy has its own registry.
         */
        public Builder metrics(boolean enabled) {
            if (enabled && !PROMETHEUS_ON_CLASSPATH) {
                throw new IllegalStateException("metrics need io.prometheus:simpleclient, simpleclient_common and"
                        + " simpleclient_hotspot on the class path");
            }
            this.metricsEnabled = enabled;
            return this;
        }

        /**
         * What {@code /ready} reports besides "not stopping", e.g. the database's last ping.
         * Called on an event loop for every probe: it must answer from memory, never block.
         */
        public Builder readiness(BooleanSupplier ready) {
            this.readiness = Objects.requireNonNull(ready, "ready");
            return this;
        }

        /**
         * Serves repeated requests from {@code cache} (see {@code docs/cache.md}): keys scoped per
         * project, POST only on client opt-in, streams stored only when complete. The proxy uses the
         * cache but does not own it.
         */
        public Builder responseCache(ResponseCache cache, ResponseCacheConfig config) {
            this.responseCache = Objects.requireNonNull(cache, "cache");
            this.responseCacheConfig = Objects.requireNonNull(config, "config");
            return this;
        }

        /**
         * Adds a dependency to {@code /health/details} (and to {@code /ready} when it is required),
         * e.g. the database or Redis. Its (blocking) check runs every
         * {@link #healthCheckInterval(Duration)} on a background thread with a
         * {@value HealthMonitor#DEFAULT_TIMEOUT_MILLIS} ms timeout; the endpoints answer from the
         * last result. Names must be unique.
         */
        public Builder healthCheck(HealthCheck check) {
            Objects.requireNonNull(check, "check");
            if (healthChecks.stream().anyMatch(c -> c.name().equals(check.name()))) {
                throw new IllegalArgumentException("a health check named '" + check.name() + "' is already registered");
            }
            healthChecks.add(check);
            return this;
        }

        /** How often the {@link #healthCheck} components are checked (default 5 s). */
        public Builder healthCheckInterval(Duration interval) {
            if (interval == null || interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("health check interval must be positive, got " + interval);
            }
            this.healthCheckInterval = interval;
            return this;
        }

        /** Where proxy denials for inactive projects and unavailable stores are audited. */
        public Builder auditLogger(AuditLogger audit) {
            this.auditLogger = audit;
            return this;
        }

        /** How many request and response body bytes an event keeps (defaults 64 KiB and 256 KiB). */
        public Builder eventBodyLimits(int maxRequestBodyBytes, int maxResponseBodyBytes) {
            if (maxRequestBodyBytes < 0 || maxResponseBodyBytes < 0) {
                throw new IllegalArgumentException("event body limits must be >= 0, got " + maxRequestBodyBytes
                        + " and " + maxResponseBodyBytes);
            }
            this.eventMaxRequestBodyBytes = maxRequestBodyBytes;
            this.eventMaxResponseBodyBytes = maxResponseBodyBytes;
            return this;
        }

        /**
         * Captures every proxied exchange, secrets redacted, as JSON lines in size-rotated files
         * ({@code docs/wire-capture.md}); null (the default) captures nothing. The proxy starts the
         * capture writer when built and stops it when stopped. Add the upstream keys you configured
         * with {@link #upstreamApiKey} and any other secret to {@link WireCaptureConfig.Builder#secrets}
         * so that they are redacted wherever they appear (the key in use is redacted anyway).
         */
        public Builder wireCapture(WireCaptureConfig config) {
            this.wireCaptureConfig = config;
            return this;
        }

        /**
         * Records one usage record per {@code /v1} request through {@code writer} (see
         * {@code docs/usage.md}); its cost and queue counters join the metrics. The proxy uses the
         * writer but does not own it: the caller closes it after the proxy has stopped.
         */
        public Builder usageWriter(UsageWriter writer) {
            this.usageWriter = writer;
            return this;
        }

        public LlmProxy build() {
            LlmProxy proxy = new LlmProxy(new ProxySettings(listen, provider, upstreamApiKey, pathPrefix, maxRequestBodyBytes,
                    maxHeaderBytes, maxInitialLineBytes, clientIdleTimeout, ioThreads, maxIdlePerUpstream,
                    eventMaxRequestBodyBytes, eventMaxResponseBodyBytes, upstreamTrustedCertificates), eventBus,
                    tokenService, auditLogger, routes, metricsEnabled, readiness, responseCache, responseCacheConfig,
                    wireCaptureConfig, healthChecks, healthCheckInterval);
            proxy.requestHeadTimeout = requestHeadTimeout;
            if (usageWriter != null) {
                proxy.engine.usage(usageWriter);
                if (proxy.metrics != null) {
                    usageWriter.metrics(proxy.metrics);
                    proxy.metrics.usageWriter(usageWriter::stats);
                }
            }
            return proxy;
        }
    }
}
