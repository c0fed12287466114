package dev.llmproxy.core.metrics;

import dev.llmproxy.core.ProxyError;

/**
 * What the proxy reports about its traffic. Every method is a no-op by default, so an embedder
 * can implement only what it needs; {@link #NOOP} records nothing and {@link PrometheusMetrics}
 * exports everything. Called from event loops: implementations must be thread-safe and cheap
 * (no I/O, no locks on the hot path).
 */
public interface ProxyMetrics {

    /** Records nothing. */
    ProxyMetrics NOOP = new ProxyMetrics() { };

    /**
     * A proxied request was answered (from the upstream, the cache or the proxy itself).
     *
     * @param status        the status the client got
     * @param durationNanos request head arrival to the end of the response
     * @param ttftNanos     request head arrival to the first response body byte, or -1
     * @param upstream      whether the answer came from the upstream
     */
    default void requestCompleted(int status, long durationNanos, long ttftNanos, boolean upstream) {
    }

    /** The proxy answered with one of its own errors. */
    default void proxyError(ProxyError error) {
    }

    /** Tokens the upstream reported (or that were counted) for a request. */
    default void tokens(String projectId, String model, long promptTokens, long completionTokens) {
    }

    /**
     * The cost of a request in USD, from the price table (usage tracking; called on the usage
     * writer's thread, not on an event loop).
     */
    default void cost(String projectId, String model, double usd) {
    }

    /** One response-cache outcome: {@code hit}, {@code miss}, {@code bypass}, {@code stored}, {@code conditional-hit}. */
    default void cache(String outcome) {
    }
}
