package dev.llmproxy.core.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;

/**
 * {@link RateLimiter} with state in this process: per key, a ring of the last {@code rpm} allowed
 * request times, kept in a Caffeine map whose entries expire a minute after their last use (by
 * then the whole allowance is back). Decisions complete synchronously on the calling thread; the
 * update is atomic per key, so concurrent event loops never overspend.
 *
 * <p>Per request: a Caffeine read and the window's own (uncontended) monitor. The map is only
 * written ({@code compute}) when a key's window is created or its limit changes; a window that
 * was replaced or evicted is marked retired under its monitor, and a request that finds its
 * window retired looks again, so no request is ever counted in a window nobody reads.
 */
public final class LocalRateLimiter implements RateLimiter {

    static final long WINDOW_MILLIS = 60_000;

    /**
     * Up to this limit the exact sliding log is kept ({@code rpm} timestamps, 80 KB at most);
     * above it, 60 one-second buckets bound the memory, and a window may then hold up to one
     * second's worth of requests more than the limit.
     */
    public static final int MAX_EXACT_RPM = 10_000;

    private final Cache<String, Window> state;
    private final LongSupplier clockMillis;

    public LocalRateLimiter() {
        this(System::currentTimeMillis, Ticker.systemTicker());
    }

    /** For tests: an injectable clock. */
    LocalRateLimiter(LongSupplier clockMillis, Ticker ticker) {
        this.clockMillis = clockMillis;
        this.state = Caffeine.newBuilder()
                .expireAfterAccess(Duration.ofMillis(WINDOW_MILLIS + 1000))
                .ticker(ticker)
                .executor(Runnable::run)
                // Runs atomically with the removal: a request holding the window sees it retired.
                .evictionListener((String k, Window w, com.github.benmanes.caffeine.cache.RemovalCause c) -> {
                    if (w != null) {
                        w.retire();
                    }
                })
                .build();
    }

    @Override
    public CompletionStage<RateLimitDecision> acquire(String key, int rpm) {
        return CompletableFuture.completedFuture(acquireNow(key, rpm));
    }

    /** The same decision, without the future (the proxy's hot path uses this). */
    public RateLimitDecision acquireNow(String key, int rpm) {
        if (rpm <= 0) {
            throw new IllegalArgumentException("rpm must be > 0, got " + rpm);
        }
        long now = clockMillis.getAsLong();
        while (true) {
            Window w = state.getIfPresent(key);
            if (w == null || w.limit() != rpm) {
                w = state.asMap().compute(key, (k, old) -> {
                    if (old != null && old.limit() == rpm) {
                        return old;
                    }
                    if (old != null) {
                        old.retire(); // the limit changed: start a fresh window
                    }
                    return rpm <= MAX_EXACT_RPM ? new Log(rpm) : new Buckets(rpm);
                });
            }
            synchronized (w) {
                if (!w.retired) {
                    return w.tryAcquire(now);
                }
            }
        }
    }

    /** Per-key state; only used under its own monitor, so never concurrently. */
    private abstract static class Window {
        /** Set (under the monitor) once the window left the map; guarded by this. */
        boolean retired;

        abstract int limit();

        abstract RateLimitDecision tryAcquire(long now);

        final synchronized void retire() {
            retired = true;
        }
    }

    /** Ring buffer of the last {@code rpm} allowed request times: exact. */
    private static final class Log extends Window {
        final long[] times;
        int next;   // slot of the oldest entry, overwritten by the next allowed request
        int count;  // filled slots

        Log(int rpm) {
            this.times = new long[rpm];
        }

        @Override
        int limit() {
            return times.length;
        }

        @Override
        RateLimitDecision tryAcquire(long clock) {
            int rpm = times.length;
            // Entries must be non-decreasing for the binary search; a wall clock stepping back
            // is treated as standing still.
            long now = count == 0 ? clock : Math.max(clock, times[(next - 1 + rpm) % rpm]);
            long windowStart = now - WINDOW_MILLIS;
            // When full, slot `next` holds the oldest of the last rpm allowed requests.
            if (count == rpm && times[next] > windowStart) {
                long retry = times[next] - windowStart;
                return new RateLimitDecision(false, rpm, 0, retry, retry, false);
            }
            times[next] = now;
            next = (next + 1) % rpm;
            count = Math.min(rpm, count + 1);
            int oldest = (next - count + rpm) % rpm;
            // First filled slot (oldest first) whose time is inside the window.
            int lo = 0;
            int hi = count - 1; // the newest entry is `now`, always inside
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (times[(oldest + mid) % rpm] > windowStart) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            int inWindow = count - lo;
            long oldestInWindow = times[(oldest + lo) % rpm];
            return new RateLimitDecision(true, rpm, rpm - inWindow, oldestInWindow + WINDOW_MILLIS - now, 0, false);
        }
    }

    /** Allowed requests counted per second over the last 60 seconds: bounded memory for huge limits. */
    private static final class Buckets extends Window {
        final int rpm;
        final long[] second = new long[60];
        final int[] count = new int[60];

        Buckets(int rpm) {
            this.rpm = rpm;
        }

        @Override
        int limit() {
            return rpm;
        }

        @Override
        RateLimitDecision tryAcquire(long now) {
            long nowSec = now / 1000;
            long used = 0;
            long oldestSec = nowSec;
            for (int i = 0; i < 60; i++) {
                if (second[i] > nowSec - 60 && count[i] > 0) {
                    used += count[i];
                    oldestSec = Math.min(oldestSec, second[i]);
                }
            }
            long resetMillis = (oldestSec + 60) * 1000 - now;
            if (used >= rpm) {
                return new RateLimitDecision(false, rpm, 0, resetMillis, Math.max(1, resetMillis), false);
            }
            int slot = (int) (nowSec % 60);
            if (second[slot] != nowSec) {
                second[slot] = nowSec;
                count[slot] = 0;
            }
            count[slot]++;
            return new RateLimitDecision(true, rpm, (int) (rpm - used - 1), resetMillis, 0, false);
        }
    }
}
