package dev.llmproxy.eventbus;

import java.util.List;

/**
 * Receives batches of events from a subscription created with
 * {@link EventBus#subscribe(SubscriptionOptions, EventHandler)}.
 *
 * <p>Returning normally acknowledges the whole batch. Throwing leaves it unacknowledged: the
 * Redis Streams bus redelivers it (to this or another consumer of the group) once it has been
 * idle for {@code REDIS_STREAM_CLAIM_TIME}; the in-memory bus drops it and counts it as
 * {@linkplain SubscriptionStats#nacked() nacked}. After a failure the subscription waits before
 * the next batch (100 ms, doubling up to 5 s, reset by a success).
 *
 * <p>Called from the subscription's own thread, one batch at a time, so an implementation need not
 * be thread-safe unless it shares state with other code.
 */
@FunctionalInterface
public interface EventHandler {
    /**
     * Processes a batch; never empty.
     *
     * @param batch the deliveries, oldest first; unmodifiable
     * @throws Exception to leave the batch unacknowledged
     */
    void handle(List<Delivery> batch) throws Exception;
}
