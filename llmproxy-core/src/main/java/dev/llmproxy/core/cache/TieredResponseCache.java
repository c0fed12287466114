package dev.llmproxy.core.cache;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;

/**
 * Memory in front of a shared cache (Redis): hot entries are served from this instance's memory
 * without a network round trip or a thread hop, and every instance still sees every entry.
 *
 * <ul>
 *   <li>{@link #get}: memory first (completes at once); on a memory miss the shared tier, and a
 *       shared hit is copied into memory.</li>
 *   <li>{@link #put}: both tiers; the stage completes when the shared write is done.</li>
 *   <li>{@link #purge}: both tiers; reports the larger of the two counts, and fails if the shared
 *       tier cannot be purged (the local tier is purged regardless).</li>
 * </ul>
 *
 * <p><b>Staleness bound across instances.</b> A purge reaches the memory tier of this instance
 * only. Build the memory tier with a {@code maxResidence} ({@link #DEFAULT_MEMORY_RESIDENCE},
 * {@code HTTP_CACHE_MEMORY_RESIDENCE}) so an entry purged through another instance is served here
 * for at most that long; {@link ResponseCaches} does this.
 *
 * <p>Counters: hits and misses are counted once per lookup, whichever tier answered; evictions,
 * entries and bytes are the memory tier's; errors are the shared tier's. Thread-safe.
 */
public final class TieredResponseCache implements ResponseCache {

    /** Longest time an entry stays in the memory tier of a tiered cache. */
    public static final Duration DEFAULT_MEMORY_RESIDENCE = Duration.ofSeconds(10);

    private final CaffeineResponseCache memory;
    private final ResponseCache shared;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder stores = new LongAdder();

    /** Takes ownership of both tiers (closes them in {@link #close()}). */
    public TieredResponseCache(CaffeineResponseCache memory, ResponseCache shared) {
        this.memory = Objects.requireNonNull(memory, "memory");
        this.shared = Objects.requireNonNull(shared, "shared");
    }

    @Override
    public CompletionStage<CachedResponse> get(CacheKey key) {
        CachedResponse local = memory.getNow(key);
        if (local != null) {
            hits.increment();
            return CompletableFuture.completedFuture(local);
        }
        return shared.get(key).thenApply(r -> {
            if (r != null) {
                memory.putNow(key, r);
                hits.increment();
            } else {
                misses.increment();
            }
            return r;
        });
    }

    @Override
    public CompletionStage<Void> put(CacheKey key, CachedResponse response) {
        if (memory.putNow(key, response)) {
            stores.increment();
        }
        return shared.put(key, response);
    }

    @Override
    public CompletionStage<Long> purge(String keyOrPrefix, boolean prefix) {
        long local = memory.purgeNow(keyOrPrefix, prefix);
        return shared.purge(keyOrPrefix, prefix).thenApply(remote -> Math.max(local, remote));
    }

    @Override
    public CacheStats stats() {
        CacheStats m = memory.stats();
        CacheStats s = shared.stats();
        return new CacheStats(hits.sum(), misses.sum(), stores.sum(), m.evictions(), m.entries(), m.bytes(),
                s.errors());
    }

    /** The memory tier. */
    public CaffeineResponseCache memory() {
        return memory;
    }

    /** The shared tier. */
    public ResponseCache shared() {
        return shared;
    }

    @Override
    public void close() {
        try {
            memory.close();
        } finally {
            shared.close();
        }
    }
}
