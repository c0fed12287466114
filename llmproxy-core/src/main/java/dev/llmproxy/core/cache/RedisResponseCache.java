package dev.llmproxy.core.cache;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.resps.ScanResult;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.LongAdder;

/**
 * The shared {@link ResponseCache}: entries in Redis, visible to every proxy instance using the
 * same server and key prefix.
 *
 * <ul>
 *   <li><b>Layout:</b> one string per entry, key = the {@link CacheKey} (which starts with
 *       {@code REDIS_CACHE_KEY_PREFIX}), value = {@link CachedResponseCodec}'s binary form, written
 *       with {@code SET key value PX <ms until expiry>}, so Redis drops entries on time by
 *       itself.</li>
 *   <li><b>Threads:</b> jedis is blocking, so every command runs on {@code executor} (bounded,
 *       supplied by the embedder), never on the caller's event loop. A full executor makes the
 *       call a miss or a skipped store.</li>
 *   <li><b>Failures degrade, never fail:</b> any Redis error, timeout (250 ms by default, for
 *       connect and for each reply), unreadable entry or rejected task makes {@link #get} a miss
 *       and {@link #put} a no-op, counted in {@link CacheStats#errors()} and logged (first
 *       occurrence, then every 1000th). After a connection failure the cache stops calling Redis
 *       for {@code retryAfter} (1 s by default): during an outage requests do not each wait for a
 *       connect timeout, and they answer at once without changing threads. The first call after
 *       that tries again; it works as soon as Redis is back. An entry that cannot be decoded is
 *       deleted.</li>
 *   <li><b>Start-up:</b> nothing connects until the first command, so a proxy starts (and serves
 *       requests, uncached) while Redis is down.</li>
 *   <li><b>Purge:</b> an exact key is {@code UNLINK}ed; a prefix is walked with
 *       {@code SCAN MATCH <prefix>* COUNT 500} and each page {@code UNLINK}ed (never {@code KEYS},
 *       which blocks Redis). Glob characters in the prefix are escaped. A purge outside the key
 *       prefix is refused, so it can never touch another application's keys.</li>
 * </ul>
 * Thread-safe.
 */
public final class RedisResponseCache implements ResponseCache {

    /** Connect and reply timeout of {@link #connect}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(250);
    /** How long the cache leaves Redis alone after a connection failure. */
    public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);
    /** Connections in the pool of {@link #connect}. */
    public static final int DEFAULT_POOL_SIZE = 16;

    static final int SCAN_COUNT = 500;

    private static final Logger log = LoggerFactory.getLogger(RedisResponseCache.class);

    private final UnifiedJedis redis;
    private final String keyPrefix;
    private final Executor executor;
    private final Clock clock;
    private final long retryAfterNanos;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder stores = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private volatile boolean down;
    private volatile long downUntilNanos;
    private volatile boolean closed;

    /**
     * @param redis      the client; this cache takes ownership and closes it in {@link #close()}
     * @param keyPrefix  the prefix every key of this cache starts with ({@link CacheKeys#prefix()})
     * @param executor   runs every Redis command; bounded, never an event loop
     * @param clock      decides expiry (the clock that stamped the entries)
     * @param retryAfter pause after a connection failure, positive
     */
    public RedisResponseCache(UnifiedJedis redis, String keyPrefix, Executor executor, Clock clock,
                              Duration retryAfter) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.keyPrefix = new CacheKeys(keyPrefix).prefix();
        this.executor = Objects.requireNonNull(executor, "executor");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (retryAfter == null || retryAfter.isNegative() || retryAfter.isZero()) {
            throw new IllegalArgumentException("retryAfter must be positive, got " + retryAfter);
        }
        this.retryAfterNanos = retryAfter.toNanos();
    }

    /**
     * A cache on its own connection pool to {@code url} ({@code redis://[user:password@]host:port[/db]}).
     * Does not connect yet.
     *
     * @param timeout  connect timeout, reply timeout and longest wait for a pooled connection
     * @param poolSize most connections open at once
     * @throws IllegalArgumentException for a malformed URL (the message never shows the password)
     */
    public static RedisResponseCache connect(String url, String keyPrefix, Executor executor, Clock clock,
                                             Duration timeout, int poolSize, Duration retryAfter) {
        RedisCacheUrl u = RedisCacheUrl.parse(url);
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        if (poolSize < 1) {
            throw new IllegalArgumentException("poolSize must be at least 1, got " + poolSize);
        }
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(millis)
                .socketTimeoutMillis(millis)
                // RESP2 explicitly: every server speaks it, and no handshake round trip is needed.
                .resp2()
                .database(u.database());
        if (u.ssl()) {
            // The JVM's trust store and full host-name verification.
            config.sslOptions(SslOptions.defaults());
        }
        if (u.user() != null) {
            config.user(u.user());
        }
        if (u.password() != null) {
            config.password(u.password());
        }
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(poolSize);
        pool.setMaxIdle(poolSize);
        pool.setMinIdle(0);
        // Without a bound a busy pool would park the executor's threads indefinitely.
        pool.setMaxWait(Duration.ofMillis(millis));
        pool.setBlockWhenExhausted(true);
        pool.setJmxEnabled(false);
        UnifiedJedis client = RedisClient.builder()
                .hostAndPort(new HostAndPort(u.host(), u.port()))
                .clientConfig(config.build())
                .poolConfig(pool)
                .build();
        log.info("response cache on Redis {} (key prefix {}, timeout {} ms)", u, keyPrefix, millis);
        return new RedisResponseCache(client, keyPrefix, executor, clock, retryAfter);
    }

    @Override
    public CompletionStage<CachedResponse> get(CacheKey key) {
        if (!usable()) {
            misses.increment();
            return CompletableFuture.completedFuture(null);
        }
        try {
            return CompletableFuture.supplyAsync(() -> getBlocking(key), executor);
        } catch (RejectedExecutionException e) {
            failed("get", e);
            misses.increment();
            return CompletableFuture.completedFuture(null);
        }
    }

    CachedResponse getBlocking(CacheKey key) {
        byte[] k = bytes(ownKey(key));
        byte[] raw;
        try {
            raw = withRetry(() -> redis.get(k));
        } catch (RuntimeException e) {
            failed("get", e);
            misses.increment();
            return null;
        }
        if (raw == null) {
            misses.increment();
            return null;
        }
        CachedResponse r;
        try {
            r = CachedResponseCodec.decode(raw);
        } catch (CacheCodecException e) {
            failed("decode " + key, e);
            misses.increment();
            deleteQuietly(k);
            return null;
        }
        if (r.isExpired(clock.instant())) {
            misses.increment();
            return null;
        }
        hits.increment();
        return r;
    }

    @Override
    public CompletionStage<Void> put(CacheKey key, CachedResponse response) {
        Objects.requireNonNull(response, "response");
        ownKey(key);
        if (closed || response.isExpired(clock.instant())) {
            return CompletableFuture.completedFuture(null);
        }
        if (!usable()) {
            return CompletableFuture.completedFuture(null);
        }
        try {
            return CompletableFuture.runAsync(() -> putBlocking(key, response), executor);
        } catch (RejectedExecutionException e) {
            failed("put", e);
            return CompletableFuture.completedFuture(null);
        }
    }

    void putBlocking(CacheKey key, CachedResponse response) {
        long ttlMillis = response.remaining(clock.instant()).toMillis();
        if (ttlMillis <= 0) {
            return;
        }
        byte[] k = bytes(key.value());
        byte[] v = CachedResponseCodec.encode(response);
        try {
            withRetry(() -> redis.set(k, v, SetParams.setParams().px(ttlMillis)));
            stores.increment();
        } catch (RuntimeException e) {
            failed("put", e);
        }
    }

    @Override
    public CompletionStage<Long> purge(String keyOrPrefix, boolean prefix) {
        Objects.requireNonNull(keyOrPrefix, "keyOrPrefix");
        if (!keyOrPrefix.startsWith(keyPrefix)) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "purge of '" + keyOrPrefix + "' refused: cache keys start with '" + keyPrefix + "'"));
        }
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("cache is closed"));
        }
        try {
            return CompletableFuture.supplyAsync(() -> purgeBlocking(keyOrPrefix, prefix), executor);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    long purgeBlocking(String keyOrPrefix, boolean prefix) {
        try {
            if (!prefix) {
                return redis.unlink(keyOrPrefix);
            }
            ScanParams params = new ScanParams().match(escapeGlob(keyOrPrefix) + "*").count(SCAN_COUNT);
            String cursor = ScanParams.SCAN_POINTER_START;
            long removed = 0;
            do {
                ScanResult<String> page = redis.scan(cursor, params);
                List<String> keys = page.getResult();
                if (!keys.isEmpty()) {
                    // SCAN may return a key twice; UNLINK counts only what it removed.
                    removed += redis.unlink(keys.toArray(new String[0]));
                }
                cursor = page.getCursor();
            } while (!ScanParams.SCAN_POINTER_START.equals(cursor));
            return removed;
        } catch (RuntimeException e) {
            failed("purge", e);
            throw new CompletionException(new IllegalStateException(
                    "cache purge of '" + keyOrPrefix + "' failed: Redis unavailable (" + e.getMessage() + ")", e));
        }
    }

    /** Escapes Redis glob characters so a prefix matches only itself. */
    static String escapeGlob(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    @Override
    public CacheStats stats() {
        return new CacheStats(hits.sum(), misses.sum(), stores.sum(), 0, -1, -1, errors.sum());
    }

    /** The key prefix this cache owns. */
    public String keyPrefix() {
        return keyPrefix;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            redis.close();
        } catch (RuntimeException e) {
            log.debug("closing the Redis cache client", e);
        }
    }

    /** False while closed or pausing after a connection failure; such calls count as errors. */
    private boolean usable() {
        if (closed) {
            return false;
        }
        if (down && System.nanoTime() - downUntilNanos < 0) {
            errors.increment();
            return false;
        }
        return true;
    }

    private String ownKey(CacheKey key) {
        String k = key.value();
        if (!k.startsWith(keyPrefix)) {
            throw new IllegalArgumentException("key '" + k + "' does not start with this cache's prefix '"
                    + keyPrefix + "'");
        }
        return k;
    }

    /**
     * Runs a command; on a connection failure once more (a pooled connection may have died with a
     * Redis restart, and get/set are safe to repeat), then pauses the cache.
     */
    private <T> T withRetry(java.util.function.Supplier<T> command) {
        T result;
        try {
            result = command.get();
        } catch (JedisConnectionException first) {
            try {
                result = command.get();
            } catch (JedisConnectionException second) {
                downUntilNanos = System.nanoTime() + retryAfterNanos;
                down = true;
                throw second;
            }
        }
        if (down) {
            down = false;
            log.info("response cache: Redis reachable again");
        }
        return result;
    }

    private void deleteQuietly(byte[] key) {
        try {
            redis.unlink(key);
        } catch (RuntimeException e) {
            log.debug("could not delete an unreadable cache entry", e);
        }
    }

    private void failed(String what, Exception e) {
        errors.increment();
        long n = errors.sum();
        if (n == 1 || n % 1000 == 0) {
            log.warn("response cache: {} failed ({}); requests go on uncached ({} errors so far)", what, e.toString(), n);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
