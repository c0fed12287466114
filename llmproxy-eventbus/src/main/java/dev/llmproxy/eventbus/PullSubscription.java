package dev.llmproxy.eventbus;

import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * A subscription the consumer drives: poll a batch, process it, then acknowledge it. This is how
 * a dispatcher gets at-least-once delivery with Redis Streams: acknowledge only after the backend
 * accepted the batch, and a crash at any point before that leaves the events pending in Redis
 * for another consumer to claim.
 *
 * <pre>{@code
 * try (PullSubscription sub = bus.subscribe(SubscriptionOptions.group("dispatch-file"))) {
 *     while (!sub.isClosed()) {
 *         List<Delivery> batch = sub.poll(100, Duration.ofSeconds(5));
 *         if (batch.isEmpty()) continue;
 *         try {
 *             backend.send(batch);
 *             sub.ack(batch);
 *         } catch (TransientFailure e) {
 *             sub.nack(batch);          // redelivered later (Redis) / dropped (memory)
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> {@code poll} may be called by one thread at a time; {@code ack} and
 * {@code nack} from any thread, concurrently with a poll (for example from an asynchronous HTTP
 * client's callback).
 *
 * <p><b>Duplicates.</b> With Redis Streams a delivery can arrive twice: when a consumer crashed
 * after processing but before acknowledging, or when it held a batch longer than
 * {@code REDIS_STREAM_CLAIM_TIME} and another consumer claimed it. {@link Delivery#redelivered()}
 * marks such deliveries and {@link Delivery#id()} is stable, so a consumer can deduplicate.
 */
public interface PullSubscription extends Subscription {
    /**
     * Waits up to {@code timeout} for events and returns at most {@code maxEvents} of them, oldest
     * first. Returns as soon as at least one is available. Returns an empty list when the timeout
     * passes, when the subscription is closed (check {@link #isClosed()}), and while the backend is
     * unreachable (the error is counted in {@link #stats()} and the subscription reconnects by
     * itself on later polls).
     *
     * @param maxEvents maximum batch size, {@code >= 1}
     * @param timeout how long to wait; zero means do not wait
     * @return the deliveries; a fresh mutable list owned by the caller
     * @throws InterruptedException if the thread is interrupted while waiting
     * @throws IllegalArgumentException if {@code maxEvents < 1} or {@code timeout} is negative
     */
    List<Delivery> poll(int maxEvents, Duration timeout) throws InterruptedException;

    /**
     * Acknowledges processed deliveries; they will not be delivered again. Redis: {@code XACK}; if
     * Redis is unreachable the acknowledgement is kept and retried on later calls, and lost (so
     * the events are redelivered) only if the process stops first. Memory: bookkeeping only.
     * Acknowledging after {@link #close()} is allowed while the bus is open. Unknown or repeated
     * deliveries are ignored.
     *
     * @param deliveries deliveries from this subscription's poll
     */
    void ack(Collection<Delivery> deliveries);

    /**
     * Gives deliveries back unprocessed. Redis: they stay pending and are redelivered (to any
     * consumer of the group, possibly this one) once idle for {@code REDIS_STREAM_CLAIM_TIME}.
     * Memory: they are dropped and counted. Unknown or repeated deliveries are ignored.
     *
     * @param deliveries deliveries from this subscription's poll
     */
    void nack(Collection<Delivery> deliveries);

    /**
     * Reads how far this subscription's group is behind. May do backend I/O (Redis: {@code XLEN},
     * {@code XPENDING}, {@code XINFO GROUPS}), so call it from a metrics thread, not per event.
     *
     * @return the backlog
     * @throws EventBusException if the backend is unreachable
     */
    Backlog backlog();
}
