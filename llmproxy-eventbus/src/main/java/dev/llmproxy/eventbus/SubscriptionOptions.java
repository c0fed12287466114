package dev.llmproxy.eventbus;

import java.time.Duration;

/**
 * How to subscribe: which group to join, under which consumer name, and (for handler
 * subscriptions) how big a batch to take and how long to wait for one. Every field is optional;
 * an unset field takes the bus's default from its configuration.
 *
 * <p><b>Groups.</b> Subscriptions in the <em>same</em> group share the events: each event goes to
 * one of them (load balancing). Subscriptions in <em>different</em> groups each get every event
 * (fan-out). Give every independent consumer (a file log, each dispatcher backend) its own group.
 *
 * <pre>{@code
 * SubscriptionOptions.group("dispatch-langfuse").withBatchSize(200)
 * }</pre>
 *
 * @param group the group; null means the bus default ({@code REDIS_CONSUMER_GROUP})
 * @param consumer the consumer name, unique within the group; null means generated (Redis:
 *                 {@code REDIS_CONSUMER_NAME} if set, else {@code <hostname>-<pid>-<random>})
 * @param batchSize maximum events per handler batch; 0 means the bus default
 *                  ({@code REDIS_STREAM_BATCH_SIZE}). Pull subscribers pass it to poll instead.
 * @param pollTimeout how long a handler subscription waits for a batch before checking for close;
 *                    null means the bus default ({@code REDIS_STREAM_BLOCK_TIME})
 */
public record SubscriptionOptions(String group, String consumer, int batchSize, Duration pollTimeout) {
    private static final SubscriptionOptions DEFAULTS = new SubscriptionOptions(null, null, 0, null);

    public SubscriptionOptions {
        checkName("group", group);
        checkName("consumer", consumer);
        if (batchSize < 0) {
            throw new IllegalArgumentException("batchSize must be >= 0, got " + batchSize);
        }
        if (pollTimeout != null && pollTimeout.isNegative()) {
            throw new IllegalArgumentException("pollTimeout must not be negative, got " + pollTimeout);
        }
    }

    /** All defaults. */
    public static SubscriptionOptions defaults() {
        return DEFAULTS;
    }

    /** Defaults, in group {@code group}. */
    public static SubscriptionOptions group(String group) {
        return new SubscriptionOptions(group, null, 0, null);
    }

    public SubscriptionOptions withGroup(String group) {
        return new SubscriptionOptions(group, consumer, batchSize, pollTimeout);
    }

    public SubscriptionOptions withConsumer(String consumer) {
        return new SubscriptionOptions(group, consumer, batchSize, pollTimeout);
    }

    public SubscriptionOptions withBatchSize(int batchSize) {
        return new SubscriptionOptions(group, consumer, batchSize, pollTimeout);
    }

    public SubscriptionOptions withPollTimeout(Duration pollTimeout) {
        return new SubscriptionOptions(group, consumer, batchSize, pollTimeout);
    }

    private static void checkName(String what, String name) {
        if (name == null) {
            return;
        }
        if (name.isBlank() || name.length() > 200) {
            throw new IllegalArgumentException(what + " name must be 1 to 200 non-blank characters, got '"
                    + name + "'");
        }
    }
}
