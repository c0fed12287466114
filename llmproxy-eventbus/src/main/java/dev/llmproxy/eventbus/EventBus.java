package dev.llmproxy.eventbus;

import java.time.Duration;

/**
 * Carries {@link Event}s from the proxy to whoever processes them (dispatchers, a file log),
 * without ever slowing a request down. Create one with {@link EventBuses#load}; the built-in
 * backends are:
 *
 * <ul>
 *   <li>{@code in-memory}: within one process. Each subscriber group has its own bounded queue
 *       ({@code OBSERVABILITY_BUFFER_SIZE}); a full queue drops the event for that group only.
 *       At-most-once: nothing survives a restart.</li>
 *   <li>{@code redis-streams}: across processes. Publishing appends to a bounded in-memory buffer
 *       that a background thread writes to a Redis stream in pipelined batches ({@code XADD MAXLEN
 *       ~}); subscribers read with {@code XREADGROUP} and acknowledge with {@code XACK} only when
 *       the consumer says so; messages left unacknowledged by a crashed consumer are claimed by
 *       another after {@code REDIS_STREAM_CLAIM_TIME}. At-least-once between the stream and the
 *       consumer; duplicates are possible.</li>
 * </ul>
 *
 * <p><b>Publishing</b> ({@link #publish}) never blocks and never throws for backend trouble: it
 * returns false and counts a drop when the event cannot be accepted.
 *
 * <p><b>Subscribing</b> comes in two forms. {@link #subscribe(SubscriptionOptions)} returns a
 * {@link PullSubscription} the caller drives (poll a batch, process, ack): what a dispatcher uses.
 * {@link #subscribe(SubscriptionOptions, EventHandler)} runs a thread per subscription that calls
 * a handler and acks when it returns: convenient for in-process consumers such as a file log.
 * Either way: same group = load balancing, different groups = fan-out.
 *
 * <p><b>Closing</b> ({@link #close(Duration)}) is graceful: stop accepting events, flush what was
 * accepted (memory: let subscribers drain their queues; Redis: write the buffer to the stream),
 * wait for deliveries in progress to be acknowledged, then release threads and connections. What
 * is still unflushed at the deadline is counted as dropped. Do not call close from a subscriber's
 * own thread while that subscriber still has to drain.
 *
 * <p>All methods are thread-safe.
 */
public interface EventBus extends AutoCloseable {
    /** How long {@link #close()} waits for a graceful drain. */
    Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);

    /**
     * Offers an event; never blocks, never does I/O on the caller's thread.
     *
     * @param event the event
     * @return true if the bus accepted it (in memory: at least one group's queue had room, or no
     *         group exists; Redis: it fit in the publish buffer); false if it was dropped because
     *         buffers are full or the bus is closed. Drops are counted in {@link #stats()}.
     * @throws NullPointerException if {@code event} is null
     */
    boolean publish(Event event);

    /**
     * Joins a subscriber group as a pull consumer.
     *
     * @param options group, consumer name; unset fields take the bus defaults
     * @return the subscription; the caller closes it
     * @throws IllegalStateException if the bus is closed
     */
    PullSubscription subscribe(SubscriptionOptions options);

    /**
     * Joins a subscriber group with a handler called on a dedicated thread: batches of up to
     * {@code options.batchSize()} events, acknowledged when the handler returns normally (see
     * {@link EventHandler} for failures). One slow handler delays only its own group's
     * deliveries.
     *
     * @param options group, consumer name, batch size and poll timeout; unset fields take the bus
     *                defaults
     * @param handler called with each batch
     * @return the subscription; closing it stops the thread after the current batch
     * @throws IllegalStateException if the bus is closed
     */
    default Subscription subscribe(SubscriptionOptions options, EventHandler handler) {
        // Implementations override this only to fill in their configured defaults first.
        java.util.Objects.requireNonNull(handler, "handler");
        return HandlerSubscription.start(subscribe(options), options, handler);
    }

    /** Publishing counters; cheap, no I/O. */
    EventBusStats stats();

    /**
     * Closes gracefully, waiting at most {@code timeout} (see the class javadoc). Idempotent.
     *
     * @param timeout the drain deadline; zero closes at once and counts undelivered events as dropped
     */
    void close(Duration timeout);

    /** {@link #close(Duration)} with {@link #DEFAULT_CLOSE_TIMEOUT}. */
    @Override
    default void close() {
        close(DEFAULT_CLOSE_TIMEOUT);
    }
}
