package dev.llmproxy.server;

import dev.llmproxy.core.LlmProxy;
import dev.llmproxy.core.route.ProviderConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServerConfigReaderTest {

    @TempDir
    Path dir;

    private static ServerConfig read(Map<String, String> env) {
        return new ServerConfigReader(ServerFlags.NONE, env).read();
    }

    private static ServerConfig read(ServerFlags flags, Map<String, String> env) {
        return new ServerConfigReader(flags, env).read();
    }

    private static ServerFlags flags(String listen, String config, String provider, String url, String key,
                                     String maxBody, String ioThreads, String logLevel, String logFile) {
        return new ServerFlags(listen, config, provider, url, key, maxBody, ioThreads, logLevel, logFile, null, null);
    }

    @Test
    void defaults() {
        ServerConfig config = read(Map.of());
        assertThat(config.listen().getAddress().isAnyLocalAddress()).isTrue();
        assertThat(config.listen().getPort()).isEqualTo(8080);
        assertThat(config.provider().name()).isEqualTo("openai");
        assertThat(config.provider().upstreams()).containsExactly(URI.create("https://api.openai.com"));
        assertThat(config.providerFile()).isNull();
        assertThat(config.upstreamApiKey()).isNull();
        assertThat(config.maxRequestBodyBytes()).isEqualTo(10L * 1024 * 1024);
        assertThat(config.ioThreads()).isZero();
        assertThat(config.logging()).isEqualTo(LogSettings.DEFAULTS);
        assertThat(config.managementToken().generated()).isTrue();
        assertThat(config.managementToken().value()).matches("[A-Za-z0-9_-]{43}");
        assertThat(config.warnings()).singleElement().asString().contains("no upstream API key");
    }

    @Test
    void generatedTokensDiffer() {
        assertThat(read(Map.of()).managementToken().value()).isNotEqualTo(read(Map.of()).managementToken().value());
    }

    @Test
    void environmentVariablesApply() throws IOException {
        Path log = dir.resolve("logs/proxy.log");
        Map<String, String> env = new HashMap<>();
        env.put("LISTEN_ADDR", "127.0.0.1:9000");
        env.put("OPENAI_API_URL", "http://127.0.0.1:1234/");
        env.put("OPENAI_API_KEY", "sk-upstream");
        env.put("MAX_REQUEST_SIZE", "512KiB");
        env.put("IO_THREADS", "3");
        env.put("MANAGEMENT_TOKEN", "a-management-token-of-some-length");
        env.put("LOG_LEVEL", "DEBUG");
        env.put("LOG_FILE", log.toString());
        env.put("LOG_MAX_SIZE_MB", "7");
        env.put("LOG_MAX_BACKUPS", "20");
        ServerConfig config = read(env);
        assertThat(config.listen().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(config.listen().getPort()).isEqualTo(9000);
        assertThat(config.provider().upstreams()).containsExactly(URI.create("http://127.0.0.1:1234"));
        assertThat(config.upstreamApiKey()).isEqualTo("sk-upstream");
        assertThat(config.maxRequestBodyBytes()).isEqualTo(512 * 1024);
        assertThat(config.ioThreads()).isEqualTo(3);
        assertThat(config.managementToken()).isEqualTo(new ManagementToken("a-management-token-of-some-length", false));
        assertThat(config.logging()).isEqualTo(new LogSettings(LogSettings.Level.DEBUG, log, 7, 20));
        assertThat(config.warnings()).isEmpty();
    }

    @Test
    void flagsOverrideEnvironment() throws IOException {
        Path file = writeProviders("apis:\n  one: {base_url: http://10.0.0.1:80}\n  two: {base_url: http://10.0.0.2:80}\n");
        Map<String, String> env = new HashMap<>();
        env.put("LISTEN_ADDR", "127.0.0.1:9000");
        env.put("API_CONFIG_PATH", dir.resolve("missing.yaml").toString());
        env.put("DEFAULT_API_PROVIDER", "one");
        env.put("OPENAI_API_KEY", "sk-env");
        env.put("MAX_REQUEST_SIZE", "not a size");
        env.put("IO_THREADS", "-5");
        env.put("LOG_LEVEL", "nonsense");
        env.put("LOG_FILE", dir.resolve("env.log").toString());
        ServerFlags flags = flags("[::1]:0", file.toString(), "two", null, "sk-flag", "1MB", "2", "warn",
                dir.resolve("flag.log").toString());
        ServerConfig config = read(flags, env);
        assertThat(config.listen().getAddress().isLoopbackAddress()).isTrue();
        assertThat(config.listen().getPort()).isZero();
        assertThat(config.providerFile()).isEqualTo(file);
        assertThat(config.provider().name()).isEqualTo("two");
        assertThat(config.upstreamApiKey()).isEqualTo("sk-flag");
        assertThat(config.maxRequestBodyBytes()).isEqualTo(1_000_000L);
        assertThat(config.ioThreads()).isEqualTo(2);
        assertThat(config.logging().level()).isEqualTo(LogSettings.Level.WARN);
        assertThat(config.logging().file()).isEqualTo(dir.resolve("flag.log"));
    }

    @Test
    void blankEnvironmentVariablesCountAsUnset() {
        Map<String, String> env = new HashMap<>();
        for (String name : EnvVars.ALL) {
            env.put(name, "  ");
        }
        ServerConfig config = read(env);
        assertThat(config.listen().getPort()).isEqualTo(8080);
        assertThat(config.managementToken().generated()).isTrue();
        assertThat(config.logging()).isEqualTo(LogSettings.DEFAULTS);
        assertThat(config.warnings()).singleElement().asString().contains("no upstream API key");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "LISTEN_ADDR           | abc        | LISTEN_ADDR: expected host:port or :port, got 'abc'",
        "LISTEN_ADDR           | :99999     | LISTEN_ADDR: expected host:port or :port, got ':99999' (port must be 0-65535)",
        "OPENAI_API_URL        | not-a-url  | OPENAI_API_URL: expected an http:// or https:// URL like https://api.openai.com, got 'not-a-url'",
        "MAX_REQUEST_SIZE      | ten        | MAX_REQUEST_SIZE: expected a size like 1048576, 512KiB, 10MiB or 1MB, got 'ten'",
        "MAX_REQUEST_SIZE      | -1         | MAX_REQUEST_SIZE: expected a size like 1048576, 512KiB, 10MiB or 1MB, got '-1'",
        "MAX_REQUEST_SIZE      | 0          | MAX_REQUEST_SIZE: expected a size from 1 byte to 2147483647 bytes (2GiB - 1), got '0'",
        "MAX_REQUEST_SIZE      | 3GiB       | MAX_REQUEST_SIZE: expected a size from 1 byte to 2147483647 bytes (2GiB - 1), got '3GiB'",
        "IO_THREADS            | many       | IO_THREADS: expected a whole number from 0 to 1024, got 'many'",
        "IO_THREADS            | -1         | IO_THREADS: expected a whole number from 0 to 1024, got '-1'",
        "LOG_LEVEL             | verbose    | LOG_LEVEL: expected one of debug, info, warn, error, got 'verbose'",
        "LOG_MAX_SIZE_MB       | 0          | LOG_MAX_SIZE_MB: expected a whole number from 1 to 1000000, got '0'",
        "LOG_MAX_SIZE_MB       | 10MB       | LOG_MAX_SIZE_MB: expected a whole number from 1 to 1000000, got '10MB'",
        "LOG_MAX_BACKUPS       | 21         | LOG_MAX_BACKUPS: expected a whole number from 1 to 20, got '21'",
        "LOG_MAX_BACKUPS       | -2         | LOG_MAX_BACKUPS: expected a whole number from 1 to 20, got '-2'",
        "LLM_PROXY_EVENT_BUS   | kafka      | LLM_PROXY_EVENT_BUS: expected one of [in-memory, redis-streams], got 'kafka'",
        "OBSERVABILITY_MAX_REQUEST_BODY_BYTES | lots | OBSERVABILITY_MAX_REQUEST_BODY_BYTES: expected a size like 1048576, 512KiB, 10MiB or 1MB, got 'lots'",
        "OBSERVABILITY_MAX_RESPONSE_BODY_BYTES | 1GiB | OBSERVABILITY_MAX_RESPONSE_BODY_BYTES: expected at most 64MiB, got '1GiB'",
        "DEFAULT_API_PROVIDER  | anthropic  | DEFAULT_API_PROVIDER: provider 'anthropic' needs a provider file (API_CONFIG_PATH or --config); without one only the built-in 'openai' profile exists",
    })
    void malformedEnvironmentVariable(String name, String value, String message) {
        assertThatThrownBy(() -> read(Map.of(name, value)))
                .isInstanceOf(ConfigError.class)
                .hasMessage(message);
    }

    @Test
    void malformedSecretsAreNamedButNotShown() {
        for (String name : List.of("OPENAI_API_KEY", "MANAGEMENT_TOKEN")) {
            assertThatThrownBy(() -> read(Map.of(name, "secret with spaces")))
                    .isInstanceOf(ConfigError.class)
                    .hasMessageStartingWith(name + ": expected printable ASCII characters without spaces")
                    .hasMessageNotContaining("secret with");
        }
    }

    @Test
    void malformedFlagIsNamedByTheFlag() {
        ServerFlags flags = flags("nope", null, null, null, null, null, null, null, null);
        assertThatThrownBy(() -> read(flags, Map.of("LISTEN_ADDR", "also bad")))
                .isInstanceOf(ConfigError.class)
                .hasMessage("--listen: expected host:port or :port, got 'nope'");
        assertThatThrownBy(() -> read(flags("", null, null, null, null, null, null, null, null), Map.of()))
                .hasMessage("--listen: expected host:port or :port, got ''");
        assertThatThrownBy(() -> read(flags(null, null, null, "ftp://x", null, null, null, null, null), Map.of()))
                .hasMessageStartingWith("--openai-api-url: expected an http:// or https:// URL");
        assertThatThrownBy(() -> read(flags(null, null, null, null, null, "x", null, null, null), Map.of()))
                .hasMessageStartingWith("--max-request-body-bytes: expected a size");
        assertThatThrownBy(() -> read(flags(null, null, null, null, null, null, "y", null, null), Map.of()))
                .hasMessageStartingWith("--io-threads: expected a whole number");
        assertThatThrownBy(() -> new ServerConfigReader(flags(null, null, null, null, null, null, null, "loud", null),
                Map.of()).logSettings())
                .hasMessage("--log-level: expected one of debug, info, warn, error, got 'loud'");
        assertThatThrownBy(() -> read(flags(null, null, null, null, "", null, null, null, null), Map.of()))
                .hasMessageStartingWith("--upstream-api-key: expected a non-empty value");
    }

    @Test
    void missingProviderFileStopsStartup() {
        String missing = dir.resolve("nope.yaml").toString();
        assertThatThrownBy(() -> read(Map.of("API_CONFIG_PATH", missing)))
                .isInstanceOf(ConfigError.class)
                .hasMessage("API_CONFIG_PATH: " + missing + ": file not found");
        assertThatThrownBy(() -> read(flags(null, missing, null, null, null, null, null, null, null), Map.of()))
                .hasMessage("--config: " + missing + ": file not found");
    }

    @Test
    void invalidProviderFileNamesTheKey() throws IOException {
        Path file = writeProviders("apis:\n  openai:\n    base_url: https://api.openai.com\n    timeouts: {connect: ten}\n");
        assertThatThrownBy(() -> read(Map.of("API_CONFIG_PATH", file.toString())))
                .isInstanceOf(ConfigError.class)
                .hasMessage("API_CONFIG_PATH: " + file + ": apis.openai.timeouts.connect: expected a duration like"
                        + " 10s or 500ms, got 'ten'");
    }

    @Test
    void providerFileSelection() throws IOException {
        Path file = writeProviders("default_api: local\napis:\n  openai: {base_url: https://api.openai.com}\n"
                + "  local: {base_url: http://10.0.0.1:8000}\n");
        Map<String, String> env = new HashMap<>(Map.of("API_CONFIG_PATH", file.toString()));
        assertThat(read(env).provider().name()).isEqualTo("local");
        env.put("DEFAULT_API_PROVIDER", "openai");
        assertThat(read(env).provider().name()).isEqualTo("openai");
        env.put("DEFAULT_API_PROVIDER", "azure");
        assertThatThrownBy(() -> read(env))
                .isInstanceOf(ConfigError.class)
                .hasMessage("DEFAULT_API_PROVIDER: provider 'azure' is not defined in " + file
                        + " (its default is 'local')");
    }

    @Test
    void openAiUrlIsIgnoredWithAProviderFileAndThatIsSaid() throws IOException {
        Path file = writeProviders("apis:\n  local: {base_url: http://10.0.0.1:8000}\n");
        ServerConfig config = read(Map.of("API_CONFIG_PATH", file.toString(), "OPENAI_API_URL", "http://ignored:1",
                "OPENAI_API_KEY", "sk-x"));
        assertThat(config.provider().upstreams()).containsExactly(URI.create("http://10.0.0.1:8000"));
        assertThat(config.warnings()).containsExactly(
                "OPENAI_API_URL is ignored because API_CONFIG_PATH is set: the provider file's base_url applies");
    }

    @Test
    void reservedVariablesThatAreSetDrawAWarning() {
        ServerConfig config = read(Map.of("OPENAI_API_KEY", "sk-x", "DATABASE_PATH", "./data/x.db",
                "HTTP_CACHE_BACKEND", "redis", "LLM_PROXY_API_KEY", "dispatcher-only"));
        assertThat(config.warnings()).containsExactlyInAnyOrder(
                "DATABASE_PATH is set but has no effect yet: it is reserved for storage (projects, tokens,"
                        + " migrations), which this version does not include",
                "HTTP_CACHE_BACKEND is set but has no effect yet: it is reserved for the response cache, which"
                        + " this version does not include");
    }

    @Test
    void eventSettings_defaultToTheInMemoryBusWithoutAFileLog() {
        ServerConfig config = read(Map.of("OPENAI_API_KEY", "sk-x"));
        assertThat(config.events().busName()).isEqualTo("in-memory");
        assertThat(config.events().fileEventLog()).isNull();
        assertThat(config.events().maxRequestBodyBytes()).isEqualTo(65536);
        assertThat(config.events().maxResponseBodyBytes()).isEqualTo(262144);
    }

    @Test
    void eventSettings_flagsOverrideTheEnvironmentAndRedisSettingsReachTheBus() {
        ServerFlags flags = new ServerFlags(null, null, null, null, null, null, null, null, null, "redis-streams",
                "/tmp/flag-events.jsonl");
        ServerConfig config = read(flags, Map.of("OPENAI_API_KEY", "sk-x", "LLM_PROXY_EVENT_BUS", "in-memory",
                "FILE_EVENT_LOG", "/tmp/env-events.jsonl", "REDIS_STREAM_KEY", "my-events",
                "OBSERVABILITY_MAX_RESPONSE_BODY_BYTES", "1MiB"));
        assertThat(config.events().busName()).isEqualTo("redis-streams");
        assertThat(config.events().fileEventLog()).hasToString("/tmp/flag-events.jsonl");
        assertThat(config.events().busConfig().string("REDIS_STREAM_KEY", "default")).isEqualTo("my-events");
        assertThat(config.events().maxResponseBodyBytes()).isEqualTo(1024 * 1024);
    }

    @Test
    void shortManagementTokenDrawsAWarningWithoutTheToken() {
        ServerConfig config = read(Map.of("OPENAI_API_KEY", "sk-x", "MANAGEMENT_TOKEN", "short"));
        assertThat(config.managementToken().value()).isEqualTo("short");
        assertThat(config.warnings()).singleElement().asString()
                .contains("MANAGEMENT_TOKEN is shorter than 16 characters")
                .doesNotContain("short ");
    }

    @Test
    void toStringHidesSecrets() {
        ServerConfig config = read(Map.of("OPENAI_API_KEY", "sk-very-secret", "MANAGEMENT_TOKEN",
                "management-very-secret"));
        assertThat(config.toString()).doesNotContain("very-secret").contains("upstreamApiKey=set");
        assertThat(flags(null, null, null, null, "sk-very-secret", null, null, null, null).toString())
                .doesNotContain("very-secret");
    }

    @Test
    void proxyBuilderCarriesTheSettings() {
        ServerConfig config = read(Map.of("LISTEN_ADDR", "127.0.0.1:0", "OPENAI_API_KEY", "sk-x",
                "MAX_REQUEST_SIZE", "1KiB", "IO_THREADS", "1", "OPENAI_API_URL", "http://127.0.0.1:9"));
        LlmProxy proxy = config.proxyBuilder().build();
        assertThat(proxy.settings().listenAddress()).isEqualTo(config.listen());
        assertThat(proxy.settings().upstreamApiKey()).isEqualTo("sk-x");
        assertThat(proxy.settings().maxRequestBodyBytes()).isEqualTo(1024);
        assertThat(proxy.settings().ioThreads()).isEqualTo(1);
        assertThat(proxy.settings().provider()).isEqualTo(ProviderConfig.openAi(URI.create("http://127.0.0.1:9")));
    }

    private Path writeProviders(String yaml) throws IOException {
        Path file = dir.resolve("providers.yaml");
        Files.writeString(file, yaml);
        return file;
    }
}
