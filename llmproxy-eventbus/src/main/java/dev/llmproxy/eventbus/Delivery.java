package dev.llmproxy.eventbus;

import java.util.Objects;

/**
 * One event handed to a subscriber, with what the bus needs to acknowledge it.
 *
 * @param id the bus's id for this message, unique within the subscriber group (the Redis stream
 *           entry id such as {@code 1718000000000-0}; a sequence number in memory). Stable across
 *           redeliveries, so a consumer may use it to drop duplicates.
 * @param event the event
 * @param redelivered true when this message was handed out before and not acknowledged (taken over
 *                    from a crashed or slow consumer, or recovered from this consumer's own pending
 *                    list); the event may already have been processed once
 */
public record Delivery(String id, Event event, boolean redelivered) {
    public Delivery {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(event, "event");
    }
}
