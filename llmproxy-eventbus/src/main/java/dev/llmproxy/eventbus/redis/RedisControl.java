package dev.llmproxy.eventbus.redis;

import java.util.function.Function;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The bus's shared connection for short commands issued from any thread: {@code XACK} and the
 * backlog queries. Calls are serialised (they are a single round trip each). After a connection
 * failure, calls fail fast until a backoff has passed, so a consumer acknowledging while Redis is
 * down does not wait for a connect timeout on every call.
 */
final class RedisControl {
    private final RedisConnector connector;
    private final Backoff backoff = new Backoff();
    private Jedis jedis; // guarded by this
    private long downUntilNanos; // guarded by this
    private boolean closed; // guarded by this

    RedisControl(RedisConnector connector) {
        this.connector = connector;
    }

    /**
     * Runs {@code op} on the control connection.
     *
     * @throws JedisException from Redis or the connection
     * @throws IllegalStateException if the bus has closed this connection
     */
    synchronized <T> T call(Function<Jedis, T> op) {
        if (closed) {
            throw new IllegalStateException("event bus is closed");
        }
        boolean reused = jedis != null;
        try {
            return op.apply(connection());
        } catch (JedisConnectionException e) {
            RedisConnector.quietlyClose(jedis);
            jedis = null;
            if (!reused) {
                downUntilNanos = System.nanoTime() + backoff.next() * 1_000_000L;
                throw e;
            }
        }
        // The idle connection had died (e.g. Redis restarted since the last call): one retry on a
        // fresh one. Every operation issued here (XACK, reads) is safe to repeat.
        try {
            return op.apply(connection());
        } catch (JedisConnectionException e) {
            RedisConnector.quietlyClose(jedis);
            jedis = null;
            downUntilNanos = System.nanoTime() + backoff.next() * 1_000_000L;
            throw e;
        }
    }

    private Jedis connection() {
        if (jedis == null) {
            if (System.nanoTime() - downUntilNanos < 0) {
                throw new JedisConnectionException("Redis unavailable; waiting before reconnecting");
            }
            try {
                jedis = connector.open();
                backoff.reset();
            } catch (JedisException e) {
                downUntilNanos = System.nanoTime() + backoff.next() * 1_000_000L;
                throw e;
            }
        }
        return jedis;
    }

    synchronized void close() {
        closed = true;
        RedisConnector.quietlyClose(jedis);
        jedis = null;
    }
}
