package dev.llmproxy.server;

import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.core.route.ProviderConfigLoader;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The example provider file shipped in {@code config/} must keep loading, provider by provider. */
class ExampleProviderConfigTest {

    static final Path EXAMPLE = Path.of("..", "config", "api_providers.example.yaml");

    @Test
    void defaultProviderIsOpenAi() {
        ProviderConfig openai = ProviderConfigLoader.load(EXAMPLE, null);
        assertThat(openai.name()).isEqualTo("openai");
        assertThat(openai.upstreams()).containsExactly(URI.create("https://api.openai.com"));
        assertThat(openai.allowedEndpoints()).contains("/v1/chat/completions", "/v1/models");
        assertThat(openai.modelAliases()).isNotEmpty();
    }

    @Test
    void selfHostedProviderHasTwoUpstreamsForFailover() {
        ProviderConfig local = ProviderConfigLoader.load(EXAMPLE, "local");
        assertThat(local.name()).isEqualTo("local");
        assertThat(local.upstreams()).hasSize(2);
    }

    @Test
    void theServerAcceptsIt() {
        ServerConfig config = new ServerConfigReader(ServerFlags.NONE,
                java.util.Map.of("API_CONFIG_PATH", EXAMPLE.toString(), "DEFAULT_API_PROVIDER", "local")).read();
        assertThat(config.provider().name()).isEqualTo("local");
        assertThat(config.providerFile()).isEqualTo(EXAMPLE);
    }
}
