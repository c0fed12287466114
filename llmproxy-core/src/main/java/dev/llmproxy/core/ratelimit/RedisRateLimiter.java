package dev.llmproxy.core.ratelimit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link RateLimiter} shared by every instance using the same Redis: the sliding log is a sorted
 * set per key, updated by one Lua script ({@code EVALSHA}), so concurrent instances never
 * overspend an allowance. Redis time
 * ({@code TIME}) is the clock, so instance clock skew does not matter.
 *
 * <p>Calls are blocking jedis calls and run on {@code executor}, never on an event loop. When
 * Redis cannot be reached the configured {@link FailMode} decides: {@code OPEN} lets the request
 * through (availability first: a Redis outage must not take the API down), {@code CLOSED}
 * refuses it (strict budgets). Either way the decision is marked {@code degraded} and counted.
 */
public final class RedisRateLimiter implements RateLimiter {

    /** What to do when Redis is unavailable. */
    public enum FailMode { OPEN, CLOSED }

    private static final Logger log = LoggerFactory.getLogger(RedisRateLimiter.class);

    // Sliding log in a sorted set scored by request time. KEYS[1] = the key's set; ARGV[1] = rpm;
    // ARGV[2] = a unique member for this request. Returns {allowed, remaining, reset_ms, retry_ms}.
    private static final String SCRIPT = String.join("\n",
            "local t = redis.call('TIME')",
            "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)",
            "local rpm = tonumber(ARGV[1])",
            "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60000)",
            "local n = redis.call('ZCARD', KEYS[1])",
            "if n >= rpm then",
            "  local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])",
            "  local retry = oldest + 60000 - now",
            "  return {0, 0, retry, retry}",
            "end",
            "redis.call('ZADD', KEYS[1], now, ARGV[2])",
            "redis.call('PEXPIRE', KEYS[1], 61000)",
            "local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])",
            "return {1, rpm - n - 1, oldest + 60000 - now, 0}");

    private final UnifiedJedis redis;
    private final String keyPrefix;
    private final Executor executor;
    private final FailMode failMode;
    private final AtomicLong degraded = new AtomicLong();
    private volatile String sha;

    /**
     * @param redis     connection pool (owned by the caller)
     * @param keyPrefix prefix of the per-key state, e.g. {@code llmproxy:ratelimit:}
     * @param executor  where the blocking calls run
     * @param failMode  decision when Redis is unavailable
     */
    public RedisRateLimiter(UnifiedJedis redis, String keyPrefix, Executor executor, FailMode failMode) {
        this.redis = redis;
        this.keyPrefix = keyPrefix;
        this.executor = executor;
        this.failMode = failMode;
    }

    @Override
    public CompletionStage<RateLimitDecision> acquire(String key, int rpm) {
        if (rpm <= 0) {
            throw new IllegalArgumentException("rpm must be > 0, got " + rpm);
        }
        return CompletableFuture.supplyAsync(() -> acquireBlocking(key, rpm), executor);
    }

    /** Decisions made without Redis (fail-open or fail-closed) so far. */
    public long degradedDecisions() {
        return degraded.get();
    }

    RateLimitDecision acquireBlocking(String key, int rpm) {
        try {
            List<Object> r = eval(keyPrefix + key, rpm);
            return new RateLimitDecision((Long) r.get(0) == 1, rpm, ((Long) r.get(1)).intValue(),
                    (Long) r.get(2), (Long) r.get(3), false);
        } catch (RuntimeException e) {
            long n = degraded.incrementAndGet();
            if (n == 1 || n % 1000 == 0) {
                log.warn("rate limiter cannot reach Redis ({}); failing {} ({} degraded decisions so far)",
                        e.toString(), failMode == FailMode.OPEN ? "open" : "closed", n);
            }
            boolean allow = failMode == FailMode.OPEN;
            return new RateLimitDecision(allow, rpm, allow ? rpm : 0, LocalRateLimiter.WINDOW_MILLIS,
                    allow ? 0 : 1000, true);
        }
    }

    /** Unique per request across instances: the set must not merge two requests in one millisecond. */
    private static String member() {
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        return Long.toHexString(r.nextLong()) + Long.toHexString(r.nextLong());
    }

    @SuppressWarnings("unchecked")
    private List<Object> eval(String key, int rpm) {
        String s = sha;
        if (s == null) {
            s = redis.scriptLoad(SCRIPT);
            sha = s;
        }
        try {
            return (List<Object>) redis.evalsha(s, List.of(key), List.of(Integer.toString(rpm), member()));
        } catch (redis.clients.jedis.exceptions.JedisNoScriptException e) {
            sha = null; // Redis restarted and lost its script cache
            return (List<Object>) redis.eval(SCRIPT, List.of(key), List.of(Integer.toString(rpm), member()));
        }
    }
}
