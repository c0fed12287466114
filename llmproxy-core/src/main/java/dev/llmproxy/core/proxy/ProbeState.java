package dev.llmproxy.core.proxy;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The outcome of the active probes of one upstream, for {@code /health/details} and metrics.
 * Written by the probe event loop only, read anywhere: volatile fields, no locks.
 */
final class ProbeState {

    volatile long lastProbeAtMillis;
    volatile boolean lastProbeOk;
    /** HTTP status of the last probe, 0 when it got no answer. */
    volatile int lastStatus;
    volatile long lastLatencyNanos = -1;
    volatile String lastError;
    volatile int consecutiveFailures;
    final AtomicLong successes = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
}
