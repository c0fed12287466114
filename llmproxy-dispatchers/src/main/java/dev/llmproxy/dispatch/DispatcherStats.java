package dev.llmproxy.dispatch;

import java.time.Instant;

/**
 * A snapshot of a {@link DispatcherService}'s counters, totals since it started. Cheap to take (no
 * I/O); the bus's own backlog is separate ({@link DispatcherService#backlog()}).
 *
 * @param processed events received from the bus (including redeliveries)
 * @param sent events the backend accepted (then acknowledged)
 * @param failed events given up on: permanent failures, events whose retries passed the maximum
 *               retry age, events the transformer could not handle (each acknowledged and logged)
 * @param skipped events the dispatcher does not take ({@link Dispatcher#accepts}), acknowledged unsent
 * @param retried re-sends of transiently failed events (one event retried three times counts 3)
 * @param pending events held by the service and not yet accepted: the batch being filled plus
 *                events waiting for a retry (they are not acknowledged on the bus either)
 * @param lagMillis age of the oldest pending event, measured from its request's arrival; 0 when none
 * @param lastError the most recent failure, or null; never contains secrets
 * @param lastErrorAt when it happened, or null
 * @param running whether the service loop is running
 */
public record DispatcherStats(long processed, long sent, long failed, long skipped, long retried, int pending,
                              long lagMillis, String lastError, Instant lastErrorAt, boolean running) {
}
