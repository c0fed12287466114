package dev.llmproxy.server;

import dev.llmproxy.eventbus.RedisAddress;

import dev.llmproxy.core.ratelimit.RedisRateLimiter;


/**
 * The Redis that proxy instances share for token invalidation (pub/sub) and per-token rate limits
 * (a Lua script), configured when {@code REDIS_ADDR} is set. Without it each instance limits and
 * invalidates on its own, which is exact for a single instance.
 *
 * @param host      from {@code REDIS_ADDR}
 * @param port      from {@code REDIS_ADDR} (default 6379)
 * @param tls       {@code rediss://} in {@code REDIS_ADDR}
 * @param user      ACL user from the URL form, or null
 * @param password  {@code REDIS_PASSWORD}, else the URL's password, or null; never logged
 * @param database  {@code REDIS_DB}, else the URL's path, else 0
 * @param failMode  {@code RATE_LIMIT_FAIL_MODE}: what rate limits do while Redis is unreachable
 */
record RedisLink(String host, int port, boolean tls, String user, String password, int database,
                 RedisRateLimiter.FailMode failMode) {

    /** Pub/sub channel of token and project invalidations. */
    static final String INVALIDATION_CHANNEL = "llmproxy:invalidations";

    /** Prefix of the rate limiter's keys (one sorted set per token). */
    static final String RATE_LIMIT_PREFIX = "llmproxy:ratelimit:";

    /**
     * Reads {@code REDIS_ADDR} in the forms the event bus accepts: {@code host}, {@code host:port},
     * {@code [ipv6]:port}, or {@code redis[s]://[[user]:password@]host[:port][/db]}.
     *
     * @param database {@code REDIS_DB}, or null to take the URL's (else 0)
     * @param password {@code REDIS_PASSWORD}, or null to take the URL's
     * @throws IllegalArgumentException saying what was expected; a password in the URL is masked
     */
    static RedisLink parse(String addr, Integer database, String password, RedisRateLimiter.FailMode failMode) {
        String a = addr.strip();
        RedisAddress parsed;
        try {
            parsed = RedisAddress.parse(a);
        } catch (IllegalArgumentException e) {
            throw bad(a);
        }
        int urlDb = parsed.database() == null ? 0 : parsed.database();
        return new RedisLink(parsed.host(), parsed.port(), parsed.tls(), parsed.user(),
                password != null ? password : parsed.password(), database != null ? database : urlDb, failMode);
    }

    private static IllegalArgumentException bad(String addr) {
        String shown = addr.replaceAll("(?<=://)[^/@]*@", "****@");
        return new IllegalArgumentException("expected host:port, [ipv6]:port or redis://[user:password@]host:port[/db]"
                + " (rediss:// for TLS), got '" + shown + "'");
    }

    /** {@code redis://host:port/db} for log lines: never the password. */
    String endpoint() {
        return (tls ? "rediss://" : "redis://") + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/"
                + database;
    }

    @Override
    public String toString() {
        return "RedisLink[" + endpoint() + (user == null ? "" : " user=" + user)
                + (password == null ? "" : " password=[redacted]") + ", failMode=" + failMode + "]";
    }
}
