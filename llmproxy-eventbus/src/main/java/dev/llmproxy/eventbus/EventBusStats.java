package dev.llmproxy.eventbus;

/**
 * Counters of a bus's publishing side, for metrics ({@code llmproxy_eventbus_*}) and health
 * checks. Counters are totals since the bus was created; read them as monotonic counters.
 *
 * @param published events delivered to the backend: in memory, events accepted by
 *                  {@link EventBus#publish}; with Redis Streams, events written to the stream
 * @param dropped events lost on the publishing side: in memory, one per subscriber group whose
 *                queue was full (plus events rejected after close); with Redis Streams, events
 *                rejected because the publish buffer was full, events Redis refused, and events
 *                still buffered when close gave up
 * @param queueDepth events currently waiting (in memory: summed over all group queues; Redis:
 *                   in the publish buffer, not yet written)
 * @param queueCapacity the capacity behind {@code queueDepth}
 * @param publishErrors failed backend writes (each failed {@code XADD} pipeline attempt, each
 *                      refused entry); always 0 in memory
 * @param reconnects times the bus re-established its publishing connection after losing it;
 *                   always 0 in memory
 */
public record EventBusStats(long published, long dropped, int queueDepth, int queueCapacity,
                            long publishErrors, long reconnects) {
}
