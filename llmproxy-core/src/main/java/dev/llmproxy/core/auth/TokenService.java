package dev.llmproxy.core.auth;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.llmproxy.core.ProxyError;
import dev.llmproxy.core.project.Project;
import dev.llmproxy.core.project.ProjectStore;
import dev.llmproxy.core.ratelimit.LocalRateLimiter;
import dev.llmproxy.core.ratelimit.RateLimitDecision;
import dev.llmproxy.core.ratelimit.RateLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decides, for every proxied request, whether its withering token may pass — and which project's
 * upstream key to send. Sits on the proxy's hot path, so the common case (a token seen recently,
 * an in-memory rate limit, quota left in the local lease) completes synchronously on the event
 * loop without touching the database.
 *
 * <ul>
 *   <li><b>Lookup:</b> {@code Bearer sk-…} is format-checked, hashed (SHA-256) and looked up in a
 *       Caffeine cache of validated tokens (with their project). A miss loads token and project
 *       from the stores on the blocking executor; concurrent misses for one token share one load.
 *       Unknown hashes go to a negative cache, so a flood of invalid tokens never reaches the DB.</li>
 *   <li><b>Checks</b>, in order: revoked ({@code token_inactive}), expired ({@code token_expired}),
 *       project deactivated ({@code project_inactive}), per-minute limit
 *       ({@code rate_limit_exceeded}), lifetime quota ({@code quota_exceeded}).</li>
 *   <li><b>Quota, exact without a DB write per request:</b> the service reserves requests from the
 *       store in leases ({@link TokenStore#reserveRequests}, an atomic conditional update)
 *       and spends them locally. Leases start small ({@link Settings#quotaLease()}), grow for busy
 *       tokens (up to {@value #MAX_LEASE}) and are refilled before they run out, so requests of a
 *       busy token do not wait for the database. The store never grants more than {@code max_requests}, so across
 *       any number of instances at most {@code max_requests} requests succeed. Unused lease is
 *       returned when the entry leaves the cache and at {@link #close()}.</li>
 *   <li><b>Usage:</b> request counts of unlimited tokens, cache hits and {@code last_used_at} are
 *       aggregated in memory and written in one batch per token every flush interval.</li>
 *   <li><b>Invalidation:</b> {@link #invalidateToken} / {@link #invalidateProject} take effect on
 *       the next request in this process, and — through the optional {@link InvalidationBus}
 *       (Redis pub/sub) — on every instance sharing it.</li>
 *   <li><b>Store outages:</b> cached tokens keep working; a lookup that needs the store answers
 *       {@code service_unavailable} (503) until it is back.</li>
 * </ul>
 *
 * <p>Thread-safe; used from every event loop at once.
 */
public final class TokenService implements AutoCloseable {

    /** Largest quota lease a busy token grows to (see {@code nextLeaseSize}). */
    static final int MAX_LEASE = 1024;
    private static final long FAST_REFILL_NANOS = 1_000_000_000L;

    private static final Logger log = LoggerFactory.getLogger(TokenService.class);
    private static final String BEARER = "bearer ";

    private final TokenStore tokens;
    private final ProjectStore projects;
    private final Executor blocking;
    private final RateLimiter rateLimiter;
    private final Settings settings;
    private final Clock clock;
    private final InvalidationBus invalidations;

    private final AsyncCache<String, Entry> cache;
    private final Cache<String, Boolean> unknown;
    /**
     * The cache entry of each cached token, by token id (revocation and cache hits know the id, the
     * cache is keyed by hash). An entry leaves this map only as itself ({@code remove(id, entry)}):
     * Caffeine reports an expired entry on the blocking executor, possibly after the entry that
     * replaced it was loaded, and that late report must not unmap the new one.
     */
    private final ConcurrentHashMap<String, Entry> entryById = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Usage> usage = new ConcurrentHashMap<>();
    private final ScheduledExecutorService flusher;

    /**
     * Tuning of the token service.
     *
     * @param cacheTtl       how long a validated token stays cached without invalidation (a
     *                       change made behind the service's back, directly in the DB, shows after this)
     * @param cacheMax       most cached tokens
     * @param negativeTtl    how long an unknown token hash is remembered as unknown
     * @param quotaLease     requests reserved from the store at a time for limited tokens
     * @param flushInterval  how often aggregated usage is written
     */
    public record Settings(Duration cacheTtl, long cacheMax, Duration negativeTtl, int quotaLease,
                           Duration flushInterval) {
        public static final Settings DEFAULTS = new Settings(Duration.ofSeconds(60), 100_000, Duration.ofSeconds(30),
                16, Duration.ofSeconds(1));

        public Settings {
            requirePositive("cacheTtl", cacheTtl);
            requirePositive("negativeTtl", negativeTtl);
            requirePositive("flushInterval", flushInterval);
            if (cacheMax < 1 || quotaLease < 1) {
                throw new IllegalArgumentException("cacheMax and quotaLease must be >= 1");
            }
        }

        private static void requirePositive(String name, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be a positive duration, got " + d);
            }
        }
    }

    /**
     * @param blocking      runs every store call (JDBC); never an event loop
     * @param rateLimiter   per-minute limits; a {@link LocalRateLimiter} decides synchronously
     * @param invalidations shares invalidations with other instances; null for a single instance
     */
    public TokenService(TokenStore tokens, ProjectStore projects, Executor blocking, RateLimiter rateLimiter,
                        Settings settings, Clock clock, InvalidationBus invalidations) {
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.projects = Objects.requireNonNull(projects, "projects");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
        this.rateLimiter = Objects.requireNonNull(rateLimiter, "rateLimiter");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.invalidations = invalidations;
        this.cache = Caffeine.newBuilder()
                .maximumSize(settings.cacheMax())
                .expireAfterWrite(settings.cacheTtl())
                .executor(blocking)
                .removalListener(this::onRemoval)
                .buildAsync();
        this.unknown = Caffeine.newBuilder()
                .maximumSize(Math.max(1000, settings.cacheMax()))
                .expireAfterWrite(settings.negativeTtl())
                .executor(blocking)
                .build();
        this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "llmproxy-token-usage");
            t.setDaemon(true);
            return t;
        });
        long every = settings.flushInterval().toMillis();
        flusher.scheduleWithFixedDelay(this::flushUsageQuietly, every, every, TimeUnit.MILLISECONDS);
        if (invalidations != null) {
            invalidations.subscribe(this::applyRemote);
        }
    }

    /**
     * Authorizes one request from its {@code Authorization} header value (may be null).
     * Completes synchronously in the common case; otherwise on the blocking executor.
     */
    public CompletionStage<AuthResult> authorize(String authorization) {
        String token = bearerToken(authorization);
        if (token == null) {
            return CompletableFuture.completedFuture(AuthResult.denied(ProxyError.INVALID_TOKEN,
                    "Missing or malformed Authorization header: expected 'Authorization: Bearer sk-...'"));
        }
        if (!WitheringTokens.looksValid(token)) {
            return CompletableFuture.completedFuture(AuthResult.denied(ProxyError.INVALID_TOKEN,
                    "Invalid token format"));
        }
        String hash = WitheringTokens.hash(token);
        // A known token first: one cache read on the common path. A hash is never in both caches
        // (it is only marked unknown when its lookup found nothing, and a found token is never marked).
        CompletableFuture<Entry> cached = cache.getIfPresent(hash);
        if (cached != null && cached.isDone() && !cached.isCompletedExceptionally() && cached.join() != null) {
            return check(cached.join());
        }
        if (unknown.getIfPresent(hash) != null) {
            return CompletableFuture.completedFuture(notFound());
        }
        return cache.get(hash, (h, executor) -> CompletableFuture.supplyAsync(() -> load(h), blocking))
                .handle((entry, error) -> {
                    if (error != null) {
                        log.warn("token lookup failed: {}", rootMessage(error));
                        return CompletableFuture.completedFuture(AuthResult.denied(ProxyError.SERVICE_UNAVAILABLE,
                                "Token store unavailable; try again shortly"));
                    }
                    if (entry == null) {
                        unknown.put(hash, Boolean.TRUE);
                        return CompletableFuture.completedFuture(notFound());
                    }
                    return check(entry);
                })
                .thenCompose(stage -> stage);
    }

    /**
     * Counts a response served from the cache for an allowed request: it does not count against
     * the token's quota, so the request {@link #authorize} took is given back, and the token's
     * {@code cache_hit_count} goes up.
     */
    public void recordCacheHit(AuthResult allowed) {
        TokenRecord t = allowed.token();
        Usage u = usage.computeIfAbsent(t.id(), k -> new Usage());
        u.cacheHits.incrementAndGet();
        u.lastUsedMillis = clock.millis();
        if (t.isUnlimited()) {
            u.requests.decrementAndGet();
            return;
        }
        Entry e = entryById.get(t.id());
        if (e != null && !e.retired) {
            e.lease.incrementAndGet();
            e.exhausted = false;
        } else {
            blocking.execute(() -> tokens.returnRequests(t.id(), 1));
        }
    }

    /** Forgets a token here and, with an invalidation bus, on every instance (revocation, edits). */
    public void invalidateToken(String tokenId) {
        invalidateTokenLocally(tokenId);
        if (invalidations != null) {
            invalidations.publish(new Invalidation(Invalidation.Kind.TOKEN, tokenId));
        }
    }

    /** Forgets every token of a project here and everywhere (deactivation, key change, deletion). */
    public void invalidateProject(String projectId) {
        invalidateProjectLocally(projectId);
        if (invalidations != null) {
            invalidations.publish(new Invalidation(Invalidation.Kind.PROJECT, projectId));
        }
    }

    /** Writes aggregated usage now (also done every flush interval and at close). */
    public void flushUsage() {
        for (Map.Entry<String, Usage> e : usage.entrySet()) {
            String tokenId = e.getKey();
            Usage u = e.getValue();
            long requests = u.requests.getAndSet(0);
            long hits = u.cacheHits.getAndSet(0);
            long last = u.lastUsedMillis;
            if (requests == 0 && hits == 0 && last == u.flushedLastUsedMillis) {
                usage.remove(tokenId, u);
                continue;
            }
            try {
                if (requests > 0) {
                    tokens.reserveRequests(tokenId, requests); // unlimited tokens: a plain counter increment
                }
                tokens.recordUsage(tokenId, hits, Instant.ofEpochMilli(last));
                u.flushedLastUsedMillis = last;
            } catch (RuntimeException ex) {
                // Keep the counts for the next attempt: usage is not lost while the store is down.
                u.requests.addAndGet(requests);
                u.cacheHits.addAndGet(hits);
                throw ex;
            }
        }
    }

    /** Cached tokens (for metrics and tests). */
    public long cachedTokens() {
        return cache.synchronous().estimatedSize();
    }

    /** Flushes usage and returns unused quota leases to the store. */
    @Override
    public void close() {
        flusher.shutdown();
        try {
            flusher.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flushUsageQuietly();
        for (CompletableFuture<Entry> f : cache.asMap().values()) {
            Entry e = loaded(f);
            if (e != null) {
                returnLease(e);
            }
        }
    }

    // ------------------------------------------------------------------------------------------

    /**
     * The entry of a lookup that has completed normally, else null. A failed lookup (the database
     * was down) stays in the cache for a moment until Caffeine removes it, and getNow would
     * rethrow its failure into whoever iterates the cache.
     */
    private static Entry loaded(CompletableFuture<Entry> f) {
        return f == null || !f.isDone() || f.isCompletedExceptionally() ? null : f.getNow(null);
    }

    private Entry load(String hash) {
        TokenRecord token = tokens.findByHash(hash).orElse(null);
        if (token == null) {
            return null;
        }
        Project project = projects.get(token.projectId()).orElse(null);
        if (project == null) {
            return null; // deleted between the two reads: the token is gone too
        }
        Entry e = new Entry(token, project, hash);
        entryById.put(token.id(), e);
        return e;
    }

    private CompletionStage<AuthResult> check(Entry e) {
        TokenRecord t = e.token;
        if (!t.isActive()) {
            return done(AuthResult.denied(t, e.project, ProxyError.TOKEN_INACTIVE, "Token has been revoked", null));
        }
        Instant now = clock.instant();
        if (t.isExpired(now)) {
            return done(AuthResult.denied(t, e.project, ProxyError.TOKEN_EXPIRED, "Token has expired", null));
        }
        if (!e.project.isActive()) {
            return done(AuthResult.denied(t, e.project, ProxyError.PROJECT_INACTIVE, "Project is inactive", null));
        }
        Integer rpm = t.rateLimitRpm();
        if (rpm == null) {
            return spendQuota(e, null);
        }
        if (rateLimiter instanceof LocalRateLimiter) {
            return afterRateLimit(e, ((LocalRateLimiter) rateLimiter).acquireNow(t.id(), rpm));
        }
        return rateLimiter.acquire(t.id(), rpm).thenCompose(d -> afterRateLimit(e, d));
    }

    private CompletionStage<AuthResult> afterRateLimit(Entry e, RateLimitDecision d) {
        if (!d.allowed()) {
            return done(AuthResult.denied(e.token, e.project, ProxyError.RATE_LIMIT_EXCEEDED,
                    "Rate limit exceeded: " + d.limit() + " requests per minute", d));
        }
        return spendQuota(e, d);
    }

    private CompletionStage<AuthResult> spendQuota(Entry e, RateLimitDecision d) {
        TokenRecord t = e.token;
        Usage u = usage.computeIfAbsent(t.id(), k -> new Usage());
        u.lastUsedMillis = clock.millis();
        if (t.isUnlimited()) {
            u.requests.incrementAndGet();
            return done(AuthResult.allowed(t, e.project, d));
        }
        return takeFromLease(e).thenApply(granted -> granted
                ? AuthResult.allowed(t, e.project, d)
                : AuthResult.denied(t, e.project, ProxyError.QUOTA_EXCEEDED,
                "Token quota exhausted: all " + t.maxRequests() + " requests have been used", d));
    }

    /**
     * One request from the entry's lease, refilling it from the store when empty. A busy token's
     * lease is refilled ahead of time (when a quarter is left), so requests rarely wait for the
     * store, and grows with the request rate (see {@link #nextLeaseSize}).
     */
    private CompletionStage<Boolean> takeFromLease(Entry e) {
        while (true) {
            long n = e.lease.get();
            if (n <= 0) {
                break;
            }
            if (e.lease.compareAndSet(n, n - 1)) {
                if (n - 1 <= e.leaseSize / 4 && !e.exhausted && !e.retired) {
                    refill(e); // prefetch: this request does not wait for it
                }
                return done(Boolean.TRUE);
            }
        }
        if (e.exhausted) {
            return done(Boolean.FALSE);
        }
        if (e.retired) {
            // Evicted while this request was in flight: reserve exactly one, nothing to strand.
            return CompletableFuture.supplyAsync(() -> tokens.reserveRequests(e.token.id(), 1) == 1, blocking);
        }
        return refill(e).thenCompose(v -> takeFromLease(e));
    }

    /** The refill in flight for this entry, or a new one. */
    private CompletableFuture<Void> refill(Entry e) {
        synchronized (e) {
            CompletableFuture<Void> refill = e.refill;
            // A finished refill whose clean-up has not run yet is as good as none: chaining on it
            // would re-enter takeFromLease synchronously, over and over.
            if (refill == null || refill.isDone()) {
                long size = nextLeaseSize(e);
                refill = CompletableFuture.runAsync(() -> {
                    long granted = tokens.reserveRequests(e.token.id(), size);
                    if (granted == 0) {
                        e.exhausted = true;
                        return;
                    }
                    e.lease.addAndGet(granted);
                    if (e.retired) {
                        // A prefetch that landed after the entry was retired: nobody will spend
                        // it, so hand it back (retirement's own return may already have run).
                        long unused = e.lease.getAndSet(0);
                        if (unused > 0) {
                            tokens.returnRequests(e.token.id(), unused);
                        }
                    }
                }, blocking);
                e.refill = refill;
                CompletableFuture<Void> mine = refill;
                refill.whenComplete((v, err) -> {
                    synchronized (e) {
                        if (e.refill == mine) {
                            e.refill = null;
                        }
                    }
                });
            }
            return refill;
        }
    }

    /**
     * Requests to reserve next: {@link Settings#quotaLease()} for a quiet token; doubled on each
     * refill that follows the previous one within a second, up to {@value #MAX_LEASE} and at most
     * a sixteenth of the token's quota, so a busy token costs a store round trip every few hundred
     * requests rather than every {@code quotaLease}. What is not spent is returned when the entry
     * leaves the cache; exactness does not depend on the size (the store never grants more than
     * is left). Caller holds the entry's lock.
     */
    private long nextLeaseSize(Entry e) {
        long base = settings.quotaLease();
        long now = System.nanoTime();
        long size = e.leaseSize == 0 ? base : e.leaseSize;
        if (e.lastRefillNanos != 0 && now - e.lastRefillNanos < FAST_REFILL_NANOS) {
            Long max = e.token.maxRequests();
            long cap = Math.max(base, Math.min(MAX_LEASE, max == null ? MAX_LEASE : max / 16));
            size = Math.min(size * 2, cap);
        } else {
            size = base;
        }
        e.leaseSize = (int) size;
        e.lastRefillNanos = now;
        return size;
    }

    private void onRemoval(String hash, Entry e, RemovalCause cause) {
        if (e == null) {
            return;
        }
        entryById.remove(e.token.id(), e);
        returnLease(e);
    }

    private void returnLease(Entry e) {
        e.retired = true;
        long unused = e.lease.getAndSet(0);
        if (unused > 0) {
            try {
                blocking.execute(() -> {
                    try {
                        tokens.returnRequests(e.token.id(), unused);
                    } catch (RuntimeException ex) {
                        log.warn("could not return {} unused requests of token {}: {}", unused, e.token.id(),
                                ex.toString());
                    }
                });
            } catch (RuntimeException rejected) {
                tokens.returnRequests(e.token.id(), unused); // executor already shut down: do it here
            }
        }
    }

    private void invalidateTokenLocally(String tokenId) {
        Entry e = entryById.remove(tokenId);
        if (e != null) {
            cache.synchronous().invalidate(e.hash);
        }
    }

    private void invalidateProjectLocally(String projectId) {
        for (Map.Entry<String, CompletableFuture<Entry>> me : cache.asMap().entrySet()) {
            Entry e = loaded(me.getValue());
            if (e != null && e.project.id().equals(projectId)) {
                cache.synchronous().invalidate(me.getKey());
            }
        }
    }

    private void applyRemote(Invalidation inv) {
        switch (inv.kind()) {
            case TOKEN -> invalidateTokenLocally(inv.id());
            case PROJECT -> invalidateProjectLocally(inv.id());
            case ALL -> cache.synchronous().invalidateAll();
        }
    }

    private void flushUsageQuietly() {
        try {
            flushUsage();
        } catch (RuntimeException e) {
            log.warn("writing token usage failed, will retry: {}", e.toString());
        }
    }

    private static AuthResult notFound() {
        return AuthResult.denied(ProxyError.TOKEN_NOT_FOUND, "Token not found");
    }

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    /** The token of a {@code Bearer} header (scheme case-insensitive), or null. */
    static String bearerToken(String authorization) {
        if (authorization == null || authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        String token = authorization.substring(BEARER.length()).trim();
        return token.isEmpty() ? null : token;
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.toString();
    }

    /** A validated token with its project and its share of the quota. */
    private static final class Entry {
        final TokenRecord token;
        final Project project;
        final String hash;
        final AtomicLong lease = new AtomicLong();
        /** Size of the last reservation, and when it was asked for (guarded by this; read racily for the prefetch). */
        volatile int leaseSize;
        long lastRefillNanos;
        volatile boolean exhausted;
        volatile boolean retired;
        CompletableFuture<Void> refill; // guarded by this

        Entry(TokenRecord token, Project project, String hash) {
            this.token = token;
            this.project = project;
            this.hash = hash;
        }
    }

    /** Usage not yet written. */
    private static final class Usage {
        final AtomicLong requests = new AtomicLong();
        final AtomicLong cacheHits = new AtomicLong();
        volatile long lastUsedMillis;
        volatile long flushedLastUsedMillis;
    }
}
