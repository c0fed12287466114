package dev.llmproxy.core.cache;

import java.time.Duration;
import java.util.Objects;

/**
 * Everything the response cache is configured with, validated when built. The server maps
 * environment variables onto {@link Builder}; an embedder calls it directly.
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><th>builder method</th><th>variable</th><th>default</th></tr>
 *   <tr><td>{@link Builder#backend}</td><td>{@code HTTP_CACHE_BACKEND}</td><td>{@code in-memory}</td></tr>
 *   <tr><td>{@link Builder#redisUrl}</td><td>{@code REDIS_CACHE_URL}</td><td>{@code redis://localhost:6379/0}</td></tr>
 *   <tr><td>{@link Builder#keyPrefix}</td><td>{@code REDIS_CACHE_KEY_PREFIX}</td><td>{@code llmproxy:cache:}</td></tr>
 *   <tr><td>{@link Builder#defaultTtl}</td><td>{@code HTTP_CACHE_DEFAULT_TTL}</td><td>300 s</td></tr>
 *   <tr><td>{@link Builder#maxObjectBytes}</td><td>{@code HTTP_CACHE_MAX_OBJECT_BYTES}</td><td>1048576</td></tr>
 *   <tr><td>{@link Builder#maxTtl}</td><td>{@code HTTP_CACHE_MAX_TTL}</td><td>86400 s</td></tr>
 *   <tr><td>{@link Builder#memoryMaxBytes}</td><td>{@code HTTP_CACHE_MEMORY_MAX_BYTES}</td><td>67108864 (64 MiB)</td></tr>
 *   <tr><td>{@link Builder#memoryResidence}</td><td>{@code HTTP_CACHE_MEMORY_RESIDENCE}</td><td>10 s (tiered only)</td></tr>
 *   <tr><td>{@link Builder#redisTimeout}</td><td>{@code REDIS_CACHE_TIMEOUT}</td><td>250 ms</td></tr>
 *   <tr><td>{@link Builder#redisPoolSize}</td><td>{@code REDIS_CACHE_POOL_SIZE}</td><td>16</td></tr>
 *   <tr><td>{@link Builder#redisRetryAfter}</td><td>{@code REDIS_CACHE_RETRY_AFTER}</td><td>1 s</td></tr>
 * </table>
 *
 * {@link #toString()} never shows the Redis password. Immutable.
 */
public final class ResponseCacheConfig {

    public static final String DEFAULT_REDIS_URL = "redis://localhost:6379/0";

    private final CacheBackend backend;
    private final String redisUrl;
    private final String keyPrefix;
    private final Duration defaultTtl;
    private final long maxObjectBytes;
    private final Duration maxTtl;
    private final long memoryMaxBytes;
    private final Duration memoryResidence;
    private final Duration redisTimeout;
    private final int redisPoolSize;
    private final Duration redisRetryAfter;

    private ResponseCacheConfig(Builder b) {
        this.backend = b.backend;
        this.redisUrl = b.redisUrl;
        this.keyPrefix = b.keyPrefix;
        this.defaultTtl = b.defaultTtl;
        this.maxObjectBytes = b.maxObjectBytes;
        this.maxTtl = b.maxTtl;
        this.memoryMaxBytes = b.memoryMaxBytes;
        this.memoryResidence = b.memoryResidence;
        this.redisTimeout = b.redisTimeout;
        this.redisPoolSize = b.redisPoolSize;
        this.redisRetryAfter = b.redisRetryAfter;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** All defaults: in-memory, 64 MiB, 300 s default TTL, 1 MiB objects. */
    public static ResponseCacheConfig defaults() {
        return builder().build();
    }

    public CacheBackend backend() {
        return backend;
    }

    /** The Redis URL (with its password, if any: do not log it; {@link #toString()} is safe). */
    public String redisUrl() {
        return redisUrl;
    }

    public String keyPrefix() {
        return keyPrefix;
    }

    public Duration defaultTtl() {
        return defaultTtl;
    }

    public long maxObjectBytes() {
        return maxObjectBytes;
    }

    public Duration maxTtl() {
        return maxTtl;
    }

    public long memoryMaxBytes() {
        return memoryMaxBytes;
    }

    public Duration memoryResidence() {
        return memoryResidence;
    }

    public Duration redisTimeout() {
        return redisTimeout;
    }

    public int redisPoolSize() {
        return redisPoolSize;
    }

    public Duration redisRetryAfter() {
        return redisRetryAfter;
    }

    /** The policy these settings describe. */
    public CachePolicy policy() {
        return new CachePolicy(defaultTtl, maxObjectBytes, maxTtl);
    }

    /** The key factory for this prefix. */
    public CacheKeys keys() {
        return new CacheKeys(keyPrefix);
    }

    @Override
    public String toString() {
        return "ResponseCacheConfig[backend=" + backend
                + (backend == CacheBackend.IN_MEMORY ? "" : ", redis=" + RedisCacheUrl.parse(redisUrl))
                + ", keyPrefix=" + keyPrefix + ", defaultTtl=" + defaultTtl.toSeconds() + "s, maxObjectBytes="
                + maxObjectBytes + ", maxTtl=" + maxTtl.toSeconds() + "s, memoryMaxBytes=" + memoryMaxBytes + "]";
    }

    /** Validates each setting as it is set; {@link #build()} checks how they fit together. */
    public static final class Builder {
        private CacheBackend backend = CacheBackend.IN_MEMORY;
        private String redisUrl = DEFAULT_REDIS_URL;
        private String keyPrefix = CacheKeys.DEFAULT_PREFIX;
        private Duration defaultTtl = CachePolicy.DEFAULT_TTL;
        private long maxObjectBytes = CachePolicy.DEFAULT_MAX_OBJECT_BYTES;
        private Duration maxTtl = CachePolicy.DEFAULT_MAX_TTL;
        private long memoryMaxBytes = CaffeineResponseCache.DEFAULT_MAX_BYTES;
        private Duration memoryResidence = TieredResponseCache.DEFAULT_MEMORY_RESIDENCE;
        private Duration redisTimeout = RedisResponseCache.DEFAULT_TIMEOUT;
        private int redisPoolSize = RedisResponseCache.DEFAULT_POOL_SIZE;
        private Duration redisRetryAfter = RedisResponseCache.DEFAULT_RETRY_AFTER;

        private Builder() {
        }

        public Builder backend(CacheBackend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /** {@code redis://[user:password@]host:port[/db]} or {@code rediss://…}. */
        public Builder redisUrl(String url) {
            RedisCacheUrl.parse(url);
            this.redisUrl = url.trim();
            return this;
        }

        /** 1 to 64 visible ASCII characters. */
        public Builder keyPrefix(String prefix) {
            try {
                this.keyPrefix = new CacheKeys(prefix).prefix();
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException("REDIS_CACHE_KEY_PREFIX: expected 1 to " + CacheKeys.MAX_PREFIX
                        + " visible ASCII characters without spaces, got '" + prefix + "'");
            }
            return this;
        }

        /** Zero or more; zero stores GET/HEAD answers only when the upstream gives a lifetime. */
        public Builder defaultTtl(Duration ttl) {
            if (ttl == null || ttl.isNegative()) {
                throw new IllegalArgumentException("HTTP_CACHE_DEFAULT_TTL: expected 0 or more seconds, got " + ttl);
            }
            this.defaultTtl = ttl;
            return this;
        }

        public Builder maxObjectBytes(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("HTTP_CACHE_MAX_OBJECT_BYTES: expected a positive number of bytes, got "
                        + bytes);
            }
            this.maxObjectBytes = bytes;
            return this;
        }

        public Builder maxTtl(Duration ttl) {
            requirePositive("HTTP_CACHE_MAX_TTL", ttl);
            this.maxTtl = ttl;
            return this;
        }

        public Builder memoryMaxBytes(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("HTTP_CACHE_MEMORY_MAX_BYTES: expected a positive number of bytes, got "
                        + bytes);
            }
            this.memoryMaxBytes = bytes;
            return this;
        }

        public Builder memoryResidence(Duration residence) {
            requirePositive("HTTP_CACHE_MEMORY_RESIDENCE", residence);
            this.memoryResidence = residence;
            return this;
        }

        public Builder redisTimeout(Duration timeout) {
            requirePositive("REDIS_CACHE_TIMEOUT", timeout);
            if (timeout.toMillis() < 1 || timeout.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("REDIS_CACHE_TIMEOUT: expected 1 ms to 24 days, got " + timeout);
            }
            this.redisTimeout = timeout;
            return this;
        }

        public Builder redisPoolSize(int size) {
            if (size < 1 || size > 10_000) {
                throw new IllegalArgumentException("REDIS_CACHE_POOL_SIZE: expected 1 to 10000, got " + size);
            }
            this.redisPoolSize = size;
            return this;
        }

        public Builder redisRetryAfter(Duration pause) {
            requirePositive("REDIS_CACHE_RETRY_AFTER", pause);
            this.redisRetryAfter = pause;
            return this;
        }

        /**
         * @throws IllegalArgumentException when an object of the largest storable size could not
         *                                  fit in the memory tier
         */
        public ResponseCacheConfig build() {
            if (backend != CacheBackend.REDIS && maxObjectBytes > memoryMaxBytes) {
                throw new IllegalArgumentException("HTTP_CACHE_MAX_OBJECT_BYTES (" + maxObjectBytes
                        + ") must not exceed HTTP_CACHE_MEMORY_MAX_BYTES (" + memoryMaxBytes + ")");
            }
            return new ResponseCacheConfig(this);
        }

        private static void requirePositive(String name, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": expected a positive duration, got " + d);
            }
        }
    }
}
