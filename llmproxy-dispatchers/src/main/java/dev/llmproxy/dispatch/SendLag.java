package dev.llmproxy.dispatch;

import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * How late events reach their backend: for each event the backend accepted, the seconds between
 * the event's timestamp (its request's arrival at the proxy) and the acceptance. A fixed-bucket
 * histogram, lock-free ({@link LongAdder} per bucket), exported as
 * {@code llm_dispatcher_send_lag_seconds} by {@link DispatcherMetrics}.
 */
public final class SendLag {

    /** Upper bounds in seconds: from a healthy pipeline (sub-second) to an outage drained late (1 h). */
    static final double[] BOUNDS = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600};

    private final LongAdder[] buckets = new LongAdder[BOUNDS.length + 1];
    private final LongAdder count = new LongAdder();
    private final DoubleAdder sum = new DoubleAdder();

    SendLag() {
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    void record(long lagMillis) {
        double seconds = Math.max(0, lagMillis) / 1000.0;
        int i = 0;
        while (i < BOUNDS.length && seconds > BOUNDS[i]) {
            i++;
        }
        buckets[i].increment();
        count.increment();
        sum.add(seconds);
    }

    /** A consistent-enough copy: cumulative counts per bound, then +Inf (= count). */
    public Snapshot snapshot() {
        long[] cumulative = new long[BOUNDS.length + 1];
        long running = 0;
        for (int i = 0; i < buckets.length; i++) {
            running += buckets[i].sum();
            cumulative[i] = running;
        }
        // The +Inf bucket must equal the count: take the count from the buckets themselves.
        return new Snapshot(BOUNDS.clone(), cumulative, running, sum.sum());
    }

    /**
     * @param bounds     bucket upper bounds in seconds
     * @param cumulative observations at or below each bound, then all ({@code +Inf})
     * @param count      observations
     * @param sumSeconds sum of the observed lags
     */
    public record Snapshot(double[] bounds, long[] cumulative, long count, double sumSeconds) {
    }
}
