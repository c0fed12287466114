package dev.llmproxy.server;

import dev.llmproxy.core.capture.WireCaptureConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code WIRE_CAPTURE_*}: off by default, every value checked and named when malformed. */
class WireCaptureSettingsTest {

    private static final ManagementToken TOKEN = new ManagementToken("management-token-for-capture-test", false);

    private static WireCaptureConfig read(Map<String, String> env, List<String> warnings) {
        return new ServerConfigReader(ServerFlags.NONE, env).wireCapture(TOKEN, warnings);
    }

    @Test
    void offByDefault_andSettingsWithoutTheSwitchDrawAWarning() {
        List<String> warnings = new ArrayList<>();
        assertThat(read(Map.of(), warnings)).isNull();
        assertThat(warnings).isEmpty();
        assertThat(read(Map.of("WIRE_CAPTURE_DIR", "/tmp/x"), warnings)).isNull();
        assertThat(warnings).containsExactly(
                "WIRE_CAPTURE_DIR has no effect: wire capture is off (set WIRE_CAPTURE_ENABLED=true)");
    }

    @Test
    void defaults_andTheManagementTokenIsAlwaysASecret() {
        WireCaptureConfig c = read(Map.of("WIRE_CAPTURE_ENABLED", "true"), new ArrayList<>());
        assertThat(c.directory()).isEqualTo(Path.of("./data/capture"));
        assertThat(c.maxFileBytes()).isEqualTo(WireCaptureConfig.DEFAULT_MAX_FILE_BYTES);
        assertThat(c.maxTotalBytes()).isEqualTo(WireCaptureConfig.DEFAULT_MAX_TOTAL_BYTES);
        assertThat(c.maxFiles()).isEqualTo(WireCaptureConfig.DEFAULT_MAX_FILES);
        assertThat(c.maxBodyBytes()).isEqualTo(WireCaptureConfig.DEFAULT_MAX_BODY_BYTES);
        assertThat(c.compressRotated()).isFalse();
        assertThat(c.secrets()).containsExactly(TOKEN.value());
        assertThat(c.toString()).doesNotContain(TOKEN.value());
    }

    @Test
    void everySettingApplies() {
        Map<String, String> env = new HashMap<>();
        env.put("WIRE_CAPTURE_ENABLED", "TRUE");
        env.put("WIRE_CAPTURE_DIR", " /var/capture ");
        env.put("WIRE_CAPTURE_MAX_FILE_BYTES", "16MiB");
        env.put("WIRE_CAPTURE_MAX_TOTAL_BYTES", "1GB");
        env.put("WIRE_CAPTURE_MAX_FILES", "7");
        env.put("WIRE_CAPTURE_MAX_BODY_BYTES", "64KiB");
        env.put("WIRE_CAPTURE_QUEUE_SIZE", "50");
        env.put("WIRE_CAPTURE_COMPRESS", "true");
        WireCaptureConfig c = read(env, new ArrayList<>());
        assertThat(c.directory()).isEqualTo(Path.of("/var/capture"));
        assertThat(c.maxFileBytes()).isEqualTo(16L * 1024 * 1024);
        assertThat(c.maxTotalBytes()).isEqualTo(1_000_000_000L);
        assertThat(c.maxFiles()).isEqualTo(7);
        assertThat(c.maxBodyBytes()).isEqualTo(64 * 1024);
        assertThat(c.queueCapacity()).isEqualTo(50);
        assertThat(c.compressRotated()).isTrue();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "WIRE_CAPTURE_ENABLED         | yes-please | WIRE_CAPTURE_ENABLED: expected true or false, got 'yes-please'",
        "WIRE_CAPTURE_MAX_FILE_BYTES  | big        | WIRE_CAPTURE_MAX_FILE_BYTES: expected a size like 1048576, 512KiB, 10MiB or 1MB, got 'big'",
        "WIRE_CAPTURE_MAX_FILE_BYTES  | 100        | WIRE_CAPTURE_MAX_FILE_BYTES: expected at least 4096 bytes, got '100'",
        "WIRE_CAPTURE_MAX_TOTAL_BYTES | 1MiB       | WIRE_CAPTURE_MAX_TOTAL_BYTES (1048576) must be at least WIRE_CAPTURE_MAX_FILE_BYTES (67108864)",
        "WIRE_CAPTURE_MAX_FILES       | 0          | WIRE_CAPTURE_MAX_FILES: expected a whole number from 1 to 1000000, got '0'",
        "WIRE_CAPTURE_MAX_BODY_BYTES  | 1GiB       | WIRE_CAPTURE_MAX_BODY_BYTES: expected at most 67108864 bytes (64MiB), got '1GiB'",
        "WIRE_CAPTURE_QUEUE_SIZE      | -5         | WIRE_CAPTURE_QUEUE_SIZE: expected a whole number from 1 to 1000000, got '-5'",
        "WIRE_CAPTURE_COMPRESS        | gzip       | WIRE_CAPTURE_COMPRESS: expected true or false, got 'gzip'",
    })
    void malformedValuesStopStartUp_namingTheVariable(String name, String value, String message) {
        Map<String, String> env = new HashMap<>();
        env.put("WIRE_CAPTURE_ENABLED", "true");
        env.put(name, value);
        assertThatThrownBy(() -> read(env, new ArrayList<>())).isInstanceOf(ConfigError.class).hasMessage(message);
    }
}
