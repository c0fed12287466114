package dev.llmproxy.core.cache;

import java.util.concurrent.CompletionStage;

/**
 * Where cached responses live. The proxy asks {@link CachePolicy} whether to look up and whether
 * to store, builds the key with {@link CacheKeys}, and calls this interface; implementations only
 * store and fetch. {@link ResponseCaches} builds the built-in ones from configuration:
 * {@link CaffeineResponseCache} (in-memory, bounded by bytes), {@link RedisResponseCache}
 * (shared by every instance) and {@link TieredResponseCache} (memory in front of Redis). An
 * embedder may plug in its own.
 *
 * <p>Contract for every implementation:
 * <ul>
 *   <li>Calls never block the calling thread on I/O (the proxy calls from an event loop); an
 *       in-memory implementation completes before returning, so a hit does not change
 *       threads. A stage that is not yet complete may complete on another thread (the Redis
 *       executor): a caller on an event loop continues with
 *       {@code channel.eventLoop().execute(...)}, or checks {@code toCompletableFuture().isDone()}
 *       first to stay on the fast path.</li>
 *   <li>Stages never complete exceptionally for {@link #get} and {@link #put}: a backend failure
 *       is a miss or a skipped store, counted in {@link CacheStats#errors()}. A cache outage must
 *       not fail a request.</li>
 *   <li>An expired entry is never returned.</li>
 *   <li>Thread-safe.</li>
 * </ul>
 */
public interface ResponseCache extends AutoCloseable {

    /** The entry for {@code key}, or null (completed with null) when absent, expired or unavailable. */
    CompletionStage<CachedResponse> get(CacheKey key);

    /**
     * Stores {@code response} under {@code key} until its {@link CachedResponse#expiresAt()},
     * replacing any entry. Completes when written (or when the write was skipped). An already
     * expired response is not stored.
     */
    CompletionStage<Void> put(CacheKey key, CachedResponse response);

    /**
     * Removes the entry whose key is exactly {@code keyOrPrefix}, or with {@code prefix} every
     * entry whose key starts with it (e.g. {@link CacheKeys#scopePrefix} for all of one project).
     * Both take the full key form shown in {@code X-PROXY-CACHE-KEY}. Unlike {@code get}/{@code put}
     * a purge reports failure: the stage completes exceptionally when the backend cannot be
     * reached, so an operator is never told a purge happened when it did not.
     *
     * @return the number of entries removed
     */
    CompletionStage<Long> purge(String keyOrPrefix, boolean prefix);

    /** Counters and sizes, cheap to call (e.g. on every metrics scrape). */
    CacheStats stats();

    /** Releases connections and threads this cache owns; further calls are misses and no-ops. */
    @Override
    void close();
}
