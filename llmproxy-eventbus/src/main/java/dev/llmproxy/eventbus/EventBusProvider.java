package dev.llmproxy.eventbus;

import java.util.Set;

/**
 * Creates {@link EventBus} instances of one kind. Implementations are found with
 * {@link java.util.ServiceLoader}: list the class in
 * {@code META-INF/services/dev.llmproxy.eventbus.EventBusProvider}, and select it by
 * {@link #name()} with {@link EventBuses#load(String, ComponentConfig)} (the server passes
 * {@code LLM_PROXY_EVENT_BUS}).
 *
 * <p>A provider is a stateless factory with a public no-argument constructor. Loading must not
 * fail when an optional dependency of the bus is missing: keep those types out of the provider's
 * fields and signatures and report the missing dependency from {@link #create}.
 *
 * <p>Built-in: {@code in-memory} (alias {@code memory}) and {@code redis-streams}.
 */
public interface EventBusProvider {
    /** The name users select this bus by, for example {@code redis-streams}. */
    String name();

    /** Other accepted names; none by default. */
    default Set<String> aliases() {
        return Set.of();
    }

    /**
     * Creates a running bus.
     *
     * @param config the bus's settings (see {@link EventBusConfig} for the built-in keys)
     * @return the bus; the caller closes it
     * @throws ConfigurationException if the configuration is invalid or a required library is missing
     */
    EventBus create(ComponentConfig config);
}
