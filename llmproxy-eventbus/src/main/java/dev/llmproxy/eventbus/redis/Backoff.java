package dev.llmproxy.eventbus.redis;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter for reconnecting: 100 ms, doubling up to 5 s, each delay
 * randomised by ±20% so many proxies that lost Redis together do not reconnect in lock step.
 * Not thread-safe: one per connection owner.
 */
final class Backoff {
    static final long FIRST_MILLIS = 100;
    static final long MAX_MILLIS = 5_000;

    private long current;

    /** The next delay in milliseconds. */
    long next() {
        current = current == 0 ? FIRST_MILLIS : Math.min(current * 2, MAX_MILLIS);
        double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
        return Math.max(1, (long) (current * jitter));
    }

    void reset() {
        current = 0;
    }

    /** Whether the last operation failed (a delay has been handed out since the last reset). */
    boolean failing() {
        return current != 0;
    }
}
