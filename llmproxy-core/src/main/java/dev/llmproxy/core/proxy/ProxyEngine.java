package dev.llmproxy.core.proxy;

import dev.llmproxy.core.ProxySettings;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.core.route.RequestPolicy;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.core.audit.AuditLogger;
import dev.llmproxy.core.auth.TokenService;
import dev.llmproxy.core.cache.CacheKeys;
import dev.llmproxy.core.cache.CachePolicy;
import dev.llmproxy.core.cache.ResponseCache;
import dev.llmproxy.core.cache.ResponseCacheConfig;
import dev.llmproxy.core.capture.WireCapture;
import dev.llmproxy.core.metrics.ProxyMetrics;

import java.net.URI;
import java.util.List;

/**
 * Everything the proxy handlers share across connections: settings, the compiled request policy,
 * the upstream targets and the per-event-loop connection pool. One engine serves any number of
 * {@link ProxyHandler}s on any number of event loops. Thread-safe.
 *
 * <p>Embedders normally get one through {@code LlmProxy}; this type is public only so that the
 * builder in another package can create it.
 */
public final class ProxyEngine implements AutoCloseable {

    /** Pooled idle connections per event loop and upstream, unless configured otherwise. */
    public static final int DEFAULT_MAX_IDLE_PER_UPSTREAM = 64;

    private static final int MAX_RESPONSE_CHUNK_BYTES = 64 * 1024;

    final ProxySettings settings;
    final RequestPolicy policy;
    final UpstreamPool pool;
    final UpstreamTarget[] targets;
    final long responseHeaderTimeoutNanos;
    final long idleBetweenChunksNanos;
    final String pathPrefix;
    /** Where instrumentation events go; null records nothing. */
    final EventBus eventBus;
    /** Authorizes withering tokens; null forwards with the configured upstream key instead. */
    final TokenService tokenService;
    /** Records proxy denials worth auditing; never null. */
    final AuditLogger audit;
    /** The response cache and how it is used; null cache = off. */
    volatile ResponseCache responseCache;
    volatile CachePolicy cachePolicy;
    volatile CacheKeys cacheKeys;
    /** Receives one usage observation per finished {@code /v1} request; null = usage not tracked. */
    volatile dev.llmproxy.core.usage.UsageSink usage;
    private final UpstreamTls tls;
    /** Active health probes; null until {@link #startProbes} (and while they are off). */
    private UpstreamProber prober;

    /** Finishes events and usage of upstream exchanges off the event loops; see {@link #closeCompletions}. */
    final ExchangeCompletions completions = new ExchangeCompletions();

    /** Traffic metrics; never null. */
    volatile ProxyMetrics metrics = ProxyMetrics.NOOP;
    /** Wire capture of every exchange; null = off. */
    volatile WireCapture wireCapture;

    /** An engine that publishes no events and checks no tokens. */
    public ProxyEngine(ProxySettings settings) {
        this(settings, null, null, null);
    }

    /**
     * @param eventBus     receives one event per request that reached the upstream; null for none.
     *                     The engine publishes to it but does not own it: the caller closes it.
     * @param tokenService when set, every request needs a valid withering token and goes upstream
     *                     with its project's key; null uses {@link ProxySettings#upstreamApiKey()}
     * @param audit        receives denials for inactive projects and unavailable stores; null for none
     */
    public ProxyEngine(ProxySettings settings, EventBus eventBus, TokenService tokenService, AuditLogger audit) {
        this.settings = settings;
        this.eventBus = eventBus;
        this.tokenService = tokenService;
        this.audit = audit != null ? audit : AuditLogger.disabled();
        ProviderConfig provider = settings.provider();
        this.policy = new RequestPolicy(provider);
        List<URI> urls = provider.upstreams();
        this.targets = new UpstreamTarget[urls.size()];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = new UpstreamTarget(urls.get(i));
        }
        ProviderConfig.Timeouts t = provider.timeouts();
        this.responseHeaderTimeoutNanos = t.responseHeader().toNanos();
        this.idleBetweenChunksNanos = t.idleBetweenChunks().toNanos();
        this.pathPrefix = settings.pathPrefix();
        this.tls = UpstreamTls.forTargets(targets, settings.upstreamTrustedCertificates());
        this.pool = new UpstreamPool(tls, t.connect(), t.poolIdle(),
                settings.maxIdleConnectionsPerUpstream(), MAX_RESPONSE_CHUNK_BYTES);
    }

    /**
     * Serves and stores responses through {@code cache} under {@code config}'s policy and keys
     * (null turns the cache off). The engine uses the cache but does not own it.
     */
    public void responseCache(ResponseCache cache, ResponseCacheConfig config) {
        this.cachePolicy = config == null ? null : config.policy();
        this.cacheKeys = config == null ? null : config.keys();
        this.responseCache = config == null ? null : cache;
    }

    /** Where traffic metrics go (default: nowhere). */
    public void metrics(ProxyMetrics metrics) {
        this.metrics = metrics == null ? ProxyMetrics.NOOP : metrics;
    }

    /** Captures every exchange to files (null turns capture off). The engine uses it but does not own it. */
    public void wireCapture(WireCapture capture) {
        this.wireCapture = capture;
    }

    /**
     * Where usage observations go (one per finished {@code /v1} request, cache hits and proxy
     * errors included); null stops usage tracking. The engine does not own the sink.
     */
    public void usage(dev.llmproxy.core.usage.UsageSink sink) {
        this.usage = sink;
    }

    /**
     * Starts the active health probes configured by the provider's {@code health_check}
     * ({@link dev.llmproxy.core.route.UpstreamProbeConfig}) on their own event loop thread; does
     * nothing when they are off or already running. {@link #close()} stops them.
     * {@code LlmProxy.start()} calls this; embedders that only use {@link #newHandler()} call it
     * themselves if they want probes.
     *
     * @param userAgent the {@code User-Agent} the probes send
     */
    public synchronized void startProbes(String userAgent) {
        dev.llmproxy.core.route.UpstreamProbeConfig probes = settings.provider().healthCheck();
        if (!probes.enabled() || prober != null) {
            return;
        }
        prober = new UpstreamProber(targets, probes, settings.upstreamApiKey(), tls, userAgent);
        prober.start();
    }

    /** Whether active probes are running. */
    public synchronized boolean probesRunning() {
        return prober != null;
    }

    /** A handler for one client connection; add it after an {@code HttpServerCodec}. */
    public ProxyHandler newHandler() {
        return new ProxyHandler(this);
    }

    /** The settings this engine was built with. */
    public ProxySettings settings() {
        return settings;
    }

    /** Idle pooled upstream connections, summed over event loops (approximate). */
    public int idleUpstreamConnections() {
        return pool.idleCount();
    }

    /**
     * The first target at or after {@code start} (wrapping) whose circuit admits a request, or
     * {@code start} itself when none does (trying beats refusing when every upstream looks down).
     */
    int selectTarget(int start) {
        long now = System.nanoTime();
        for (int i = 0; i < targets.length; i++) {
            int idx = (start + i) % targets.length;
            if (targets[idx].breaker.allowRequest(now)) {
                return idx;
            }
        }
        return start % targets.length;
    }

    /** False when every upstream's circuit is open: the proxy cannot serve {@code /v1} now. */
    public boolean anyUpstreamAvailable() {
        for (UpstreamTarget t : targets) {
            if (t.breaker.state() != CircuitBreaker.State.OPEN) {
                return true;
            }
        }
        return false;
    }

    /** Health of each upstream, in configuration order, for {@code /health/details} and metrics. */
    public java.util.List<UpstreamHealth> upstreamHealth() {
        java.util.List<UpstreamHealth> out = new java.util.ArrayList<>(targets.length);
        for (UpstreamTarget t : targets) {
            CircuitBreaker b = t.breaker;
            ProbeState p = t.probe;
            long probedAt = p.lastProbeAtMillis;
            Probe probe = probedAt == 0 ? null : new Probe(java.time.Instant.ofEpochMilli(probedAt), p.lastProbeOk,
                    p.lastStatus, p.lastLatencyNanos / 1e9, p.lastError, p.consecutiveFailures, p.successes.get(),
                    p.failures.get());
            out.add(new UpstreamHealth(t.key, t.label, b.state().name().toLowerCase(java.util.Locale.ROOT),
                    b.consecutiveFailures(), b.totalFailures(),
                    b.lastFailureMillis() == 0 ? null : java.time.Instant.ofEpochMilli(b.lastFailureMillis()),
                    b.lastFailure(), probe));
        }
        return out;
    }

    /**
     * One upstream's health.
     *
     * @param url                 the upstream base URL
     * @param label               {@code host:port}, the bounded {@code upstream} metric label
     * @param state               {@code closed} (healthy), {@code open} (skipped) or {@code half_open}
     * @param consecutiveFailures failures (client traffic and probes) since the last success
     * @param totalFailures       failures since start
     * @param lastFailureAt       when the last failure happened, or null
     * @param lastFailure         what the last failure was, or null
     * @param probe               the last active probe, or null when none has run
     */
    public record UpstreamHealth(String url, String label, String state, int consecutiveFailures, long totalFailures,
                                 java.time.Instant lastFailureAt, String lastFailure, Probe probe) {
        /** Whether requests go to this upstream now (its circuit is not open). */
        public boolean available() {
            return !"open".equals(state);
        }
    }

    /**
     * The last active probe of an upstream.
     *
     * @param at                  when it finished
     * @param ok                  whether it succeeded
     * @param status              the HTTP status it got, 0 for none
     * @param latencySeconds      connect to end of answer (or to the failure)
     * @param error               why it failed, or null
     * @param consecutiveFailures failed probes in a row
     * @param successes           successful probes since start
     * @param failures            failed probes since start
     */
    public record Probe(java.time.Instant at, boolean ok, int status, double latencySeconds, String error,
                        int consecutiveFailures, long successes, long failures) {
    }

    /**
     * Publishes the events and hands over the usage of every exchange that already ended, and
     * from then on does that on the finishing thread. Call after the event loops stopped, before
     * the event bus and the usage writer close.
     */
    public void closeCompletions() {
        completions.close();
    }

    /** Closes pooled idle connections. Connections serving requests finish on their own. */
    @Override
    public void close() {
        synchronized (this) {
            if (prober != null) {
                prober.close();
            }
        }
        pool.closeAll();
    }
}
