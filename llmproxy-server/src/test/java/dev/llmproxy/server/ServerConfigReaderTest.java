package dev.llmproxy.server;

import dev.llmproxy.core.LlmProxy;
import dev.llmproxy.core.auth.TokenService;
import dev.llmproxy.core.ratelimit.RedisRateLimiter;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.core.store.DatabaseDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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

    private static ServerFlags flags(String listen, String config, String provider, String url, String db,
                                     String maxBody, String ioThreads, String logLevel, String logFile) {
        return new ServerFlags(listen, config, provider, url, db, maxBody, ioThreads, logLevel, logFile, null, null);
    }

    static final String KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    static final String NO_ENCRYPTION_WARNING = "ENCRYPTION_KEY is not set: project API keys are stored in plaintext";

    @Test
    void defaults() {
        ServerConfig config = read(Map.of());
        assertThat(config.listen().getAddress().isAnyLocalAddress()).isTrue();
        assertThat(config.listen().getPort()).isEqualTo(8080);
        assertThat(config.provider().name()).isEqualTo("openai");
        assertThat(config.provider().upstreams()).containsExactly(URI.create("https://api.openai.com"));
        assertThat(config.providerFile()).isNull();
        assertThat(config.maxRequestBodyBytes()).isEqualTo(10L * 1024 * 1024);
        assertThat(config.ioThreads()).isZero();
        assertThat(config.logging()).isEqualTo(LogSettings.DEFAULTS);
        assertThat(config.managementToken().generated()).isTrue();
        assertThat(config.managementToken().value()).matches("[A-Za-z0-9_-]{43}");
        assertThat(config.warnings()).singleElement().asString().startsWith(NO_ENCRYPTION_WARNING);
        StorageSettings storage = config.storage();
        assertThat(storage.database().driver()).isEqualTo(DatabaseDriver.SQLITE);
        assertThat(storage.database().sqlitePath()).isEqualTo(Path.of("./data/llm-proxy.db"));
        assertThat(storage.database().poolSize()).isEqualTo(10);
        assertThat(storage.database().migrateOnOpen()).isTrue();
        assertThat(storage.cipher().isEnabled()).isFalse();
        assertThat(storage.audit()).isEqualTo(AuditSettings.DEFAULTS);
        assertThat(storage.audit().file()).isEqualTo(Path.of("./data/audit.log"));
        assertThat(storage.tokens()).isEqualTo(TokenService.Settings.DEFAULTS);
        assertThat(storage.redis()).isNull();
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
        env.put("MAX_REQUEST_SIZE", "512KiB");
        env.put("IO_THREADS", "3");
        env.put("MANAGEMENT_TOKEN", "a-management-token-of-some-length");
        env.put("LOG_LEVEL", "DEBUG");
        env.put("LOG_FILE", log.toString());
        env.put("LOG_MAX_SIZE_MB", "7");
        env.put("LOG_MAX_BACKUPS", "20");
        env.put("DB_DRIVER", "SQLite");
        env.put("DATABASE_PATH", dir.resolve("db/proxy.db").toString());
        env.put("DATABASE_POOL_SIZE", "4");
        env.put("ENCRYPTION_KEY", KEY);
        env.put("REQUIRE_ENCRYPTION_KEY", "true");
        env.put("AUDIT_ENABLED", "yes");
        env.put("AUDIT_LOG_FILE", dir.resolve("audit/a.log").toString());
        env.put("AUDIT_STORE_IN_DB", "false");
        env.put("AUDIT_CREATE_DIR", "0");
        env.put("LLM_PROXY_API_KEY_CACHE_TTL", "5m");
        env.put("LLM_PROXY_API_KEY_CACHE_MAX", "500");
        ServerConfig config = read(env);
        assertThat(config.listen().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(config.listen().getPort()).isEqualTo(9000);
        assertThat(config.provider().upstreams()).containsExactly(URI.create("http://127.0.0.1:1234"));
        assertThat(config.maxRequestBodyBytes()).isEqualTo(512 * 1024);
        assertThat(config.ioThreads()).isEqualTo(3);
        assertThat(config.managementToken()).isEqualTo(new ManagementToken("a-management-token-of-some-length", false));
        assertThat(config.logging()).isEqualTo(new LogSettings(LogSettings.Level.DEBUG, log, 7, 20));
        assertThat(config.storage().database().sqlitePath()).isEqualTo(dir.resolve("db/proxy.db"));
        assertThat(config.storage().database().poolSize()).isEqualTo(4);
        assertThat(config.storage().cipher().isEnabled()).isTrue();
        assertThat(config.storage().audit()).isEqualTo(new AuditSettings(true, dir.resolve("audit/a.log"), false, false));
        assertThat(config.storage().tokens().cacheTtl()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.storage().tokens().cacheMax()).isEqualTo(500);
        assertThat(config.warnings()).isEmpty();
    }

    @Test
    void flagsOverrideEnvironment() throws IOException {
        Path file = writeProviders("apis:\n  one: {base_url: http://10.0.0.1:80}\n  two: {base_url: http://10.0.0.2:80}\n");
        Map<String, String> env = new HashMap<>();
        env.put("LISTEN_ADDR", "127.0.0.1:9000");
        env.put("API_CONFIG_PATH", dir.resolve("missing.yaml").toString());
        env.put("DEFAULT_API_PROVIDER", "one");
        env.put("DATABASE_PATH", dir.resolve("env.db").toString());
        env.put("MAX_REQUEST_SIZE", "not a size");
        env.put("IO_THREADS", "-5");
        env.put("LOG_LEVEL", "nonsense");
        env.put("LOG_FILE", dir.resolve("env.log").toString());
        ServerFlags flags = flags("[::1]:0", file.toString(), "two", null, dir.resolve("flag.db").toString(), "1MB",
                "2", "warn", dir.resolve("flag.log").toString());
        ServerConfig config = read(flags, env);
        assertThat(config.listen().getAddress().isLoopbackAddress()).isTrue();
        assertThat(config.listen().getPort()).isZero();
        assertThat(config.providerFile()).isEqualTo(file);
        assertThat(config.provider().name()).isEqualTo("two");
        assertThat(config.storage().database().sqlitePath()).isEqualTo(dir.resolve("flag.db"));
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
        assertThat(config.storage().audit()).isEqualTo(AuditSettings.DEFAULTS);
        assertThat(config.storage().redis()).isNull();
        assertThat(config.warnings()).singleElement().asString().startsWith(NO_ENCRYPTION_WARNING);
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
        "DB_DRIVER             | mysql      | DB_DRIVER must be sqlite or postgres, got 'mysql'",
        "DATABASE_PATH         | :memory:   | DATABASE_PATH must be a file path, got ':memory:' (for a database that lives only in memory use the in-memory stores)",
        "DATABASE_POOL_SIZE    | 0          | DATABASE_POOL_SIZE: expected a whole number from 1 to 1000, got '0'",
        "ENCRYPTION_KEY        | c2hvcnQ=   | ENCRYPTION_KEY decodes to 5 bytes: expected standard base64 of exactly 32 random bytes (44 characters, e.g. the output of 'openssl rand -base64 32')",
        "REQUIRE_ENCRYPTION_KEY | true      | REQUIRE_ENCRYPTION_KEY is true but ENCRYPTION_KEY is not set: set it to standard base64 of 32 random bytes, e.g. the output of 'openssl rand -base64 32'",
        "REQUIRE_ENCRYPTION_KEY | sure      | REQUIRE_ENCRYPTION_KEY: expected true or false, got 'sure'",
        "AUDIT_ENABLED         | maybe      | AUDIT_ENABLED: expected true or false, got 'maybe'",
        "AUDIT_STORE_IN_DB     | 2          | AUDIT_STORE_IN_DB: expected true or false, got '2'",
        "LLM_PROXY_API_KEY_CACHE_TTL | 0    | LLM_PROXY_API_KEY_CACHE_TTL: expected a positive duration like 30s, 5m or 1h, got '0'",
        "LLM_PROXY_API_KEY_CACHE_TTL | soon | LLM_PROXY_API_KEY_CACHE_TTL: expected a duration like 10s or 500ms, got 'soon'",
        "LLM_PROXY_API_KEY_CACHE_MAX | 0    | LLM_PROXY_API_KEY_CACHE_MAX: expected a whole number from 1 to 10000000, got '0'",
        "REDIS_ADDR            | redis://h:x | REDIS_ADDR: expected host:port, [ipv6]:port or redis://[user:password@]host:port[/db] (rediss:// for TLS), got 'redis://h:x'",
        "DEFAULT_API_PROVIDER  | anthropic  | DEFAULT_API_PROVIDER: provider 'anthropic' needs a provider file (API_CONFIG_PATH or --config); without one only the built-in 'openai' profile exists",
    })
    void malformedEnvironmentVariable(String name, String value, String message) {
        assertThatThrownBy(() -> read(Map.of(name, value)))
                .isInstanceOf(ConfigError.class)
                .hasMessage(message);
    }

    @Test
    void malformedSecretsAreNamedButNotShown() {
        assertThatThrownBy(() -> read(Map.of("MANAGEMENT_TOKEN", "secret with spaces")))
                .isInstanceOf(ConfigError.class)
                .hasMessageStartingWith("MANAGEMENT_TOKEN: expected printable ASCII characters without spaces")
                .hasMessageNotContaining("secret with");
        assertThatThrownBy(() -> read(Map.of("ENCRYPTION_KEY", "secret with spaces")))
                .isInstanceOf(ConfigError.class)
                .hasMessageStartingWith("ENCRYPTION_KEY is not valid base64")
                .hasMessageNotContaining("secret with");
        assertThatThrownBy(() -> read(Map.of("DB_DRIVER", "postgres", "DATABASE_URL", "mysql://u:hunter2@h/db")))
                .isInstanceOf(ConfigError.class)
                .hasMessageStartingWith("DATABASE_URL has an unsupported form (mysql)")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> read(Map.of("REDIS_ADDR", "redis://u:hunter2@h:x")))
                .isInstanceOf(ConfigError.class)
                .hasMessageNotContaining("hunter2");
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
        assertThatThrownBy(() -> read(flags(null, null, null, null, " ", null, null, null, null), Map.of()))
                .hasMessage("--db: expected a file path, got an empty value");
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
                "ENCRYPTION_KEY", KEY));
        assertThat(config.provider().upstreams()).containsExactly(URI.create("http://10.0.0.1:8000"));
        assertThat(config.warnings()).containsExactly(
                "OPENAI_API_URL is ignored because API_CONFIG_PATH is set: the provider file's base_url applies");
    }

    @Test
    void reservedVariablesThatAreSetDrawAWarning() {
        ServerConfig config = read(Map.of("ENCRYPTION_KEY", KEY, "ENABLE_METRICS", "false",
                "HTTP_CACHE_BACKEND", "tiered", "LLM_PROXY_API_KEY", "dispatcher-only"));
        assertThat(config.metricsEnabled()).isFalse();
        assertThat(config.cache().backend().name()).isEqualTo("TIERED");
        // LLM_PROXY_API_KEY belongs to the dispatcher command: the server does not warn about it.
        assertThat(config.warnings()).isEmpty();
    }

    @Test
    void openAiApiKeyIsIgnored_withAWarningThatSaysWhatToDoInstead() {
        ServerConfig config = read(Map.of("OPENAI_API_KEY", "sk-some-upstream-key", "ENCRYPTION_KEY", KEY));
        assertThat(config.warnings()).singleElement().asString()
                .startsWith("OPENAI_API_KEY is ignored: upstream keys belong to projects")
                .contains("llm-proxy manage project create")
                .doesNotContain("sk-some-upstream-key");
        assertThat(config.toString()).doesNotContain("sk-some-upstream-key");
    }

    @Test
    void postgres_needsDatabaseUrl_andIgnoresDatabasePath() {
        assertThatThrownBy(() -> read(Map.of("DB_DRIVER", "postgres")))
                .isInstanceOf(ConfigError.class)
                .hasMessageStartingWith("DATABASE_URL is required when DB_DRIVER=postgres");
        ServerConfig config = read(Map.of("DB_DRIVER", "postgres", "ENCRYPTION_KEY", KEY,
                "DATABASE_URL", "postgres://proxy:hunter2@db.example:5433/llmproxy?sslmode=require",
                "DATABASE_PATH", "./x.db"));
        assertThat(config.storage().database().driver()).isEqualTo(DatabaseDriver.POSTGRES);
        assertThat(config.storage().database().jdbcUrl())
                .isEqualTo("jdbc:postgresql://db.example:5433/llmproxy?sslmode=require");
        assertThat(config.warnings()).containsExactly("DATABASE_PATH is ignored because DB_DRIVER is postgres");
        assertThat(config.toString()).doesNotContain("hunter2");
        ServerConfig sqlite = read(Map.of("DATABASE_URL", "postgres://h/db", "ENCRYPTION_KEY", KEY));
        assertThat(sqlite.warnings()).singleElement().asString().startsWith("DATABASE_URL is ignored");
    }

    @Test
    void auditLogFileOff_keepsOnlyTheDatabaseSink() {
        AuditSettings audit = read(Map.of("AUDIT_LOG_FILE", "off")).storage().audit();
        assertThat(audit.file()).isNull();
        assertThat(audit.storeInDb()).isTrue();
        assertThat(audit.enabled()).isTrue();
    }

    @Test
    void redisLink_onlyWithRedisAddr_failingOpenByDefault() {
        assertThat(read(Map.of()).storage().redis()).isNull();
        ServerConfig lonely = read(Map.of("RATE_LIMIT_FAIL_MODE", "closed", "ENCRYPTION_KEY", KEY));
        assertThat(lonely.storage().redis()).isNull();
        assertThat(lonely.warnings()).singleElement().asString().startsWith("RATE_LIMIT_FAIL_MODE has no effect");

        RedisLink plain = read(Map.of("REDIS_ADDR", "cache.internal:6380")).storage().redis();
        assertThat(plain).isEqualTo(new RedisLink("cache.internal", 6380, false, null, null, 0,
                RedisRateLimiter.FailMode.OPEN));
        RedisLink url = read(Map.of("REDIS_ADDR", "rediss://alice:p%40ss@[::1]:7000/3", "RATE_LIMIT_FAIL_MODE",
                "Closed")).storage().redis();
        assertThat(url).isEqualTo(new RedisLink("::1", 7000, true, "alice", "p@ss", 3,
                RedisRateLimiter.FailMode.CLOSED));
        assertThat(url.toString()).doesNotContain("p@ss");
        RedisLink overridden = read(Map.of("REDIS_ADDR", "redis://:urlpass@h/2", "REDIS_DB", "5",
                "REDIS_PASSWORD", "envpass")).storage().redis();
        assertThat(overridden.database()).isEqualTo(5);
        assertThat(overridden.password()).isEqualTo("envpass");
        assertThat(read(Map.of("REDIS_ADDR", "localhost")).storage().redis().port()).isEqualTo(6379);
        assertThatThrownBy(() -> read(Map.of("REDIS_ADDR", "h:1", "RATE_LIMIT_FAIL_MODE", "sometimes")))
                .isInstanceOf(ConfigError.class)
                .hasMessage("RATE_LIMIT_FAIL_MODE: expected open or closed, got 'sometimes'");
    }

    @Test
    void eventSettings_defaultToTheInMemoryBusWithoutAFileLog() {
        ServerConfig config = read(Map.of());
        assertThat(config.events().busName()).isEqualTo("in-memory");
        assertThat(config.events().fileEventLog()).isNull();
        assertThat(config.events().maxRequestBodyBytes()).isEqualTo(65536);
        assertThat(config.events().maxResponseBodyBytes()).isEqualTo(262144);
    }

    @Test
    void eventSettings_flagsOverrideTheEnvironmentAndRedisSettingsReachTheBus() {
        ServerFlags flags = new ServerFlags(null, null, null, null, null, null, null, null, null, "redis-streams",
                "/tmp/flag-events.jsonl");
        ServerConfig config = read(flags, Map.of("LLM_PROXY_EVENT_BUS", "in-memory",
                "FILE_EVENT_LOG", "/tmp/env-events.jsonl", "REDIS_STREAM_KEY", "my-events",
                "OBSERVABILITY_MAX_RESPONSE_BODY_BYTES", "1MiB"));
        assertThat(config.events().busName()).isEqualTo("redis-streams");
        assertThat(config.events().fileEventLog()).hasToString("/tmp/flag-events.jsonl");
        assertThat(config.events().busConfig().string("REDIS_STREAM_KEY", "default")).isEqualTo("my-events");
        assertThat(config.events().maxResponseBodyBytes()).isEqualTo(1024 * 1024);
    }

    @Test
    void shortManagementTokenDrawsAWarningWithoutTheToken() {
        ServerConfig config = read(Map.of("ENCRYPTION_KEY", KEY, "MANAGEMENT_TOKEN", "short"));
        assertThat(config.managementToken().value()).isEqualTo("short");
        assertThat(config.warnings()).singleElement().asString()
                .contains("MANAGEMENT_TOKEN is shorter than 16 characters")
                .doesNotContain("short ");
    }

    @Test
    void toStringHidesSecrets() {
        ServerConfig config = read(Map.of("MANAGEMENT_TOKEN", "management-very-secret", "ENCRYPTION_KEY", KEY,
                "REDIS_ADDR", "redis://:redis-very-secret@h:6379"));
        assertThat(config.toString()).doesNotContain("very-secret").doesNotContain(KEY)
                .contains("AES-256-GCM").contains("password=[redacted]");
    }

    @Test
    void proxyBuilderCarriesTheSettings() {
        ServerConfig config = read(Map.of("LISTEN_ADDR", "127.0.0.1:0",
                "MAX_REQUEST_SIZE", "1KiB", "IO_THREADS", "1", "OPENAI_API_URL", "http://127.0.0.1:9"));
        LlmProxy proxy = config.proxyBuilder().build();
        assertThat(proxy.settings().listenAddress()).isEqualTo(config.listen());
        assertThat(proxy.settings().upstreamApiKey()).isNull();
        assertThat(proxy.settings().maxRequestBodyBytes()).isEqualTo(1024);
        assertThat(proxy.settings().ioThreads()).isEqualTo(1);
        assertThat(proxy.settings().provider()).isEqualTo(ProviderConfig.openAi(URI.create("http://127.0.0.1:9"))
                .withHealthCheck(dev.llmproxy.core.route.UpstreamProbeConfig.DEFAULTS)); // the server probes by default
    }

    private Path writeProviders(String yaml) throws IOException {
        Path file = dir.resolve("providers.yaml");
        Files.writeString(file, yaml);
        return file;
    }
}
