package dev.llmproxy.core.auth;

import java.util.function.Consumer;

/**
 * Carries {@link Invalidation}s between proxy instances that share a database, so a revocation
 * made through one instance is enforced by all of them within about a second.
 * {@link RedisInvalidationBus} uses Redis pub/sub; a single instance needs none.
 */
public interface InvalidationBus extends AutoCloseable {

    /** Sends to every other instance; never blocks the caller for long, never throws. */
    void publish(Invalidation invalidation);

    /** Registers the receiver of invalidations published by other instances. */
    void subscribe(Consumer<Invalidation> listener);

    @Override
    void close();
}
