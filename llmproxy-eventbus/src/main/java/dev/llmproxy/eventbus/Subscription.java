package dev.llmproxy.eventbus;

/**
 * A live subscription: a consumer in a subscriber group. Returned by both subscribe methods of
 * {@link EventBus}; the pull variant adds {@link PullSubscription#poll poll} and acknowledgement.
 *
 * <p>Thread-safe.
 */
public interface Subscription extends AutoCloseable {
    /** The subscriber group. */
    String group();

    /** This consumer's name within the group. */
    String consumer();

    /** Counters; cheap, no I/O. */
    SubscriptionStats stats();

    /**
     * Whether the subscription has ended: closed by {@link #close()}, or because its bus closed.
     * A closed subscription delivers nothing more.
     */
    boolean isClosed();

    /**
     * Stops receiving. Deliveries not yet acknowledged stay pending in Redis (another consumer
     * claims them after {@code REDIS_STREAM_CLAIM_TIME}) or are lost in memory. A handler
     * subscription first lets the batch in progress finish (waiting up to
     * {@link EventBus#DEFAULT_CLOSE_TIMEOUT}). Idempotent; never throws.
     */
    @Override
    void close();
}
