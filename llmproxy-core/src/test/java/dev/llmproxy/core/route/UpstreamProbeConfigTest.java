package dev.llmproxy.core.route;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** {@code health_check:} in the provider YAML. */
class UpstreamProbeConfigTest {

    private static ProviderConfig parseOpenAi(String body) {
        return ProviderConfigLoader.parse("apis:\n  openai:\n    base_url: https://api.openai.com\n" + body, null,
                "api.yaml");
    }

    private static String failure(String body) {
        return catchThrowableOfType(ConfigException.class, () -> parseOpenAi(body)).getMessage();
    }

    @Test
    void absent_meansNoProbes() {
        assertThat(parseOpenAi("").healthCheck()).isEqualTo(UpstreamProbeConfig.DISABLED);
        assertThat(ProviderConfig.openAi(ProviderConfig.DEFAULT_OPENAI_URL).healthCheck().enabled()).isFalse();
    }

    @Test
    void trueOrABlock_startFromTheDefaults() {
        assertThat(parseOpenAi("    health_check: true\n").healthCheck()).isEqualTo(UpstreamProbeConfig.DEFAULTS);
        assertThat(parseOpenAi("    health_check: {interval: 10s}\n").healthCheck())
                .isEqualTo(UpstreamProbeConfig.DEFAULTS);
        assertThat(parseOpenAi("    health_check: false\n").healthCheck().enabled()).isFalse();
        UpstreamProbeConfig d = UpstreamProbeConfig.DEFAULTS;
        assertThat(d.path()).isEqualTo("/v1/models");
        assertThat(d.method()).isEqualTo("GET");
        assertThat(d.interval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(d.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(d.sendApiKey()).isFalse();
    }

    @Test
    void everySetting_isRead() {
        UpstreamProbeConfig c = parseOpenAi("""
                    health_check:
                      path: /healthz
                      method: head
                      interval: 30s
                      timeout: 500ms
                      failure_threshold: 3
                      healthy_statuses: [200-299, 401]
                      send_api_key: true
                """).healthCheck();
        assertThat(c).isEqualTo(new UpstreamProbeConfig(true, "/healthz", "HEAD", Duration.ofSeconds(30),
                Duration.ofMillis(500), 3, List.of(new UpstreamProbeConfig.StatusRange(200, 299),
                new UpstreamProbeConfig.StatusRange(401, 401)), true));
        assertThat(c.healthy(204)).isTrue();
        assertThat(c.healthy(401)).isTrue();
        assertThat(c.healthy(403)).isFalse();
        assertThat(c.healthy(500)).isFalse();
    }

    @Test
    void callerDefaults_applyWithoutABlock_andFillABlocksMissingFields() {
        UpstreamProbeConfig serverDefaults = UpstreamProbeConfig.DEFAULTS.withInterval(Duration.ofSeconds(30));
        String none = "apis:\n  openai:\n    base_url: https://api.openai.com\n";
        assertThat(ProviderConfigLoader.parse(none, null, "f", serverDefaults).healthCheck()).isEqualTo(serverDefaults);
        ProviderConfig withPath = ProviderConfigLoader.parse(none + "    health_check: {path: /healthz}\n", null, "f",
                serverDefaults);
        assertThat(withPath.healthCheck()).isEqualTo(serverDefaults.withPath("/healthz"));
        ProviderConfig off = ProviderConfigLoader.parse(none + "    health_check: false\n", null, "f", serverDefaults);
        assertThat(off.healthCheck().enabled()).isFalse();
    }

    @Test
    void byDefault_anyAnswerBelow500_isHealthy() {
        UpstreamProbeConfig d = UpstreamProbeConfig.DEFAULTS;
        assertThat(d.healthy(200)).isTrue();
        assertThat(d.healthy(401)).isTrue();
        assertThat(d.healthy(404)).isTrue();
        assertThat(d.healthy(499)).isTrue();
        assertThat(d.healthy(500)).isFalse();
        assertThat(d.healthy(503)).isFalse();
    }

    @Test
    void mistakes_areNamedWithTheirKey() {
        assertThat(failure("    health_check: {intervall: 10s}\n"))
                .contains("apis.openai.health_check.intervall").contains("interval");
        assertThat(failure("    health_check: {interval: soon}\n"))
                .contains("apis.openai.health_check.interval").contains("duration");
        assertThat(failure("    health_check: {method: POST}\n"))
                .contains("apis.openai.health_check").contains("GET or HEAD");
        assertThat(failure("    health_check: {path: v1/models}\n")).contains("must start with '/'");
        assertThat(failure("    health_check: {healthy_statuses: [2xx]}\n"))
                .contains("apis.openai.health_check.healthy_statuses[0]").contains("200-299");
        assertThat(failure("    health_check: {healthy_statuses: [600]}\n")).contains("100-599");
        assertThat(failure("    health_check: {failure_threshold: 0}\n")).contains(">= 1");
        assertThat(failure("    health_check: {send_api_key: yes please}\n")).contains("true or false");
        assertThat(failure("    health_check: every 10s\n")).contains("expected a mapping");
    }
}
