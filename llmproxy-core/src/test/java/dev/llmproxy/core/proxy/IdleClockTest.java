package dev.llmproxy.core.proxy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class IdleClockTest {

    private static final long S = 1_000_000_000L;
    private static final long TIMEOUT = 2 * S;

    @Test
    void silenceWhileReading_countsAsIdle() {
        IdleClock clock = new IdleClock();
        clock.onRead(0);
        assertThat(clock.remaining(S, TIMEOUT)).isEqualTo(S);
        assertThat(clock.remaining(2 * S, TIMEOUT)).isZero();
        assertThat(clock.remaining(3 * S, TIMEOUT)).isNegative();
    }

    @Test
    void aReadRestartsTheInterval() {
        IdleClock clock = new IdleClock();
        clock.onRead(0);
        clock.onRead(S + S / 2);
        assertThat(clock.remaining(2 * S, TIMEOUT)).isEqualTo(S + S / 2);
    }

    @Test
    void pausedTime_neverCountsAsIdle() {
        IdleClock clock = new IdleClock();
        clock.onRead(0);
        clock.onPause();
        assertThat(clock.remaining(10 * S, TIMEOUT)).isEqualTo(TIMEOUT);
        assertThat(clock.remaining(60 * S, TIMEOUT)).isEqualTo(TIMEOUT);
    }

    /**
     * The defect behind the intermittent slow-client failure: a paused stream is checked at 2 s and
     * 4 s; the client catches up at 3.99 s and reads resume, but the check at 4 s runs before the
     * first read completes. The silence must be measured from the resume, not from the check at 2 s.
     */
    @Test
    void aCheckJustAfterResuming_measuresFromTheResume() {
        IdleClock clock = new IdleClock();
        clock.onRead(0);
        clock.onPause();
        assertThat(clock.remaining(2 * S, TIMEOUT)).isEqualTo(TIMEOUT);
        clock.onResume(4 * S - S / 100);
        assertThat(clock.remaining(4 * S, TIMEOUT)).isEqualTo(TIMEOUT - S / 100);
        assertThat(clock.paused()).isFalse();
    }

    @Test
    void anUpstreamSilentAfterResuming_isIdleAgain() {
        IdleClock clock = new IdleClock();
        clock.onRead(0);
        clock.onPause();
        clock.onResume(5 * S);
        assertThat(clock.remaining(7 * S + 1, TIMEOUT)).isNegative();
    }
}
