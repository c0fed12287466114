package dev.llmproxy.server;

import dev.llmproxy.core.cache.ResponseCache;
import dev.llmproxy.core.cache.ResponseCacheConfig;
import dev.llmproxy.core.cache.ResponseCaches;

import dev.llmproxy.core.audit.AuditLogger;
import dev.llmproxy.core.audit.AuditStore;
import dev.llmproxy.core.auth.InvalidationBus;
import dev.llmproxy.core.auth.RedisInvalidationBus;
import dev.llmproxy.core.auth.TokenService;
import dev.llmproxy.core.health.HealthCheck;
import dev.llmproxy.core.manage.ManagementApi;
import dev.llmproxy.core.ratelimit.LocalRateLimiter;
import dev.llmproxy.core.ratelimit.RateLimiter;
import dev.llmproxy.core.ratelimit.RedisRateLimiter;
import dev.llmproxy.core.store.Database;
import dev.llmproxy.core.store.JdbcAuditStore;
import dev.llmproxy.core.store.JdbcUsageStore;
import dev.llmproxy.core.usage.PriceTable;
import dev.llmproxy.core.usage.UsageRecords;
import dev.llmproxy.core.usage.UsageWriter;
import dev.llmproxy.core.store.JdbcProjectStore;
import dev.llmproxy.core.store.JdbcTokenStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Everything {@code llm-proxy server} runs besides the proxy itself, opened in dependency order
 * and closed in reverse:
 *
 * <ol>
 *   <li>the database ({@link Database#open}: pool, connection check, pending migrations);</li>
 *   <li>the JDBC stores, the project store with the {@code ENCRYPTION_KEY} cipher;</li>
 *   <li>the audit logger (file and/or {@code audit_events} rows);</li>
 *   <li>the blocking executor: {@value #BLOCKING_THREADS} named threads and a queue of
 *       {@value #BLOCKING_QUEUE} tasks for every JDBC and Redis call (never the event loops);
 *       beyond that, work is refused (503) rather than queued without bound;</li>
 *   <li>with {@code REDIS_ADDR}: a jedis {@link RedisClient} pool for the Lua rate limiter and a
 *       {@link RedisInvalidationBus} on {@value RedisLink#INVALIDATION_CHANNEL}; otherwise an
 *       in-memory limiter and no bus;</li>
 *   <li>the {@link TokenService} and the {@link ManagementApi}.</li>
 * </ol>
 *
 * {@link #close()} runs after the proxy has stopped: the token service flushes usage and returns
 * unused quota leases (on the executor, which is drained next), then the invalidation bus and the
 * Redis pool close, then the audit logger writes what it holds, and finally the database closes.
 * Not thread-safe: open and close once.
 */
final class ServerServices implements AutoCloseable {

    static final int BLOCKING_THREADS = 16;
    static final int BLOCKING_QUEUE = 10_000;
    static final int AUDIT_QUEUE = 10_000;

    private static final Logger log = LoggerFactory.getLogger(ServerServices.class);

    /** What was opened, in order; closed in reverse. */
    private final List<AutoCloseable> opened;
    private final Database database;
    private final AuditLogger audit;
    private final TokenService tokenService;
    private final ManagementApi managementApi;
    /** Database and Redis checks for {@code /ready} and {@code /health/details}. */
    private final List<HealthCheck> healthChecks = new ArrayList<>();

    private final ResponseCache responseCache;
    /** Writes usage records; null when usage tracking is off. */
    private final UsageWriter usageWriter;

    private ServerServices(StorageSettings storage, ManagementToken managementToken, ResponseCacheConfig cacheConfig,
                           List<AutoCloseable> opened) {
        this.opened = opened;
        Clock clock = Clock.systemUTC();
        database = Database.open(storage.database());
        opened.add(database);
        // The proxy's HealthMonitor runs this (blocking) ping off the event loops and caches it.
        healthChecks.add(HealthCheck.of("database", true,
                Map.of("driver", database.driver().name().toLowerCase(java.util.Locale.ROOT)), database::ping));
        JdbcProjectStore projects = new JdbcProjectStore(database, storage.cipher());
        JdbcTokenStore tokens = new JdbcTokenStore(database);
        AuditStore auditStore = new JdbcAuditStore(database);
        AuditSettings a = storage.audit();
        audit = openAudit(a, a.storeInDb() ? auditStore : null);
        opened.add(audit);
        ThreadPoolExecutor blocking = new ThreadPoolExecutor(BLOCKING_THREADS, BLOCKING_THREADS, 60,
                TimeUnit.SECONDS, new ArrayBlockingQueue<>(BLOCKING_QUEUE), named("llmproxy-blocking"));
        blocking.allowCoreThreadTimeOut(true);
        AutoCloseable drainBlocking = () -> {
            blocking.shutdown();
            if (!blocking.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("blocking tasks still running after 10 s; abandoning them");
                blocking.shutdownNow();
            }
        };
        RateLimiter rateLimiter = new LocalRateLimiter();
        InvalidationBus invalidations = null;
        RedisLink redis = storage.redis();
        if (redis != null) {
            RedisShared shared = RedisShared.open(redis, blocking, opened, healthChecks);
            rateLimiter = shared.rateLimiter();
            invalidations = shared.invalidations();
        }
        // Registered here so that it runs after the token service closes (whose lease returns run on
        // it) and before Redis and the database close.
        opened.add(drainBlocking);
        tokenService = new TokenService(tokens, projects, blocking, rateLimiter, storage.tokens(), clock,
                invalidations);
        opened.add(tokenService);
        if (cacheConfig != null) {
            responseCache = ResponseCaches.create(cacheConfig, blocking, clock);
            opened.add(responseCache::close);
            log.info("response cache: {}", cacheConfig);
        } else {
            responseCache = null;
        }
        UsageSettings usage = storage.usage();
        JdbcUsageStore usageStore = usage.enabled() ? new JdbcUsageStore(database) : null;
        if (usageStore != null) {
            // Closed before the database (reverse order) and after the proxy has stopped, so every
            // finished request's record is written.
            usageWriter = new UsageWriter(usageStore, new UsageRecords(usage.prices()), UsageWriter.DEFAULT_QUEUE_CAPACITY,
                    UsageWriter.DEFAULT_BATCH_SIZE, usage.retention(), clock);
            opened.add(usageWriter);
            log.info("usage tracking on: prices {}, retention {}", usage.priceFile() == null
                    ? "built in (" + PriceTable.BUILT_IN_AS_OF + ")" : "from " + usage.priceFile(),
                    usage.retention() == null ? "unlimited" : usage.retention().toDays() + " days");
        } else {
            usageWriter = null;
            log.info("usage tracking off (USAGE_TRACKING_ENABLED=false)");
        }
        managementApi = ManagementApi.builder()
                .usageStore(usageStore)
                .responseCache(responseCache, cacheConfig == null ? null : cacheConfig.keys())
                .projects(projects).tokens(tokens)
                .auditStore(a.enabled() && a.storeInDb() ? auditStore : null)
                .auditLogger(audit).tokenService(tokenService)
                .managementToken(managementToken.value())
                .executor(blocking).clock(clock).build();
    }

    /**
     * Opens everything in order; on a failure closes what was opened and rethrows.
     *
     * @throws dev.llmproxy.core.store.StoreException when the database cannot be opened or migrated
     * @throws ConfigError                            when the audit file cannot be opened
     */
    static ServerServices open(StorageSettings storage, ManagementToken managementToken,
                               ResponseCacheConfig cacheConfig) {
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            return new ServerServices(storage, managementToken, cacheConfig, opened);
        } catch (RuntimeException e) {
            closeAll(opened);
            throw e;
        }
    }

    private static AuditLogger openAudit(AuditSettings a, AuditStore store) {
        if (!a.enabled() || a.file() == null && store == null) {
            log.info("audit log disabled");
            return AuditLogger.disabled();
        }
        try {
            AuditLogger logger = new AuditLogger(a.file(), a.createDir(), store, AUDIT_QUEUE);
            log.info("audit log: {}{}", a.file() == null ? "no file" : a.file(),
                    store == null ? "" : " and the database");
            return logger;
        } catch (IOException e) {
            throw new ConfigError("AUDIT_LOG_FILE: cannot open " + a.file() + " for appending: " + e.getMessage(), e);
        }
    }

    Database database() {
        return database;
    }

    /**
     * The dependencies {@code /ready} requires: the database (a pooled connection that validates
     * within 2 s) and, with {@code REDIS_ADDR}, Redis ({@code PING}). Redis is required because an
     * instance cut off from it no longer sees revocations made on other instances within the 1 s
     * the spec promises; better to take it out of the load balancer.
     */
    List<HealthCheck> healthChecks() {
        return List.copyOf(healthChecks);
    }

    /**
     * Rate limits and token invalidation through Redis. A class of its own so that the JVM loads
     * the Redis client (a deep interface hierarchy, some fifty classes) only when {@code REDIS_ADDR}
     * is set, not when it verifies {@link ServerServices} (start-up time).
     */
    private record RedisShared(RateLimiter rateLimiter, InvalidationBus invalidations) {

        static RedisShared open(RedisLink redis, ThreadPoolExecutor blocking, List<AutoCloseable> opened,
                                List<HealthCheck> healthChecks) {
            if (redis.tls() || redis.user() != null) {
                throw new ConfigError("REDIS_ADDR: token invalidation over Redis does not support TLS (rediss://) or"
                        + " ACL users yet; use redis://[:password@]host:port[/db] with REDIS_PASSWORD");
            }
            RedisClient client = RedisClient.builder()
                    .hostAndPort(new HostAndPort(redis.host(), redis.port()))
                    .clientConfig(DefaultJedisClientConfig.builder().database(redis.database())
                            .password(redis.password()).timeoutMillis(2000).clientName("llmproxy-ratelimit").build())
                    .build();
            opened.add(client);
            healthChecks.add(redisCheck(client, redis));
            RateLimiter rateLimiter = new RedisRateLimiter(client, RedisLink.RATE_LIMIT_PREFIX, blocking,
                    redis.failMode());
            InvalidationBus invalidations = new RedisInvalidationBus(redis.host(), redis.port(), redis.database(),
                    redis.password(), RedisLink.INVALIDATION_CHANNEL);
            opened.add(invalidations);
            log.info("token invalidation and rate limits shared through Redis at {} (rate limits fail {} while it"
                    + " is down)", redis.endpoint(), redis.failMode() == RedisRateLimiter.FailMode.OPEN ? "open"
                    : "closed");
            return new RedisShared(rateLimiter, invalidations);
        }
    }

    private static HealthCheck redisCheck(RedisClient client, RedisLink redis) {
        Map<String, Object> details = Map.of("endpoint", redis.endpoint(),
                "used_for", "rate limits and token invalidation");
        return new HealthCheck() {
            @Override
            public String name() {
                return "redis";
            }

            @Override
            public boolean requiredForReadiness() {
                return true;
            }

            @Override
            public Map<String, Object> describe() {
                return details;
            }

            @Override
            public Result check() {
                String pong = client.ping();
                return new Result("PONG".equalsIgnoreCase(pong), details);
            }
        };
    }

    /** The response cache, or null when disabled. */
    ResponseCache responseCache() {
        return responseCache;
    }

    AuditLogger audit() {
        return audit;
    }

    TokenService tokenService() {
        return tokenService;
    }

    /** The usage writer, or null when usage tracking is off. */
    UsageWriter usageWriter() {
        return usageWriter;
    }

    ManagementApi managementApi() {
        return managementApi;
    }

    @Override
    public void close() {
        closeAll(opened);
    }

    /** Closes in reverse order of opening; one failure does not keep the rest open. */
    private static void closeAll(List<AutoCloseable> resources) {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                log.warn("closing {} failed: {}", resources.get(i).getClass().getSimpleName(), e.toString());
            }
        }
        resources.clear();
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
