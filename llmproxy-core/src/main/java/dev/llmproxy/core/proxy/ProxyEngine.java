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
import dev.llmproxy.core.metrics.ProxyMetrics;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import javax.net.ssl.SSLException;
import java.net.URI;
import java.nio.file.Path;
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
    /** Traffic metrics; never null. */
    volatile ProxyMetrics metrics = ProxyMetrics.NOOP;

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
        this.pool = new UpstreamPool(newSslContext(settings.upstreamTrustedCertificates()), t.connect(), t.poolIdle(),
                settings.maxIdleConnectionsPerUpstream(), MAX_RESPONSE_CHUNK_BYTES);
    }

    private static SslContext newSslContext(Path trustedCertificates) {
        try {
            // The JDK's CA certificates unless a PEM file is configured; hostname verification is
            // enabled per engine in UpstreamPool because it needs the peer host.
            SslContextBuilder b = SslContextBuilder.forClient();
            if (trustedCertificates != null) {
                b.trustManager(trustedCertificates.toFile());
            }
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot initialise TLS for upstream connections"
                    + (trustedCertificates != null ? " with trusted certificates " + trustedCertificates : "")
                    + ": " + e.getMessage(), e);
        }
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

    /** Health of each upstream, for {@code /health/details}. */
    public java.util.List<UpstreamHealth> upstreamHealth() {
        java.util.List<UpstreamHealth> out = new java.util.ArrayList<>(targets.length);
        for (UpstreamTarget t : targets) {
            CircuitBreaker b = t.breaker;
            out.add(new UpstreamHealth(t.key, b.state().name().toLowerCase(java.util.Locale.ROOT),
                    b.consecutiveFailures(), b.totalFailures(),
                    b.lastFailureMillis() == 0 ? null : java.time.Instant.ofEpochMilli(b.lastFailureMillis()),
                    b.lastFailure()));
        }
        return out;
    }

    /**
     * One upstream's health.
     *
     * @param url                 the upstream base URL
     * @param state               {@code closed} (healthy), {@code open} (skipped) or {@code half_open}
     * @param consecutiveFailures failures since the last success
     * @param totalFailures       failures since start
     * @param lastFailureAt       when the last failure happened, or null
     * @param lastFailure         what the last failure was, or null
     */
    public record UpstreamHealth(String url, String state, int consecutiveFailures, long totalFailures,
                                 java.time.Instant lastFailureAt, String lastFailure) {
    }

    /** Closes pooled idle connections. Connections serving requests finish on their own. */
    @Override
    public void close() {
        pool.closeAll();
    }
}
