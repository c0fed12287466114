package dev.llmproxy.core.cache;

import dev.llmproxy.core.store.MutableClock;
import dev.llmproxy.eventbus.testing.RedisTestSupport;
import dev.llmproxy.eventbus.testing.TcpProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/** Memory in front of a real Redis. */
class TieredResponseCacheTest extends ResponseCacheContract {

    @RegisterExtension
    final RedisTestSupport redis = new RedisTestSupport();

    private final ExecutorService executor = Executors.newFixedThreadPool(4);

    @AfterEach
    void stopExecutor() {
        executor.shutdownNow();
    }

    @Override
    protected ResponseCache create(String prefix, MutableClock clock) {
        return tiered(redis.port(), clock);
    }

    @Override
    protected String prefix() {
        return redis.prefix();
    }

    private TieredResponseCache tiered(int port, MutableClock clock) {
        CaffeineResponseCache memory = new CaffeineResponseCache(8 * 1024 * 1024,
                TieredResponseCache.DEFAULT_MEMORY_RESIDENCE, clock, Runnable::run);
        RedisResponseCache shared = RedisResponseCache.connect(redis.url(redis.host(), port), redis.prefix(), executor,
                clock, RedisResponseCache.DEFAULT_TIMEOUT, 4, Duration.ofMinutes(1));
        return new TieredResponseCache(memory, shared);
    }

    private TieredResponseCache tiered() {
        return (TieredResponseCache) cache();
    }

    @Test
    void memoryHit_completesBeforeReturning() throws Exception {
        CacheKey k = key("p1", "/v1/models");
        await(cache().put(k, response("{}", Duration.ofSeconds(60))));
        CompletableFuture<CachedResponse> hit = cache().get(k).toCompletableFuture();
        assertThat(hit).isCompletedWithValueMatching(r -> r != null);
    }

    @Test
    void aRedisHit_fillsMemory_soTheNextHitStaysLocal() throws Exception {
        CacheKey k = key("p1", "/v1/models");
        // Another instance stored it: only Redis has it.
        await(tiered().shared().put(k, response("{\"from\":\"other\"}", Duration.ofSeconds(60))));
        assertThat(tiered().memory().getNow(k)).isNull();
        assertThat(await(cache().get(k))).isNotNull();
        assertThat(tiered().memory().getNow(k)).isNotNull();
        CacheStats s = cache().stats();
        assertThat(s.hits()).isEqualTo(1);
        assertThat(s.misses()).isZero();
        assertThat(s.entries()).isEqualTo(1);
    }

    @Test
    void purge_clearsBothTiers() throws Exception {
        CacheKey k = key("p1", "/v1/models");
        await(cache().put(k, response("{}", Duration.ofSeconds(60))));
        assertThat(await(cache().purge(keys().scopePrefix(CacheScope.project("p1")), true))).isEqualTo(1);
        assertThat(tiered().memory().getNow(k)).isNull();
        assertThat(await(tiered().shared().get(k))).isNull();
    }

    @Test
    void redisDown_memoryStillServes_andNothingFails() throws Exception {
        try (TcpProxy link = new TcpProxy(redis.host(), redis.port());
             TieredResponseCache c = tiered(link.port(), clock)) {
            CacheKey k = key("p1", "/v1/models");
            await(c.put(k, response("{}", Duration.ofSeconds(60))));
            CacheKey other = key("p1", "/v1/other");
            RedisResponseCacheTest.cut(link, c, other);
            assertThat(await(c.get(k))).isNotNull();
            assertThat(await(c.get(other))).isNull();
            await(c.put(other, response("{}", Duration.ofSeconds(60))));
            assertThat(await(c.get(other))).as("stored in memory while Redis is away").isNotNull();
            assertThat(c.stats().errors()).isPositive();
        }
    }
}
