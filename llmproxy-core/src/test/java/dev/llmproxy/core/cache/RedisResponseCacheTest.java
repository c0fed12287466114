package dev.llmproxy.core.cache;

import dev.llmproxy.core.store.MutableClock;
import dev.llmproxy.eventbus.testing.RedisTestSupport;
import dev.llmproxy.eventbus.testing.TcpProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Redis cache against a real Redis, including outages. */
class RedisResponseCacheTest extends ResponseCacheContract {

    @RegisterExtension
    final RedisTestSupport redis = new RedisTestSupport();

    private final ExecutorService executor = Executors.newFixedThreadPool(4);

    @AfterEach
    void stopExecutor() {
        executor.shutdownNow();
    }

    @Override
    protected ResponseCache create(String prefix, MutableClock clock) {
        return connect(redis.port(), prefix, clock, RedisResponseCache.DEFAULT_RETRY_AFTER);
    }

    @Override
    protected String prefix() {
        return redis.prefix();
    }

    private RedisResponseCache connect(int port, String prefix, Clock clock, Duration retryAfter) {
        return RedisResponseCache.connect(redis.url(redis.host(), port), prefix, executor, clock,
                RedisResponseCache.DEFAULT_TIMEOUT, 4, retryAfter);
    }

    @Test
    void entries_areBinaryRecords_withARedisExpiry() throws Exception {
        CacheKey k = key("p1", "/v1/models");
        await(cache().put(k, response("{\"data\":[]}", Duration.ofSeconds(30))));
        try (Jedis j = redis.jedis()) {
            byte[] raw = j.get(k.toString().getBytes(StandardCharsets.UTF_8));
            assertThat(new String(raw, 0, 3, StandardCharsets.US_ASCII)).isEqualTo("LPC");
            assertThat(j.pttl(k.toString())).isBetween(1L, 30_000L);
        }
        assertThat(k.toString()).startsWith(redis.prefix());
    }

    @Test
    void corruptEntry_isAMiss_countedAsAnError_andDeleted() throws Exception {
        CacheKey k = key("p1", "/v1/models");
        try (Jedis j = redis.jedis()) {
            j.set(k.toString(), "{\"status_code\":200,\"body\":\"e30=\"}");
        }
        assertThat(await(cache().get(k))).isNull();
        CacheStats s = cache().stats();
        assertThat(s.errors()).isEqualTo(1);
        assertThat(s.misses()).isEqualTo(1);
        try (Jedis j = redis.jedis()) {
            assertThat(j.exists(k.toString())).isFalse();
        }
    }

    @Test
    void redisUnreachable_fromTheStart_constructionWorks_getMisses_putIsANoOp_bothCounted() throws Exception {
        int closedPort = RedisTestSupport.freePort();
        try (RedisResponseCache down = connect(closedPort, redis.prefix(), clock, Duration.ofMinutes(1))) {
            CacheKey k = key("p1", "/v1/models");
            assertThat(await(down.get(k))).isNull();
            // Now paused: answers at once on the caller's thread, without touching Redis.
            CompletableFuture<CachedResponse> paused = down.get(k).toCompletableFuture();
            assertThat(paused).isCompletedWithValue(null);
            CompletableFuture<Void> put = down.put(k, response("{}", Duration.ofSeconds(60))).toCompletableFuture();
            assertThat(put).isCompletedWithValue(null);
            CacheStats s = down.stats();
            assertThat(s.errors()).isEqualTo(3);
            assertThat(s.misses()).isEqualTo(2);
            assertThat(s.hits()).isZero();
            assertThat(s.stores()).isZero();
        }
    }

    @Test
    void outageAndRecovery_throughACutLink() throws Exception {
        try (TcpProxy link = new TcpProxy(redis.host(), redis.port());
             RedisResponseCache c = connect(link.port(), redis.prefix(), clock, Duration.ofMillis(50))) {
            CacheKey before = key("p1", "/v1/before");
            await(c.put(before, response("{\"v\":1}", Duration.ofSeconds(60))));
            assertThat(await(c.get(before))).isNotNull();

            cut(link, c, before);
            long errorsAtCut = c.stats().errors();
            CacheKey during = key("p1", "/v1/during");
            assertThat(await(c.get(before))).isNull();
            await(c.put(during, response("{\"v\":2}", Duration.ofSeconds(60))));
            assertThat(await(c.get(during))).isNull();
            CacheStats down = c.stats();
            assertThat(down.errors() - errorsAtCut).as("each call during the outage is counted").isEqualTo(3);
            assertThat(down.stores()).isEqualTo(1);

            link.start();
            // The cache retries once its pause is over; poll until it has (no timing assertion).
            CachedResponse again = null;
            for (int i = 0; i < 200 && again == null; i++) {
                again = await(c.get(before));
                if (again == null) {
                    Thread.sleep(25);
                }
            }
            assertThat(again).as("entry written before the outage is served again").isNotNull();
            await(c.put(during, response("{\"v\":2}", Duration.ofSeconds(60))));
            assertThat(new String(await(c.get(during)).body(), StandardCharsets.UTF_8)).isEqualTo("{\"v\":2}");
        }
    }

    /**
     * Cuts the link and waits until the cache has seen a Redis failure. {@link TcpProxy#stop()} can
     * miss a connection it is accepting at that very moment (it registers the connection after
     * accepting it), so the cut is repeated until a lookup fails; stop is idempotent.
     */
    static void cut(TcpProxy link, ResponseCache cache, CacheKey probe) throws Exception {
        long errors = cache.stats().errors();
        for (int i = 0; i < 200; i++) {
            link.stop();
            await(cache.get(probe));
            if (cache.stats().errors() > errors) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the cache never noticed the cut link");
    }

    @Test
    void purge_whileRedisIsDown_fails_soTheOperatorKnows() {
        int closedPort;
        try {
            closedPort = RedisTestSupport.freePort();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        try (RedisResponseCache down = connect(closedPort, redis.prefix(), clock, Duration.ofMinutes(1))) {
            assertThatThrownBy(() -> await(down.purge(redis.prefix() + "p1:", true)))
                    .isInstanceOf(ExecutionException.class).hasMessageContaining("Redis unavailable");
            assertThat(down.stats().errors()).isEqualTo(1);
        }
    }

    @Test
    void purge_outsideTheKeyPrefix_isRefused() throws Exception {
        try (Jedis j = redis.jedis()) {
            j.set(redis.key("not-a-cache-key"), "x");
        }
        CompletableFuture<Long> refused = cache().purge("llmproxy-test:", true).toCompletableFuture();
        assertThatThrownBy(refused::get).hasCauseInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cache keys start with");
        try (Jedis j = redis.jedis()) {
            assertThat(j.exists(redis.key("not-a-cache-key"))).isTrue();
        }
    }

    @Test
    void prefixPurge_walksManyScanPages() throws Exception {
        int n = RedisResponseCache.SCAN_COUNT * 3 + 7;
        try (Jedis j = redis.jedis()) {
            byte[] value = CachedResponseCodec.encode(response("{}", Duration.ofSeconds(60)));
            for (int i = 0; i < n; i++) {
                j.set((keys().scopePrefix(CacheScope.project("big")) + "GET:/v1/x" + i).getBytes(StandardCharsets.UTF_8), value);
            }
        }
        await(cache().put(key("small", "/v1/models"), response("{}", Duration.ofSeconds(60))));
        assertThat(await(cache().purge(keys().scopePrefix(CacheScope.project("big")), true))).isEqualTo(n);
        assertThat(await(cache().get(key("small", "/v1/models")))).isNotNull();
    }

    @Test
    void fullExecutor_isAMiss_notAFailure() throws Exception {
        ExecutorService dead = Executors.newSingleThreadExecutor();
        dead.shutdown();
        try (RedisResponseCache c = RedisResponseCache.connect(redis.url(redis.host(), redis.port()), redis.prefix(),
                dead, clock, RedisResponseCache.DEFAULT_TIMEOUT, 2, RedisResponseCache.DEFAULT_RETRY_AFTER)) {
            CacheKey k = key("p1", "/v1/models");
            assertThat(await(c.get(k))).isNull();
            await(c.put(k, response("{}", Duration.ofSeconds(60))));
            assertThat(c.stats().errors()).isEqualTo(2);
            assertThatThrownBy(() -> await(c.purge(k.toString(), false))).hasCauseInstanceOf(RejectedExecutionException.class);
        }
    }

    @Test
    void malformedUrl_isRefused_withoutShowingThePassword() {
        assertThatThrownBy(() -> RedisResponseCache.connect("http://:s3cret@host:6379", "p:", executor, clock,
                RedisResponseCache.DEFAULT_TIMEOUT, 1, RedisResponseCache.DEFAULT_RETRY_AFTER))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("REDIS_CACHE_URL")
                .hasMessageNotContaining("s3cret");
        assertThat(RedisCacheUrl.parse("rediss://user:pw@cache.example:6380/3"))
                .isEqualTo(new RedisCacheUrl("cache.example", 6380, 3, true, "user", "pw"));
        assertThat(RedisCacheUrl.parse("redis://:pw@cache.example").toString()).isEqualTo("redis://cache.example:6379/0");
    }
}
