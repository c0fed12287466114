package dev.llmproxy.core.ratelimit;

import com.github.benmanes.caffeine.cache.Ticker;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class LocalRateLimiterTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final LocalRateLimiter limiter = new LocalRateLimiter(now::get, Ticker.systemTicker());

    @Test
    void burstUpToTheLimit_thenRefusedWithRetryAfter() {
        for (int i = 0; i < 60; i++) {
            RateLimitDecision d = limiter.acquireNow("tok", 60);
            assertThat(d.allowed()).as("request %d", i).isTrue();
            assertThat(d.remaining()).isEqualTo(59 - i);
        }
        now.addAndGet(15_000);
        RateLimitDecision refused = limiter.acquireNow("tok", 60);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterMillis()).as("until the burst leaves the window").isEqualTo(45_000);
        assertThat(refused.retryAfterSeconds()).isEqualTo(45);
        assertThat(refused.limit()).isEqualTo(60);

        now.addAndGet(44_999);
        assertThat(limiter.acquireNow("tok", 60).allowed()).isFalse();
        now.addAndGet(1);
        assertThat(limiter.acquireNow("tok", 60).allowed()).isTrue();
    }

    @Test
    void keysAreIndependent() {
        for (int i = 0; i < 5; i++) {
            limiter.acquireNow("a", 5);
        }
        assertThat(limiter.acquireNow("a", 5).allowed()).isFalse();
        assertThat(limiter.acquireNow("b", 5).allowed()).isTrue();
    }

    @Test
    void anySixtySecondWindow_holdsAtMostTheLimit_andTheAllowanceIsUsedFully() {
        int rpm = 30;
        ArrayDeque<Long> allowedAt = new ArrayDeque<>();
        int worst = 0;
        // A client hammering every 50 ms for five simulated minutes.
        for (int step = 0; step < 5 * 60 * 20; step++) {
            now.addAndGet(50);
            if (limiter.acquireNow("tok", rpm).allowed()) {
                allowedAt.addLast(now.get());
            }
            while (!allowedAt.isEmpty() && allowedAt.peekFirst() <= now.get() - 60_000) {
                allowedAt.removeFirst();
            }
            worst = Math.max(worst, allowedAt.size());
        }
        assertThat(worst).isEqualTo(rpm);
    }

    @Test
    void hugeLimits_useBoundedMemory_andStillRefuseBeyondTheLimit() {
        int rpm = 50_000; // above MAX_EXACT_RPM: per-second buckets
        int allowed = 0;
        for (int i = 0; i < 60_000; i++) {
            if (i % 1000 == 0) {
                now.addAndGet(1000);
            }
            if (limiter.acquireNow("big", rpm).allowed()) {
                allowed++;
            }
        }
        assertThat(allowed).isEqualTo(rpm);
        assertThat(limiter.acquireNow("max", Integer.MAX_VALUE).allowed()).isTrue();
    }
}
