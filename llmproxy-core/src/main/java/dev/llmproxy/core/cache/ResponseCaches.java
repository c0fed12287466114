package dev.llmproxy.core.cache;

import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Builds the configured {@link ResponseCache}.
 *
 * <pre>{@code
 * ResponseCacheConfig config = ResponseCacheConfig.builder().backend(CacheBackend.REDIS)
 *         .redisUrl("redis://redis:6379/0").build();
 * ResponseCache cache = ResponseCaches.create(config, blockingExecutor, Clock.systemUTC());
 * CachePolicy policy = config.policy();
 * CacheKeys keys = config.keys();
 * }</pre>
 *
 * Creating a Redis-backed cache never connects, so it succeeds while Redis is down; the cache
 * then misses until Redis answers.
 */
public final class ResponseCaches {

    private ResponseCaches() {
    }

    /**
     * @param blocking runs Redis commands (bounded, never an event loop); unused by the in-memory backend
     * @param clock    stamps and expires entries
     */
    public static ResponseCache create(ResponseCacheConfig config, Executor blocking, Clock clock) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clock, "clock");
        switch (config.backend()) {
            case IN_MEMORY:
                return new CaffeineResponseCache(config.memoryMaxBytes(), null, clock, Runnable::run);
            case REDIS:
                return redis(config, blocking, clock);
            case TIERED:
                CaffeineResponseCache memory = new CaffeineResponseCache(config.memoryMaxBytes(),
                        config.memoryResidence(), clock, Runnable::run);
                return new TieredResponseCache(memory, redis(config, blocking, clock));
            default:
                throw new IllegalArgumentException("unknown backend " + config.backend());
        }
    }

    private static RedisResponseCache redis(ResponseCacheConfig config, Executor blocking, Clock clock) {
        Objects.requireNonNull(blocking, "blocking executor (needed by the Redis cache)");
        return RedisResponseCache.connect(config.redisUrl(), config.keyPrefix(), blocking, clock,
                config.redisTimeout(), config.redisPoolSize(), config.redisRetryAfter());
    }
}
