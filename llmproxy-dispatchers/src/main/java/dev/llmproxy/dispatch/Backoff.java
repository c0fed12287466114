package dev.llmproxy.dispatch;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * the n-th retry (n = 0, 1, ...) waits a uniformly random time in
 * {@code [0, min(cap, base × 2^n)]}. Full jitter spreads the retries of many dispatchers hitting
 * the same recovering backend, at the price of the occasional short wait.
 */
final class Backoff {
    private final long baseMillis;
    private final long capMillis;

    Backoff(Duration base, Duration cap) {
        this.baseMillis = Math.max(1, base.toMillis());
        this.capMillis = Math.max(baseMillis, cap.toMillis());
    }

    /** The wait before retry number {@code attempt} (0-based), in milliseconds. */
    long delayMillis(int attempt) {
        long ceiling = attempt >= 30 ? capMillis : Math.min(capMillis, baseMillis << attempt);
        return ThreadLocalRandom.current().nextLong(ceiling + 1);
    }

    /** The largest possible wait before retry number {@code attempt}. */
    long ceilingMillis(int attempt) {
        return attempt >= 30 ? capMillis : Math.min(capMillis, baseMillis << attempt);
    }
}
