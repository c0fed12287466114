package dev.llmproxy.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ComponentConfigTest {

    @Test
    void absentAndBlankValues_giveTheDefault() {
        ComponentConfig c = ComponentConfig.of(Map.of("BLANK", "  "));
        assertThat(c.string("MISSING", "d")).isEqualTo("d");
        assertThat(c.string("BLANK", "d")).isEqualTo("d");
        assertThat(c.integer("BLANK", 7)).isEqualTo(7);
        assertThat(c.longValue("MISSING", 8L)).isEqualTo(8L);
        assertThat(c.bool("MISSING", true)).isTrue();
        assertThat(c.duration("MISSING", Duration.ofSeconds(3))).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.has("BLANK")).isFalse();
    }

    @Test
    void valuesAreTrimmedAndParsed() {
        ComponentConfig c = ComponentConfig.of(Map.of("N", " 42 ", "L", "-9000000000", "S", " x "));
        assertThat(c.integer("N", 0)).isEqualTo(42);
        assertThat(c.longValue("L", 0)).isEqualTo(-9_000_000_000L);
        assertThat(c.string("S", null)).isEqualTo("x");
    }

    @Test
    void malformedInteger_namesTheKeyAndTheExpectedForm() {
        ComponentConfig c = ComponentConfig.of(Map.of("OBSERVABILITY_BUFFER_SIZE", "10k"));
        assertThatThrownBy(() -> c.integer("OBSERVABILITY_BUFFER_SIZE", 1))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("OBSERVABILITY_BUFFER_SIZE: expected an integer, got '10k'")
                .extracting(e -> ((ConfigurationException) e).key()).isEqualTo("OBSERVABILITY_BUFFER_SIZE");
    }

    @ParameterizedTest
    @CsvSource({
            "500ms, PT0.5S", "5s, PT5S", "1m30s, PT1M30S", "2h, PT2H", "1.5s, PT1.5S", "250us, PT0.00025S",
            "10ns, PT0.00000001S", "PT5S, PT5S", "0, PT0S", "1h2m3s, PT1H2M3S"})
    void durations_acceptGoAndIsoForms(String raw, String expected) {
        assertThat(ComponentConfig.of(Map.of("D", raw)).duration("D", null)).isEqualTo(Duration.parse(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"5", "5sec", "-1s", "s", "1s 2s", "PT-5S", "1.s", "abc"})
    void malformedDuration_namesTheKeyAndTheExpectedForm(String raw) {
        ComponentConfig c = ComponentConfig.of(Map.of("REDIS_STREAM_BLOCK_TIME", raw));
        assertThatThrownBy(() -> c.duration("REDIS_STREAM_BLOCK_TIME", Duration.ZERO))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("REDIS_STREAM_BLOCK_TIME: expected a duration such as 500ms, 5s")
                .hasMessageEndingWith("got '" + raw + "'");
    }

    @ParameterizedTest
    @CsvSource({"true,true", "YES,true", "on,true", "1,true", "false,false", "No,false", "off,false", "0,false"})
    void booleans_acceptCommonWords(String raw, boolean expected) {
        assertThat(ComponentConfig.of(Map.of("B", raw)).bool("B", !expected)).isEqualTo(expected);
    }

    @Test
    void malformedBoolean_namesTheKey() {
        assertThatThrownBy(() -> ComponentConfig.of(Map.of("HTTP_CACHE_ENABLED", "maybe")).bool("HTTP_CACHE_ENABLED", true))
                .hasMessage("HTTP_CACHE_ENABLED: expected true or false, got 'maybe'");
    }

    @Test
    void rangeHelpers_rejectOutOfRangeValuesWithTheKey() {
        ComponentConfig c = ComponentConfig.of(Map.of("OBSERVABILITY_BUFFER_SIZE", "0", "REDIS_STREAM_BLOCK_TIME", "0"));
        assertThatThrownBy(() -> EventBusConfig.intInRange(c, "OBSERVABILITY_BUFFER_SIZE", 5, 1, 10))
                .hasMessage("OBSERVABILITY_BUFFER_SIZE: expected an integer between 1 and 10, got '0'");
        assertThatThrownBy(() -> EventBusConfig.durationInRange(c, "REDIS_STREAM_BLOCK_TIME", Duration.ofSeconds(5),
                Duration.ofMillis(1), Duration.ofMinutes(10)))
                .hasMessageStartingWith("REDIS_STREAM_BLOCK_TIME: expected a duration between PT0.001S and PT10M");
    }

    @Test
    void toString_masksSecrets() {
        ComponentConfig c = ComponentConfig.of(Map.of("REDIS_PASSWORD", "hunter2",
                "REDIS_ADDR", "redis://user:hunter2@host:6379/0", "REDIS_STREAM_KEY", "events"));
        assertThat(c.toString()).doesNotContain("hunter2").contains("REDIS_STREAM_KEY=events")
                .contains("redis://****@host:6379/0");
    }

    @Test
    void with_returnsAModifiedCopy() {
        ComponentConfig a = ComponentConfig.of(Map.of("A", "1"));
        ComponentConfig b = a.with("B", "2");
        assertThat(a.has("B")).isFalse();
        assertThat(b.integer("A", 0)).isEqualTo(1);
        assertThat(b.integer("B", 0)).isEqualTo(2);
    }
}
