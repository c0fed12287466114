package dev.llmproxy.core.ratelimit;

/**
 * The outcome of one {@link RateLimiter#acquire}, with what the OpenAI-style
 * {@code x-ratelimit-*} response headers need.
 *
 * @param allowed          whether the request may proceed
 * @param limit            the per-minute limit applied
 * @param remaining        requests that could still be made right now
 * @param resetMillis      until the allowance is full again
 * @param retryAfterMillis when refused: until the next request would be allowed; else 0
 * @param degraded         true when the limiter could not reach its backend and applied its
 *                         fail-open or fail-closed policy instead of counting
 */
public record RateLimitDecision(boolean allowed, int limit, int remaining, long resetMillis, long retryAfterMillis,
                                boolean degraded) {

    /** {@code Retry-After} in whole seconds, at least 1. */
    public long retryAfterSeconds() {
        return Math.max(1, (retryAfterMillis + 999) / 1000);
    }
}
