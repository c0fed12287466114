package dev.llmproxy.core.proxy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How active probe outcomes move the circuit (the table in docs/observability.md). */
class CircuitBreakerProbeTest {

    private final CircuitBreaker breaker = new CircuitBreaker();
    private long now = 1_000_000_000L;

    @Test
    void closed_failedProbesOpenItAtTheProbeThreshold_notAtTheTrafficOne() {
        breaker.onProbeFailure(now, "probe: connect failed", 1, 2);
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.consecutiveFailures()).isEqualTo(1);
        breaker.onProbeFailure(now, "probe: connect failed", 2, 2);
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(breaker.lastFailure()).isEqualTo("probe: connect failed");
        assertThat(breaker.totalFailures()).isEqualTo(2);
    }

    @Test
    void closed_aSuccessfulProbeDoesNotWipeRecentTrafficFailures() {
        for (int i = 0; i < CircuitBreaker.FAILURE_THRESHOLD - 1; i++) {
            breaker.onFailure(now, "HTTP 503");
        }
        breaker.onProbeSuccess();
        assertThat(breaker.consecutiveFailures()).isEqualTo(CircuitBreaker.FAILURE_THRESHOLD - 1);
        breaker.onFailure(now, "HTTP 503");
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    }

    @Test
    void open_aFailedProbeRestartsTheOpenPeriod_soNoClientTrialIsSpent() {
        for (int i = 0; i < CircuitBreaker.FAILURE_THRESHOLD; i++) {
            breaker.onFailure(now, "HTTP 503");
        }
        now += CircuitBreaker.OPEN_NANOS - 1;
        breaker.onProbeFailure(now, "probe: HTTP 503", 1, 2); // streak below the threshold: still counts, open stays
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        now += CircuitBreaker.OPEN_NANOS / 2;
        assertThat(breaker.allowRequest(now)).as("open period restarted by the probe").isFalse();
        now += CircuitBreaker.OPEN_NANOS;
        assertThat(breaker.allowRequest(now)).isTrue();
    }

    @Test
    void openOrHalfOpen_aSuccessfulProbeClosesIt() {
        for (int i = 0; i < CircuitBreaker.FAILURE_THRESHOLD; i++) {
            breaker.onFailure(now, "HTTP 503");
        }
        breaker.onProbeSuccess();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.consecutiveFailures()).isZero();
        assertThat(breaker.allowRequest(now)).isTrue();

        for (int i = 0; i < CircuitBreaker.FAILURE_THRESHOLD; i++) {
            breaker.onFailure(now, "HTTP 503");
        }
        now += CircuitBreaker.OPEN_NANOS;
        assertThat(breaker.allowRequest(now)).isTrue();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        breaker.onProbeSuccess();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void halfOpen_aFailedProbeReopensIt() {
        for (int i = 0; i < CircuitBreaker.FAILURE_THRESHOLD; i++) {
            breaker.onFailure(now, "HTTP 503");
        }
        now += CircuitBreaker.OPEN_NANOS;
        assertThat(breaker.allowRequest(now)).isTrue();
        breaker.onProbeFailure(now, "probe: connect failed", 1, 2);
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(breaker.allowRequest(now)).isFalse();
    }
}
