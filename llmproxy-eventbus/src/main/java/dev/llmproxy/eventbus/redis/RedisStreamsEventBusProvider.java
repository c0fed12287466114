package dev.llmproxy.eventbus.redis;

import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.ConfigurationException;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBusConfig;
import dev.llmproxy.eventbus.EventBusProvider;

/**
 * Provides the {@code redis-streams} event bus: events in a Redis stream, consumer groups,
 * acknowledgement after processing, crash recovery by claiming idle messages. See
 * {@link EventBusConfig} for the keys it reads ({@code REDIS_*}, {@code OBSERVABILITY_BUFFER_SIZE}).
 *
 * <p>jedis is an optional dependency of this library: this class references no jedis type, so it
 * loads without jedis, and {@link #create} reports the missing jar by name. Creating the bus does
 * not contact Redis; the proxy starts even while Redis is down, and events buffer until it is back.
 *
 * <p>Public only so {@link java.util.ServiceLoader} can instantiate it; create buses through
 * {@link dev.llmproxy.eventbus.EventBuses#load}.
 */
public final class RedisStreamsEventBusProvider implements EventBusProvider {
    /** The name this bus is selected by. */
    public static final String NAME = "redis-streams";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public EventBus create(ComponentConfig config) {
        try {
            Class.forName("redis.clients.jedis.Jedis", false, RedisStreamsEventBusProvider.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new ConfigurationException(null, "the redis-streams event bus needs redis.clients:jedis on the "
                    + "class path (an optional dependency of llmproxy-eventbus); add it or use the in-memory bus");
        }
        return new RedisStreamsEventBus(RedisSettings.from(config));
    }
}
