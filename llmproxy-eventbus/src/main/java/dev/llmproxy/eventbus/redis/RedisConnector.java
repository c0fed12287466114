package dev.llmproxy.eventbus.redis;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;

/**
 * Opens dedicated jedis connections for one bus. Each user (the publisher thread, each
 * subscription's reader, the shared control connection) owns its connection outright, so no pool
 * is needed and a blocking {@code XREADGROUP} never holds up anybody else.
 */
final class RedisConnector {
    static final int CONNECT_TIMEOUT_MILLIS = 2_000;
    static final int SOCKET_TIMEOUT_MILLIS = 2_000;

    private final HostAndPort address;
    private final JedisClientConfig config;

    RedisConnector(RedisSettings s) {
        this.address = new HostAndPort(s.host(), s.port());
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(CONNECT_TIMEOUT_MILLIS)
                .socketTimeoutMillis(SOCKET_TIMEOUT_MILLIS)
                // Blocking reads wait at most REDIS_STREAM_BLOCK_TIME server-side; the socket gives
                // up a little later, so a silently dead server cannot hang a poll forever.
                .blockingSocketTimeoutMillis((int) Math.min(Integer.MAX_VALUE,
                        s.blockTime().toMillis() + SOCKET_TIMEOUT_MILLIS))
                // RESP2 explicitly: every server speaks it, and jedis would otherwise warn on each
                // connection that it cannot auto-negotiate RESP3.
                .resp2()
                .database(s.database())
                .ssl(s.ssl());
        if (s.user() != null) {
            b.user(s.user());
        }
        if (s.password() != null) {
            b.password(s.password());
        }
        this.config = b.build();
    }

    /**
     * Opens and verifies a connection (so authentication and reachability fail here, not on first
     * use).
     *
     * @throws redis.clients.jedis.exceptions.JedisException if Redis is unreachable or refuses us
     */
    Jedis open() {
        Jedis jedis = new Jedis(address, config);
        try {
            jedis.ping();
            return jedis;
        } catch (RuntimeException e) {
            quietlyClose(jedis);
            throw e;
        }
    }

    static void quietlyClose(Jedis jedis) {
        if (jedis == null) {
            return;
        }
        try {
            jedis.disconnect();
        } catch (RuntimeException ignored) {
            // Already broken: nothing to release beyond the socket, which disconnect closes.
        }
    }
}
