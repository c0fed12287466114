package dev.llmproxy.eventbus;

/**
 * Counters of one subscription, totals since it was created.
 *
 * @param delivered deliveries returned by poll (including redeliveries)
 * @param redelivered deliveries that had been handed out before: claimed from another consumer
 *                    or recovered from this consumer's pending list
 * @param acked deliveries acknowledged
 * @param nacked deliveries given back unprocessed ({@link PullSubscription#nack})
 * @param undecodable messages that could not be decoded; logged and acknowledged, never delivered
 * @param trimmed pending messages found deleted from the stream (trimmed by
 *                {@code REDIS_STREAM_MAX_LEN}) before they were processed; acknowledged, lost
 * @param inFlight deliveries returned by poll and not yet acked or nacked
 * @param errors backend errors met while polling or acknowledging (the backend was unreachable)
 * @param connected whether the last backend operation succeeded (always true in memory)
 */
public record SubscriptionStats(long delivered, long redelivered, long acked, long nacked,
                                long undecodable, long trimmed, int inFlight, long errors,
                                boolean connected) {
}
