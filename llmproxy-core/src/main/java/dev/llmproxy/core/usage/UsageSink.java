package dev.llmproxy.core.usage;

/**
 * Where the proxy hands each finished {@code /v1} exchange for usage tracking. Called on Netty
 * event loops: implementations must return at once (no I/O, no locks that may be held long) and
 * must not throw. {@link UsageWriter} is the built-in implementation.
 */
@FunctionalInterface
public interface UsageSink {

    /** Takes one exchange; drops it (and counts) rather than wait when it cannot keep up. */
    void record(UsageObservation observation);
}
