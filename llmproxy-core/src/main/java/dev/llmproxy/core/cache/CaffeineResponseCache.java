package dev.llmproxy.core.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.RemovalCause;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;

/**
 * The in-memory {@link ResponseCache}: a Caffeine cache bounded by <b>total bytes</b>, not by
 * entry count (the original kept an unbounded map whose expired entries were never removed).
 *
 * <ul>
 *   <li><b>Bound:</b> every entry weighs {@link CachedResponse#sizeBytes()} plus its key; when the
 *       total passes {@code maxBytes} Caffeine evicts the entries least likely to be used again
 *       (W-TinyLFU). Evictions are counted. An entry heavier than the whole bound is not
 *       stored.</li>
 *   <li><b>Expiry:</b> per entry, at its {@link CachedResponse#expiresAt()} (optionally earlier:
 *       {@code maxResidence} caps how long an entry stays here, which the tiered cache uses so
 *       purges made on other instances reach this memory tier in bounded time). Expired entries
 *       are removed by Caffeine's maintenance, and never returned in between.</li>
 *   <li><b>Threads:</b> {@link #get} and {@link #put} complete before they return, so the proxy's
 *       fast path never changes threads. Caffeine's maintenance (eviction, expiry, the removal
 *       counter) runs on the given executor — by default the calling thread, never the common
 *       pool, whose threads an embedder may need for other work.</li>
 *   <li><b>Cost:</b> a lookup is a hash-map read; an entry costs its body plus about 100 bytes per
 *       header line and a few hundred bytes of bookkeeping.</li>
 * </ul>
 * Thread-safe.
 */
public final class CaffeineResponseCache implements ResponseCache {

    /** Default byte bound of the in-memory cache, {@code HTTP_CACHE_MEMORY_MAX_BYTES}: 64 MiB. */
    public static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;

    private final Cache<String, CachedResponse> cache;
    private final Policy.Eviction<String, CachedResponse> eviction;
    private final long maxBytes;
    private final Clock clock;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder stores = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private volatile boolean closed;

    /** A cache of at most {@code maxBytes}, maintained on the calling thread. */
    public CaffeineResponseCache(long maxBytes, Clock clock) {
        this(maxBytes, null, clock, Runnable::run);
    }

    /**
     * @param maxBytes     bound on the total weight of entries, at least 1
     * @param maxResidence longest time an entry stays in memory regardless of its expiry; null for none
     * @param clock        the time entries are checked against (the one that set their expiry)
     * @param executor     runs Caffeine's maintenance; {@code Runnable::run} for the calling thread
     */
    public CaffeineResponseCache(long maxBytes, Duration maxResidence, Clock clock, Executor executor) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be at least 1, got " + maxBytes);
        }
        if (maxResidence != null && (maxResidence.isNegative() || maxResidence.isZero())) {
            throw new IllegalArgumentException("maxResidence must be positive, got " + maxResidence);
        }
        this.maxBytes = maxBytes;
        this.clock = Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(executor, "executor");
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher(CaffeineResponseCache::weigh)
                .expireAfter(new EntryExpiry(clock, maxResidence))
                .executor(executor)
                .removalListener((String k, CachedResponse v, RemovalCause cause) -> {
                    if (cause == RemovalCause.SIZE) {
                        evictions.increment();
                    }
                })
                .build();
        this.eviction = cache.policy().eviction().orElseThrow();
    }

    private static int weigh(String key, CachedResponse value) {
        return (int) Math.min(Integer.MAX_VALUE, entryWeight(key, value));
    }

    private static long entryWeight(String key, CachedResponse value) {
        return value.sizeBytes() + 2L * key.length();
    }

    @Override
    public CompletionStage<CachedResponse> get(CacheKey key) {
        return CompletableFuture.completedFuture(getNow(key));
    }

    /** {@link #get} without the future, for callers on the fast path. */
    public CachedResponse getNow(CacheKey key) {
        if (closed) {
            misses.increment();
            return null;
        }
        CachedResponse r = cache.getIfPresent(key.value());
        if (r != null && r.isExpired(clock.instant())) {
            // Caffeine's own expiry runs on its ticker; the clock decides what is served.
            cache.asMap().remove(key.value(), r);
            r = null;
        }
        if (r == null) {
            misses.increment();
        } else {
            hits.increment();
        }
        return r;
    }

    @Override
    public CompletionStage<Void> put(CacheKey key, CachedResponse response) {
        putNow(key, response);
        return CompletableFuture.completedFuture(null);
    }

    /** {@link #put} without the future; true when stored. */
    public boolean putNow(CacheKey key, CachedResponse response) {
        Objects.requireNonNull(response, "response");
        if (closed || response.isExpired(clock.instant()) || entryWeight(key.value(), response) > maxBytes) {
            return false;
        }
        cache.put(key.value(), response);
        stores.increment();
        return true;
    }

    @Override
    public CompletionStage<Long> purge(String keyOrPrefix, boolean prefix) {
        return CompletableFuture.completedFuture(purgeNow(keyOrPrefix, prefix));
    }

    long purgeNow(String keyOrPrefix, boolean prefix) {
        Objects.requireNonNull(keyOrPrefix, "keyOrPrefix");
        if (!prefix) {
            return cache.asMap().remove(keyOrPrefix) != null ? 1 : 0;
        }
        long removed = 0;
        for (Iterator<String> it = cache.asMap().keySet().iterator(); it.hasNext(); ) {
            if (it.next().startsWith(keyOrPrefix)) {
                it.remove();
                removed++;
            }
        }
        return removed;
    }

    @Override
    public CacheStats stats() {
        return new CacheStats(hits.sum(), misses.sum(), stores.sum(), evictions.sum(), cache.estimatedSize(),
                bytes(), 0);
    }

    /** Total weight held now, in bytes; at most the bound once maintenance has run ({@link #cleanUp()}). */
    public long bytes() {
        return eviction.weightedSize().orElse(0);
    }

    /** The byte bound. */
    public long maxBytes() {
        return maxBytes;
    }

    /** Time left before Caffeine drops the entry under {@code key}, if present (tests). */
    java.util.Optional<Duration> expiresAfter(String key) {
        return cache.policy().expireVariably().flatMap(v -> v.getExpiresAfter(key));
    }

    /** Runs pending maintenance now (evictions, expiries). Tests and metrics scrapes use it. */
    public void cleanUp() {
        cache.cleanUp();
    }

    @Override
    public void close() {
        closed = true;
        cache.invalidateAll();
        cache.cleanUp();
    }

    /** Each entry lives until its own expiry, or {@code maxResidence} if that is sooner. */
    private static final class EntryExpiry implements Expiry<String, CachedResponse> {
        private final Clock clock;
        private final long maxResidenceNanos;

        EntryExpiry(Clock clock, Duration maxResidence) {
            this.clock = clock;
            this.maxResidenceNanos = maxResidence == null ? Long.MAX_VALUE : saturatedNanos(maxResidence);
        }

        @Override
        public long expireAfterCreate(String key, CachedResponse value, long currentTime) {
            Instant now = clock.instant();
            return Math.min(saturatedNanos(value.remaining(now)), maxResidenceNanos);
        }

        @Override
        public long expireAfterUpdate(String key, CachedResponse value, long currentTime, long currentDuration) {
            return expireAfterCreate(key, value, currentTime);
        }

        @Override
        public long expireAfterRead(String key, CachedResponse value, long currentTime, long currentDuration) {
            return currentDuration;
        }

        private static long saturatedNanos(Duration d) {
            try {
                return d.toNanos();
            } catch (ArithmeticException e) {
                return Long.MAX_VALUE;
            }
        }
    }
}
