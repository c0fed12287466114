package dev.llmproxy.core.health;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

class HealthMonitorTest {

    private static HealthCheck check(String name, boolean required, HealthCheck.BlockingProbe probe) {
        return HealthCheck.of(name, required, Map.of("endpoint", name + ":1"), probe);
    }

    @Test
    void beforeTheFirstCheck_statusIsUnknown_andRequiredComponentsAreNotUp() {
        try (HealthMonitor m = new HealthMonitor(List.of(check("database", true, () -> true)), Duration.ofHours(1),
                Duration.ofSeconds(1))) {
            assertThat(m.components().get(0).status()).isEqualTo("unknown");
            assertThat(m.requiredUp()).isFalse();
            m.start(); // checks once before returning
            assertThat(m.components().get(0).status()).isEqualTo("up");
            assertThat(m.components().get(0).latencyMillis()).isGreaterThanOrEqualTo(0);
            assertThat(m.components().get(0).details()).containsEntry("endpoint", "database:1");
            assertThat(m.requiredUp()).isTrue();
        }
    }

    @Test
    void startInBackground_returnsBeforeTheFirstRound_whichThenRunsAtOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (HealthMonitor m = new HealthMonitor(List.of(check("database", true, () -> {
            release.await();
            return true;
        })), Duration.ofHours(1), Duration.ofSeconds(30))) {
            m.startInBackground(); // returns although the check is blocked
            assertThat(m.components().get(0).status()).isEqualTo("unknown");
            assertThat(m.requiredUp()).isFalse();
            release.countDown();
            // The first round runs at once, not after the (one hour) interval.
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!m.requiredUp() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(m.components().get(0).status()).isEqualTo("up");
            assertThat(m.requiredUp()).isTrue();
        }
    }

    @Test
    void aHangingCheck_isReportedDownAfterTheTimeout_andIsNotStartedTwice() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean hang = new AtomicBoolean(false);
        int[] calls = {0};
        HealthCheck redis = check("redis", true, () -> {
            calls[0]++;
            if (hang.get()) {
                release.await();
            }
            return true;
        });
        HealthCheck optional = check("cache-redis", false, () -> {
            throw new IllegalStateException("connection refused");
        });
        try (HealthMonitor m = new HealthMonitor(List.of(redis, optional), Duration.ofHours(1), Duration.ofMillis(200))) {
            m.refresh();
            assertThat(m.requiredUp()).as("an optional component being down does not matter").isTrue();
            ComponentHealth down = m.components().get(1);
            assertThat(down.status()).isEqualTo("down");
            assertThat(down.error()).isEqualTo("connection refused");
            assertThat(down.details()).as("what is known without checking").containsEntry("endpoint", "cache-redis:1");

            hang.set(true);
            long start = System.nanoTime();
            m.refresh();
            assertThat(System.nanoTime() - start).as("refresh waits at most about the timeout")
                    .isLessThan(Duration.ofSeconds(5).toNanos());
            ComponentHealth timedOut = m.components().get(0);
            assertThat(timedOut.status()).isEqualTo("down");
            assertThat(timedOut.error()).isEqualTo("timed out after 200 ms");
            assertThat(m.requiredUp()).isFalse();
            int before = calls[0];
            release.countDown();
            hang.set(false);
            // The hung call was interrupted (cancel(true)) or finishes now; a new round checks again.
            Thread.sleep(50);
            m.refresh();
            assertThat(calls[0]).isGreaterThan(before);
            assertThat(m.components().get(0).status()).isEqualTo("up");
            assertThat(m.requiredUp()).isTrue();
        }
    }
}
