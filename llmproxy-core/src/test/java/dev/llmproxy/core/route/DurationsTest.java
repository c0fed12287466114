package dev.llmproxy.core.route;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({
            "500ms, PT0.5S",
            "10s, PT10S",
            "2m, PT2M",
            "1h, PT1H",
            "1m30s, PT1M30S",
            "1h2m3s4ms, PT1H2M3.004S",
            "1.5s, PT1.5S",
            ".5s, PT0.5S",
            "1.5h, PT1H30M",
            "250us, PT0.00025S",
            "7ns, PT0.000000007S",
            "0, PT0S",
            "0s, PT0S",
            "30, PT30S",
            "'  10s  ', PT10S"
    })
    void parse_goDurationOrWholeSeconds_returnsDuration(String text, String expected) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.parse(expected));
    }

    @Test
    void parse_microSign_isMicroseconds() {
        assertThat(Durations.parse("3\u00b5s")).isEqualTo(Duration.ofNanos(3_000));
        assertThat(Durations.parse("3\u03bcs")).isEqualTo(Duration.ofNanos(3_000));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ten", "s", "1.2.3s", "-5s", "+5s", "10 s", "1.5", "."})
    void parse_malformed_failsNamingTheExpectedFormAndTheValue(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("expected a duration like 10s or 500ms, got '" + text + "'");
    }

    @Test
    void parse_unknownUnit_saysWhichUnitsExist() {
        assertThatThrownBy(() -> Durations.parse("2d"))
                .hasMessage("expected a duration like 10s or 500ms, got '2d' (unknown unit 'd'; use ns, us, ms, s, m or h)");
    }

    @Test
    void parse_fractionWithoutUnit_saysTheUnitIsMissing() {
        assertThatThrownBy(() -> Durations.parse("1.5"))
                .hasMessageContaining("missing unit after '1.5'");
    }

    @Test
    void parse_emptyOrNull_fails() {
        assertThatThrownBy(() -> Durations.parse("  ")).hasMessage("expected a duration like 10s or 500ms, got an empty value");
        assertThatThrownBy(() -> Durations.parse(null)).hasMessage("expected a duration like 10s or 500ms, got nothing");
    }

    @Test
    void parse_overflow_failsInsteadOfWrapping() {
        assertThatThrownBy(() -> Durations.parse("9999999999999h"))
                .hasMessage("expected a duration like 10s or 500ms, got '9999999999999h' (too large)");
        assertThatThrownBy(() -> Durations.parse("99999999999999999999"))
                .hasMessageEndingWith("(too large)");
    }
}
