package dev.llmproxy.core.ratelimit;

import dev.llmproxy.eventbus.testing.RedisTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/** The shared limiter against a real Redis, including what happens when Redis is gone. */
class RedisRateLimiterTest {

    @RegisterExtension
    final RedisTestSupport redis = new RedisTestSupport();

    private final ExecutorService executor = Executors.newFixedThreadPool(8);

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    private UnifiedJedis pool(int port) {
        return RedisClient.builder().hostAndPort(new HostAndPort(redis.host(), port))
                .clientConfig(DefaultJedisClientConfig.builder().database(redis.database()).timeoutMillis(500).build())
                .build();
    }

    @Test
    void concurrentInstances_neverOverspendTheAllowance() throws Exception {
        try (UnifiedJedis a = pool(redis.port()); UnifiedJedis b = pool(redis.port())) {
            // Two "instances" sharing one Redis.
            RedisRateLimiter one = new RedisRateLimiter(a, redis.prefix() + "rl:", executor, RedisRateLimiter.FailMode.OPEN);
            RedisRateLimiter two = new RedisRateLimiter(b, redis.prefix() + "rl:", executor, RedisRateLimiter.FailMode.OPEN);
            List<CompletableFuture<RateLimitDecision>> all = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                all.add((i % 2 == 0 ? one : two).acquire("tok-1", 20).toCompletableFuture());
            }
            long allowed = 0;
            for (CompletableFuture<RateLimitDecision> f : all) {
                RateLimitDecision d = f.get();
                assertThat(d.degraded()).isFalse();
                allowed += d.allowed() ? 1 : 0;
            }
            assertThat(allowed).isEqualTo(20);
            RateLimitDecision refused = one.acquire("tok-1", 20).toCompletableFuture().get();
            assertThat(refused.allowed()).isFalse();
            assertThat(refused.retryAfterMillis()).isBetween(50_000L, 60_000L);
            assertThat(one.acquire("tok-2", 20).toCompletableFuture().get().allowed()).isTrue();
        }
    }

    @Test
    void redisDown_failOpenAllows_failClosedRefuses_bothMarkedDegraded() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (UnifiedJedis dead = pool(closedPort)) {
            RedisRateLimiter open = new RedisRateLimiter(dead, "rl:", executor, RedisRateLimiter.FailMode.OPEN);
            RedisRateLimiter closed = new RedisRateLimiter(dead, "rl:", executor, RedisRateLimiter.FailMode.CLOSED);
            RateLimitDecision o = open.acquire("tok", 10).toCompletableFuture().get();
            RateLimitDecision c = closed.acquire("tok", 10).toCompletableFuture().get();
            assertThat(o.allowed()).isTrue();
            assertThat(o.degraded()).isTrue();
            assertThat(c.allowed()).isFalse();
            assertThat(c.degraded()).isTrue();
            assertThat(open.degradedDecisions()).isEqualTo(1);
        }
    }
}
