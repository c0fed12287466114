package dev.llmproxy.server;

import dev.llmproxy.core.route.UpstreamProbeConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code UPSTREAM_PROBE_*} and how they meet the provider file's {@code health_check}. */
class ProbeSettingsTest {

    @TempDir
    Path dir;

    private static UpstreamProbeConfig probes(Map<String, String> env) {
        return new ServerConfigReader(ServerFlags.NONE, env).read().provider().healthCheck();
    }

    @Test
    void builtInProfile_isProbedByDefault() {
        assertThat(probes(Map.of())).isEqualTo(UpstreamProbeConfig.DEFAULTS);
    }

    @Test
    void environment_setsIntervalTimeoutPathAndOnOff() {
        UpstreamProbeConfig p = probes(Map.of("UPSTREAM_PROBE_INTERVAL", "30s", "UPSTREAM_PROBE_TIMEOUT", "500ms",
                "UPSTREAM_PROBE_PATH", "/healthz"));
        assertThat(p.enabled()).isTrue();
        assertThat(p.interval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.timeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(p.path()).isEqualTo("/healthz");
        assertThat(probes(Map.of("UPSTREAM_PROBE_ENABLED", "false")).enabled()).isFalse();
    }

    @Test
    void providerFileBlock_winsFieldByField_andTakesTheRestFromTheEnvironment() throws Exception {
        Path file = dir.resolve("providers.yaml");
        Files.writeString(file, "apis:\n  local:\n    base_url: http://127.0.0.1:8000\n"
                + "    health_check: {path: /health, healthy_statuses: [200-299]}\n"
                + "  other:\n    base_url: http://127.0.0.1:8001\n");
        UpstreamProbeConfig p = probes(Map.of("API_CONFIG_PATH", file.toString(), "DEFAULT_API_PROVIDER", "local",
                "UPSTREAM_PROBE_INTERVAL", "3s", "UPSTREAM_PROBE_PATH", "/v1/models"));
        assertThat(p.path()).isEqualTo("/health");
        assertThat(p.interval()).isEqualTo(Duration.ofSeconds(3));
        assertThat(p.healthy(404)).isFalse();
        UpstreamProbeConfig other = probes(Map.of("API_CONFIG_PATH", file.toString(), "DEFAULT_API_PROVIDER", "other",
                "UPSTREAM_PROBE_ENABLED", "false"));
        assertThat(other.enabled()).as("no block: the environment decides").isFalse();
    }

    @Test
    void malformedValues_stopStartUpNamingTheVariable() {
        assertThatThrownBy(() -> probes(Map.of("UPSTREAM_PROBE_INTERVAL", "often")))
                .isInstanceOf(ConfigError.class).hasMessageStartingWith("UPSTREAM_PROBE_INTERVAL: ");
        assertThatThrownBy(() -> probes(Map.of("UPSTREAM_PROBE_ENABLED", "maybe")))
                .isInstanceOf(ConfigError.class).hasMessageContaining("UPSTREAM_PROBE_ENABLED: expected true or false");
        assertThatThrownBy(() -> probes(Map.of("UPSTREAM_PROBE_PATH", "v1/models")))
                .isInstanceOf(ConfigError.class).hasMessageContaining("UPSTREAM_PROBE_PATH: expected a request path");
        assertThatThrownBy(() -> probes(Map.of("UPSTREAM_PROBE_TIMEOUT", "0s")))
                .isInstanceOf(ConfigError.class).hasMessageStartingWith("UPSTREAM_PROBE_TIMEOUT: ");
    }
}
