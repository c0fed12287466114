package dev.llmproxy.core.cache;

/**
 * A snapshot of a cache's counters since it started. Counters only grow; {@code entries} and
 * {@code bytes} are current values.
 *
 * @param hits      lookups that found a live entry
 * @param misses    lookups that found none (including those degraded by a backend error)
 * @param stores    entries written
 * @param evictions entries dropped to stay within the byte bound (not expiries, not purges); 0 for
 *                  Redis, which evicts by its own {@code maxmemory-policy}
 * @param entries   entries held now, or -1 when the backend cannot tell cheaply (Redis)
 * @param bytes     estimated bytes held now ({@link CachedResponse#sizeBytes()}), or -1 when the
 *                  backend cannot tell cheaply (Redis)
 * @param errors    backend failures and timeouts, each of which became a miss or a skipped store
 */
public record CacheStats(long hits, long misses, long stores, long evictions, long entries, long bytes, long errors) {

    /** Hits divided by lookups, 0 before the first lookup. */
    public double hitRate() {
        long lookups = hits + misses;
        return lookups == 0 ? 0 : (double) hits / lookups;
    }
}
