package dev.llmproxy.core.proxy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CircuitBreakerTest {

    private final CircuitBreaker breaker = new CircuitBreaker();
    private long now = 1_000_000_000L;

    private void fail(int times) {
        for (int i = 0; i < times; i++) {
            breaker.onFailure(now, "HTTP 503");
        }
    }

    @Test
    void opensAfterTheThreshold_andASuccessBeforeThatResetsTheCount() {
        fail(CircuitBreaker.FAILURE_THRESHOLD - 1);
        breaker.onSuccess();
        fail(CircuitBreaker.FAILURE_THRESHOLD - 1);
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.allowRequest(now)).isTrue();
        fail(1);
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(breaker.allowRequest(now)).isFalse();
        assertThat(breaker.lastFailure()).isEqualTo("HTTP 503");
    }

    @Test
    void afterTheOpenPeriod_exactlyOneTrialIsAdmitted_andItsSuccessCloses() {
        fail(CircuitBreaker.FAILURE_THRESHOLD);
        now += CircuitBreaker.OPEN_NANOS;
        assertThat(breaker.allowRequest(now)).isTrue();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(breaker.allowRequest(now)).as("only one trial at a time").isFalse();
        breaker.onSuccess();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.allowRequest(now)).isTrue();
    }

    @Test
    void aFailedTrialReopens_andAnAbandonedTrialIsReplacedAfterAnotherPeriod() {
        fail(CircuitBreaker.FAILURE_THRESHOLD);
        now += CircuitBreaker.OPEN_NANOS;
        assertThat(breaker.allowRequest(now)).isTrue();
        breaker.onFailure(now, "connect failed");
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(breaker.allowRequest(now + 1)).isFalse();

        now += CircuitBreaker.OPEN_NANOS;
        assertThat(breaker.allowRequest(now)).isTrue(); // a trial whose client then leaves: no report
        assertThat(breaker.allowRequest(now + CircuitBreaker.OPEN_NANOS / 2)).isFalse();
        assertThat(breaker.allowRequest(now + CircuitBreaker.OPEN_NANOS)).isTrue();
    }
}
