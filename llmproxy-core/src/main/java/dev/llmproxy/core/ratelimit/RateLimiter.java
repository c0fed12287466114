package dev.llmproxy.core.ratelimit;

import java.util.concurrent.CompletionStage;

/**
 * Per-key request rate limiting ({@code rate_limit_rpm} of a withering token).
 *
 * <p>Implementations keep a sliding log: the times of the key's last {@code rpm} allowed requests.
 * A request is allowed when fewer than {@code rpm} of them fall in the last 60 seconds, so
 * <em>every</em> 60-second window holds at most {@code rpm} requests, and a client may still spend
 * its whole allowance in a burst. (A token bucket would let a burst plus the refill rate, nearly
 * twice the limit, into one minute.) Memory is {@code rpm} timestamps per active key.
 *
 * <p>{@link LocalRateLimiter} keeps state in this process; {@link RedisRateLimiter} shares it
 * between instances through an atomic Lua script. Thread-safe.
 */
public interface RateLimiter extends AutoCloseable {

    /**
     * Takes one request from {@code key}'s allowance.
     *
     * @param key  what is limited, e.g. a token id
     * @param rpm  requests per minute, {@code > 0}
     * @return the decision; may complete on another thread
     */
    CompletionStage<RateLimitDecision> acquire(String key, int rpm);

    @Override
    default void close() {
    }
}
