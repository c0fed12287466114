package dev.llmproxy.eventbus.memory;

import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBusConfig;
import dev.llmproxy.eventbus.EventBusProvider;
import java.time.Duration;
import java.util.Set;

/**
 * Provides the {@code in-memory} event bus (alias {@code memory}): single process, bounded,
 * fan-out across subscriber groups, drop-and-count when a group's queue is full, at-most-once.
 *
 * <p>Reads {@code OBSERVABILITY_BUFFER_SIZE} (per-group queue capacity, default 10000, 1 to
 * 16777216), {@code REDIS_CONSUMER_GROUP} (default group), {@code REDIS_STREAM_BATCH_SIZE} and
 * {@code REDIS_STREAM_BLOCK_TIME} (handler subscription defaults); see {@link EventBusConfig}.
 *
 * <p>Public only so {@link java.util.ServiceLoader} can instantiate it; create buses through
 * {@link dev.llmproxy.eventbus.EventBuses#load}.
 */
public final class InMemoryEventBusProvider implements EventBusProvider {
    /** The name this bus is selected by. */
    public static final String NAME = "in-memory";
    static final int MAX_CAPACITY = 1 << 24;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> aliases() {
        return Set.of("memory");
    }

    @Override
    public EventBus create(ComponentConfig config) {
        int capacity = EventBusConfig.intInRange(config, EventBusConfig.OBSERVABILITY_BUFFER_SIZE,
                EventBusConfig.DEFAULT_BUFFER_SIZE, 1, MAX_CAPACITY);
        String group = config.string(EventBusConfig.REDIS_CONSUMER_GROUP, EventBusConfig.DEFAULT_CONSUMER_GROUP);
        int batch = EventBusConfig.intInRange(config, EventBusConfig.REDIS_STREAM_BATCH_SIZE,
                EventBusConfig.DEFAULT_BATCH_SIZE, 1, 100_000);
        Duration pollTimeout = EventBusConfig.durationInRange(config, EventBusConfig.REDIS_STREAM_BLOCK_TIME,
                EventBusConfig.DEFAULT_BLOCK_TIME, Duration.ofMillis(1), Duration.ofHours(1));
        return new InMemoryEventBus(capacity, group, batch, pollTimeout);
    }
}
