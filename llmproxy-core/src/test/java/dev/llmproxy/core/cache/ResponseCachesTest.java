package dev.llmproxy.core.cache;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResponseCachesTest {

    @Test
    void defaults_areTheDocumentedOnes() {
        ResponseCacheConfig c = ResponseCacheConfig.defaults();
        assertThat(c.backend()).isEqualTo(CacheBackend.IN_MEMORY);
        assertThat(c.redisUrl()).isEqualTo("redis://localhost:6379/0");
        assertThat(c.keyPrefix()).isEqualTo("llmproxy:cache:");
        assertThat(c.defaultTtl()).isEqualTo(Duration.ofSeconds(300));
        assertThat(c.maxObjectBytes()).isEqualTo(1_048_576);
        assertThat(c.maxTtl()).isEqualTo(Duration.ofDays(1));
        assertThat(c.memoryMaxBytes()).isEqualTo(64L * 1024 * 1024);
        assertThat(c.memoryResidence()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.redisTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(c.redisPoolSize()).isEqualTo(16);
        assertThat(c.redisRetryAfter()).isEqualTo(Duration.ofSeconds(1));
        // The defaults are applied, not just documented: a GET without directives is stored for 300 s.
        assertThat(c.policy().storeDecision(HttpMethod.GET, new DefaultHttpHeaders(), 200,
                new DefaultHttpHeaders(), 10, true, java.time.Instant.EPOCH).ttl()).isEqualTo(Duration.ofSeconds(300));
        assertThat(c.keys().prefix()).isEqualTo("llmproxy:cache:");
    }

    @Test
    void backendNames_parseCaseInsensitively_andTyposAreErrors() {
        assertThat(CacheBackend.parse("in-memory")).isEqualTo(CacheBackend.IN_MEMORY);
        assertThat(CacheBackend.parse(" Redis ")).isEqualTo(CacheBackend.REDIS);
        assertThat(CacheBackend.parse("TIERED")).isEqualTo(CacheBackend.TIERED);
        assertThatThrownBy(() -> CacheBackend.parse("redsi"))
                .hasMessage("HTTP_CACHE_BACKEND: expected in-memory, redis or tiered, got 'redsi'");
    }

    @Test
    void invalidSettings_nameTheVariable() {
        assertThatThrownBy(() -> ResponseCacheConfig.builder().redisUrl("localhost:6379"))
                .hasMessageStartingWith("REDIS_CACHE_URL:");
        assertThatThrownBy(() -> ResponseCacheConfig.builder().keyPrefix(""))
                .hasMessageStartingWith("REDIS_CACHE_KEY_PREFIX:");
        assertThatThrownBy(() -> ResponseCacheConfig.builder().defaultTtl(Duration.ofSeconds(-1)))
                .hasMessageStartingWith("HTTP_CACHE_DEFAULT_TTL:");
        assertThatThrownBy(() -> ResponseCacheConfig.builder().maxObjectBytes(0))
                .hasMessageStartingWith("HTTP_CACHE_MAX_OBJECT_BYTES:");
        assertThatThrownBy(() -> ResponseCacheConfig.builder().memoryMaxBytes(0))
                .hasMessageStartingWith("HTTP_CACHE_MEMORY_MAX_BYTES:");
        assertThatThrownBy(() -> ResponseCacheConfig.builder().redisPoolSize(0))
                .hasMessageStartingWith("REDIS_CACHE_POOL_SIZE:");
        assertThatThrownBy(() -> ResponseCacheConfig.builder().redisTimeout(Duration.ZERO))
                .hasMessageStartingWith("REDIS_CACHE_TIMEOUT:");
        assertThatThrownBy(() -> ResponseCacheConfig.builder().maxObjectBytes(2_000_000).memoryMaxBytes(1_000_000).build())
                .hasMessageContaining("HTTP_CACHE_MAX_OBJECT_BYTES (2000000) must not exceed HTTP_CACHE_MEMORY_MAX_BYTES (1000000)");
        // Redis alone has no memory tier to fit into.
        assertThat(ResponseCacheConfig.builder().backend(CacheBackend.REDIS).maxObjectBytes(2_000_000)
                .memoryMaxBytes(1_000_000).build().maxObjectBytes()).isEqualTo(2_000_000);
        assertThat(ResponseCacheConfig.builder().defaultTtl(Duration.ZERO).build().defaultTtl()).isZero();
    }

    @Test
    void toString_neverShowsTheRedisPassword() {
        ResponseCacheConfig c = ResponseCacheConfig.builder().backend(CacheBackend.REDIS)
                .redisUrl("redis://:hunter2@redis.internal:6379/2").build();
        assertThat(c.toString()).contains("redis://redis.internal:6379/2").doesNotContain("hunter2");
    }

    @Test
    void create_buildsTheConfiguredBackend_withoutConnecting() throws Exception {
        ExecutorService blocking = Executors.newFixedThreadPool(2);
        try {
            try (ResponseCache memory = ResponseCaches.create(ResponseCacheConfig.defaults(), blocking, Clock.systemUTC())) {
                assertThat(memory).isInstanceOf(CaffeineResponseCache.class);
                assertThat(((CaffeineResponseCache) memory).maxBytes()).isEqualTo(64L * 1024 * 1024);
            }
            // Nothing listens on port 1: creating the cache must still work (Redis may come later).
            ResponseCacheConfig redisDown = ResponseCacheConfig.builder().backend(CacheBackend.REDIS)
                    .redisUrl("redis://127.0.0.1:1/0").build();
            try (ResponseCache redis = ResponseCaches.create(redisDown, blocking, Clock.systemUTC())) {
                assertThat(redis).isInstanceOf(RedisResponseCache.class);
                CacheKey k = redisDown.keys().forRequest(CacheScope.project("p"), HttpMethod.valueOf("GET"), "/v1/models",
                        new DefaultHttpHeaders(), (byte[]) null);
                assertThat(redis.get(k).toCompletableFuture().get(5, TimeUnit.SECONDS)).isNull();
                assertThat(redis.stats().errors()).isEqualTo(1);
            }
            ResponseCacheConfig tieredConfig = ResponseCacheConfig.builder().backend(CacheBackend.TIERED)
                    .redisUrl("redis://127.0.0.1:1/0").memoryMaxBytes(2 * 1024 * 1024).build();
            try (ResponseCache tiered = ResponseCaches.create(tieredConfig, blocking, Clock.systemUTC())) {
                assertThat(tiered).isInstanceOf(TieredResponseCache.class);
                assertThat(((TieredResponseCache) tiered).memory().maxBytes()).isEqualTo(2 * 1024 * 1024);
            }
        } finally {
            blocking.shutdownNow();
        }
    }
}
