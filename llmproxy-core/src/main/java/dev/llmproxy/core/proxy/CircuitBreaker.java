package dev.llmproxy.core.proxy;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Passive health of one upstream: {@value #FAILURE_THRESHOLD} consecutive failures (refused
 * connections, 5xx answers, timeouts) open the circuit and the upstream is skipped for
 * {@link #OPEN_NANOS}; then one trial request is let through (half-open) and its outcome closes
 * or re-opens the circuit. Any success closes it at once.
 *
 * <p><b>Active probes</b> ({@link UpstreamProber}) feed the same breaker: a failed probe counts as
 * a failure, and {@code failureThreshold} consecutive failed probes open the circuit (a probe is a
 * deliberate check, so it needs fewer repeats than client traffic); a failed probe of an open
 * circuit restarts its open period, so no client request is spent on a trial while probes still
 * fail. A successful probe is the half-open trial: it closes an open or half-open circuit at once.
 * A successful probe of a closed circuit changes nothing (it does not wipe the count of recent
 * client failures, because the probe path is not the path clients use).
 *
 * <p>Shared by every event loop: lock-free, with a compare-and-set guarding the single half-open
 * trial. Clock: {@link System#nanoTime()}.
 */
final class CircuitBreaker {

    /** Consecutive failures that open the circuit. */
    static final int FAILURE_THRESHOLD = 5;
    /** How long an open circuit keeps the upstream out of rotation before a trial request. */
    static final long OPEN_NANOS = 10_000_000_000L;

    enum State { CLOSED, OPEN, HALF_OPEN }

    private final AtomicReference<State> state = new AtomicReference<>(State.CLOSED);
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private final AtomicLong openedAtNanos = new AtomicLong();
    private final AtomicLong totalFailures = new AtomicLong();
    private volatile long lastFailureMillis;
    private volatile String lastFailure;

    /**
     * Whether a request may go to this upstream now. An open circuit whose time is up admits one
     * trial request (the caller that wins the transition to half-open).
     */
    boolean allowRequest(long nowNanos) {
        State s = state.get();
        if (s == State.CLOSED) {
            return true;
        }
        long since = openedAtNanos.get();
        if (nowNanos - since < OPEN_NANOS) {
            return false;
        }
        // Open long enough: one trial. A half-open trial that never reported back (its client left)
        // is replaced by a new one after another open period.
        if (s == State.OPEN ? state.compareAndSet(State.OPEN, State.HALF_OPEN) : openedAtNanos.compareAndSet(since, nowNanos)) {
            openedAtNanos.set(nowNanos);
            return true;
        }
        return false;
    }

    void onSuccess() {
        consecutiveFailures.set(0);
        if (state.get() != State.CLOSED) {
            state.set(State.CLOSED);
        }
    }

    /** Records a failure; {@code why} is a short, secret-free description for /health/details. */
    void onFailure(long nowNanos, String why) {
        totalFailures.incrementAndGet();
        lastFailureMillis = System.currentTimeMillis();
        lastFailure = why;
        int n = consecutiveFailures.incrementAndGet();
        State s = state.get();
        if (s == State.HALF_OPEN || (s == State.CLOSED && n >= FAILURE_THRESHOLD)) {
            openedAtNanos.set(nowNanos);
            state.set(State.OPEN);
        }
    }

    /** A failed active probe; {@code probeStreak} is the number of consecutive failed probes. */
    void onProbeFailure(long nowNanos, String why, int probeStreak, int probeThreshold) {
        totalFailures.incrementAndGet();
        lastFailureMillis = System.currentTimeMillis();
        lastFailure = why;
        consecutiveFailures.incrementAndGet();
        if (probeStreak >= probeThreshold || state.get() != State.CLOSED) {
            openedAtNanos.set(nowNanos);
            state.set(State.OPEN);
        }
    }

    /** A successful active probe: closes an open or half-open circuit. */
    void onProbeSuccess() {
        if (state.get() != State.CLOSED) {
            consecutiveFailures.set(0);
            state.set(State.CLOSED);
        }
    }

    State state() {
        return state.get();
    }

    int consecutiveFailures() {
        return consecutiveFailures.get();
    }

    long totalFailures() {
        return totalFailures.get();
    }

    long lastFailureMillis() {
        return lastFailureMillis;
    }

    String lastFailure() {
        return lastFailure;
    }
}
