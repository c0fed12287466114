package dev.llmproxy.server;

import dev.llmproxy.core.LlmProxy;
import dev.llmproxy.core.auth.TokenService;
import dev.llmproxy.core.project.ApiKeyCipher;
import dev.llmproxy.core.ratelimit.RedisRateLimiter;
import dev.llmproxy.core.route.ConfigException;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.core.route.ProviderConfigLoader;
import dev.llmproxy.core.route.UpstreamProbeConfig;

import dev.llmproxy.core.cache.CacheBackend;
import dev.llmproxy.core.cache.ResponseCacheConfig;
import dev.llmproxy.core.capture.WireCaptureConfig;
import dev.llmproxy.core.route.Durations;
import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.Event;
import dev.llmproxy.eventbus.EventBusConfig;
import dev.llmproxy.eventbus.EventBuses;
import dev.llmproxy.core.store.DatabaseConfig;
import dev.llmproxy.core.store.DatabaseDriver;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import static dev.llmproxy.server.EnvVars.API_CONFIG_PATH;
import static dev.llmproxy.server.EnvVars.DEFAULT_API_PROVIDER;
import static dev.llmproxy.server.EnvVars.IO_THREADS;
import static dev.llmproxy.server.EnvVars.LISTEN_ADDR;
import static dev.llmproxy.server.EnvVars.LOG_FILE;
import static dev.llmproxy.server.EnvVars.LOG_LEVEL;
import static dev.llmproxy.server.EnvVars.LOG_MAX_BACKUPS;
import static dev.llmproxy.server.EnvVars.LOG_MAX_SIZE_MB;
import static dev.llmproxy.server.EnvVars.MANAGEMENT_TOKEN;
import static dev.llmproxy.server.EnvVars.MAX_REQUEST_SIZE;
import static dev.llmproxy.server.EnvVars.AUDIT_CREATE_DIR;
import static dev.llmproxy.server.EnvVars.AUDIT_ENABLED;
import static dev.llmproxy.server.EnvVars.AUDIT_LOG_FILE;
import static dev.llmproxy.server.EnvVars.AUDIT_STORE_IN_DB;
import static dev.llmproxy.server.EnvVars.DATABASE_PATH;
import static dev.llmproxy.server.EnvVars.DATABASE_POOL_SIZE;
import static dev.llmproxy.server.EnvVars.DATABASE_URL;
import static dev.llmproxy.server.EnvVars.DB_DRIVER;
import static dev.llmproxy.server.EnvVars.ENCRYPTION_KEY;
import static dev.llmproxy.server.EnvVars.LLM_PROXY_API_KEY_CACHE_MAX;
import static dev.llmproxy.server.EnvVars.LLM_PROXY_API_KEY_CACHE_TTL;
import static dev.llmproxy.server.EnvVars.RATE_LIMIT_FAIL_MODE;
import static dev.llmproxy.server.EnvVars.REQUIRE_ENCRYPTION_KEY;
import static dev.llmproxy.server.EnvVars.LLM_PROXY_EVENT_BUS;
import static dev.llmproxy.server.EnvVars.FILE_EVENT_LOG;
import static dev.llmproxy.server.EnvVars.OBSERVABILITY_MAX_REQUEST_BODY_BYTES;
import static dev.llmproxy.server.EnvVars.OBSERVABILITY_MAX_RESPONSE_BODY_BYTES;
import static dev.llmproxy.server.EnvVars.OPENAI_API_URL;

/**
 * The one place where {@code llm-proxy server}'s flags and environment variables become settings
 * (DESIGN §5: the library never reads the environment). A flag wins over its variable; a variable
 * that is unset or blank takes the default. Every malformed value stops start-up with a
 * {@link ConfigError} naming the flag or variable, the expected form and the value given.
 *
 * <table>
 * <caption>Settings</caption>
 * <tr><th>flag</th><th>variable</th><th>default</th></tr>
 * <tr><td>{@code --listen}</td><td>{@code LISTEN_ADDR}</td><td>{@code :8080}</td></tr>
 * <tr><td>{@code -c, --config}</td><td>{@code API_CONFIG_PATH}</td><td>none: built-in OpenAI profile</td></tr>
 * <tr><td>{@code --provider}</td><td>{@code DEFAULT_API_PROVIDER}</td><td>the file's {@code default_api}; {@code openai} without a file</td></tr>
 * <tr><td>{@code --openai-api-url}</td><td>{@code OPENAI_API_URL}</td><td>{@code https://api.openai.com}</td></tr>
 * <tr><td>{@code --max-request-body-bytes}</td><td>{@code MAX_REQUEST_SIZE}</td><td>10 MiB</td></tr>
 * <tr><td>{@code --io-threads}</td><td>{@code IO_THREADS}</td><td>0 = one per core</td></tr>
 * <tr><td></td><td>{@code MANAGEMENT_TOKEN}</td><td>generated per run</td></tr>
 * <tr><td>{@code --log-level}</td><td>{@code LOG_LEVEL}</td><td>{@code info}</td></tr>
 * <tr><td>{@code --log-file}</td><td>{@code LOG_FILE}</td><td>none: console only</td></tr>
 * <tr><td></td><td>{@code LOG_MAX_SIZE_MB}</td><td>100</td></tr>
 * <tr><td></td><td>{@code LOG_MAX_BACKUPS}</td><td>5 (at most 20)</td></tr>
 * <tr><td></td><td>{@code DB_DRIVER}</td><td>{@code sqlite}</td></tr>
 * <tr><td>{@code --db}</td><td>{@code DATABASE_PATH}</td><td>{@code ./data/llm-proxy.db}</td></tr>
 * <tr><td></td><td>{@code DATABASE_URL}</td><td>none; required for postgres</td></tr>
 * <tr><td></td><td>{@code DATABASE_POOL_SIZE}</td><td>10</td></tr>
 * <tr><td></td><td>{@code ENCRYPTION_KEY}</td><td>none: keys stored in plaintext, with a warning</td></tr>
 * <tr><td></td><td>{@code REQUIRE_ENCRYPTION_KEY}</td><td>false</td></tr>
 * <tr><td></td><td>{@code AUDIT_ENABLED}, {@code AUDIT_STORE_IN_DB}, {@code AUDIT_CREATE_DIR}</td><td>true</td></tr>
 * <tr><td></td><td>{@code AUDIT_LOG_FILE}</td><td>{@code ./data/audit.log}; {@code off} for none</td></tr>
 * <tr><td></td><td>{@code LLM_PROXY_API_KEY_CACHE_TTL}, {@code _MAX}</td><td>60s, 100000</td></tr>
 * <tr><td></td><td>{@code REDIS_ADDR}</td><td>none: invalidation and rate limits per instance</td></tr>
 * <tr><td></td><td>{@code RATE_LIMIT_FAIL_MODE}</td><td>{@code open}</td></tr>
 * <tr><td></td><td>{@code WIRE_CAPTURE_ENABLED}, {@code WIRE_CAPTURE_*}</td><td>false; see {@link #wireCapture}</td></tr>
 * </table>
 */
final class ServerConfigReader {

    static final String DEFAULT_LISTEN = ":8080";
    static final String BUILT_IN_PROVIDER = "openai";
    static final int MAX_IO_THREADS = 1024;
    /** Netty aggregates the body into one buffer, whose size is an int. */
    static final long MAX_REQUEST_BODY_LIMIT = Integer.MAX_VALUE;
    /** Shorter configured management tokens draw a warning. */
    static final int MIN_RECOMMENDED_TOKEN_LENGTH = 16;
    /** Largest token cache: each entry is a few hundred bytes. */
    static final int MAX_TOKEN_CACHE = 10_000_000;

    private final ServerFlags flags;
    private final ConfigSource source;
    private final SecureRandom random;

    ServerConfigReader(ServerFlags flags, Map<String, String> env, SecureRandom random) {
        this.flags = flags;
        this.source = new ConfigSource(env);
        this.random = random;
    }

    ServerConfigReader(ServerFlags flags, Map<String, String> env) {
        this(flags, env, new SecureRandom());
    }

    /**
     * Only the logging settings, so that logging can be set up before anything else is read
     * (the provider file loader logs warnings).
     */
    LogSettings logSettings() {
        LogSettings.Level level = source.get("--log-level", flags.logLevel(), LOG_LEVEL)
                .map(raw -> raw.parse(LogSettings.Level::parse))
                .orElse(LogSettings.Level.INFO);
        Path file = source.get("--log-file", flags.logFile(), LOG_FILE)
                .map(raw -> raw.parse(ServerConfigReader::nonBlankPath))
                .orElse(null);
        int maxSizeMb = source.env(LOG_MAX_SIZE_MB)
                .map(raw -> raw.parse(t -> ValueParsers.intInRange(t, 1, 1_000_000)))
                .orElse(LogSettings.DEFAULT_MAX_SIZE_MB);
        int maxBackups = source.env(LOG_MAX_BACKUPS)
                .map(raw -> raw.parse(t -> ValueParsers.intInRange(t, 1, LogSettings.MAX_BACKUPS)))
                .orElse(LogSettings.DEFAULT_MAX_BACKUPS);
        return new LogSettings(level, file, maxSizeMb, maxBackups);
    }

    /** All settings; loads the provider file when one is configured. */
    ServerConfig read() {
        List<String> warnings = new ArrayList<>();
        LogSettings logging = logSettings();

        InetSocketAddress listen = source.get("--listen", flags.listen(), LISTEN_ADDR)
                .orElse(new ConfigSource.Raw(LISTEN_ADDR, DEFAULT_LISTEN))
                .parse(ValueParsers::listenAddress);

        Optional<ConfigSource.Raw> configRaw = source.get("--config", flags.config(), API_CONFIG_PATH);
        Optional<ConfigSource.Raw> providerRaw = source.get("--provider", flags.provider(), DEFAULT_API_PROVIDER);
        Optional<ConfigSource.Raw> urlRaw = source.get("--openai-api-url", flags.openAiApiUrl(), OPENAI_API_URL);
        ProviderConfig provider;
        Path providerFile = null;
        UpstreamProbeConfig probes = ProbeSettings.read(source);
        if (configRaw.isPresent()) {
            providerFile = configRaw.get().parse(ServerConfigReader::nonBlankPath);
            provider = loadProvider(configRaw.get().name(), providerFile, providerRaw, probes);
            urlRaw.ifPresent(raw -> warnings.add(raw.name() + " is ignored because " + configRaw.get().name()
                    + " is set: the provider file's base_url applies"));
        } else {
            providerRaw.ifPresent(raw -> {
                String wanted = raw.parse(ValueParsers::providerName);
                if (!wanted.equals(BUILT_IN_PROVIDER)) {
                    throw new ConfigError(raw.name() + ": provider '" + wanted + "' needs a provider file"
                            + " (API_CONFIG_PATH or --config); without one only the built-in '"
                            + BUILT_IN_PROVIDER + "' profile exists");
                }
            });
            URI url = urlRaw.map(raw -> raw.parse(ValueParsers::baseUrl)).orElse(ProviderConfig.DEFAULT_OPENAI_URL);
            provider = ProviderConfig.openAi(url).withHealthCheck(probes);
        }

        long maxBody = source.get("--max-request-body-bytes", flags.maxRequestBodyBytes(), MAX_REQUEST_SIZE)
                .map(raw -> raw.parse(ServerConfigReader::requestBodyLimit))
                .orElse(LlmProxy.Builder.DEFAULT_MAX_REQUEST_BODY_BYTES);

        int ioThreads = source.get("--io-threads", flags.ioThreads(), IO_THREADS)
                .map(raw -> raw.parse(t -> ValueParsers.intInRange(t, 0, MAX_IO_THREADS)))
                .orElse(0);

        ManagementToken token = source.env(MANAGEMENT_TOKEN)
                .map(raw -> new ManagementToken(raw.parse(ValueParsers::secret), false))
                .orElseGet(() -> ManagementToken.generate(random));
        if (!token.generated() && token.value().length() < MIN_RECOMMENDED_TOKEN_LENGTH) {
            warnings.add("MANAGEMENT_TOKEN is shorter than " + MIN_RECOMMENDED_TOKEN_LENGTH
                    + " characters; use a long random value, e.g. the output of: openssl rand -base64 32");
        }

        for (EnvVars.Ignored ignored : EnvVars.IGNORED) {
            if (source.isSet(ignored.name())) {
                warnings.add(ignored.why());
            }
        }
        StorageSettings storage = storage(warnings);
        ResponseCacheConfig cache = cache(storage.redis());
        for (EnvVars.Reserved reserved : EnvVars.RESERVED) {
            if (reserved.forServer() && source.isSet(reserved.name())) {
                warnings.add(reserved.name() + " is set but has no effect yet: it is reserved for "
                        + reserved.feature() + ", which this version does not include");
            }
        }
        boolean metrics = source.env(EnvVars.ENABLE_METRICS).map(raw -> raw.parse(ValueParsers::bool)).orElse(true);
        return new ServerConfig(listen, provider, providerFile, maxBody, ioThreads, token, logging,
                events(), storage, cache, metrics, warnings);
    }

    /**
     * The admin UI: {@code ADMIN_UI_ENABLED}, {@code ADMIN_SESSION_IDLE_TIMEOUT},
     * {@code ADMIN_SESSION_MAX_LIFETIME}, {@code ADMIN_SESSION_SECURE_COOKIE},
     * {@code ADMIN_TRUST_FORWARDED_PROTO}.
     */
    AdminSettings adminSettings() {
        AdminSettings d = AdminSettings.DEFAULTS;
        boolean enabled = source.env(EnvVars.ADMIN_UI_ENABLED).map(raw -> raw.parse(ValueParsers::bool))
                .orElse(d.enabled());
        java.time.Duration idle = source.env(EnvVars.ADMIN_SESSION_IDLE_TIMEOUT)
                .map(raw -> raw.parse(ValueParsers::positiveDuration)).orElse(d.idleTimeout());
        java.time.Duration lifetime = source.env(EnvVars.ADMIN_SESSION_MAX_LIFETIME)
                .map(raw -> raw.parse(ValueParsers::positiveDuration)).orElse(d.maxLifetime());
        boolean secure = source.env(EnvVars.ADMIN_SESSION_SECURE_COOKIE).map(raw -> raw.parse(ValueParsers::bool))
                .orElse(d.secureCookie());
        boolean trust = source.env(EnvVars.ADMIN_TRUST_FORWARDED_PROTO).map(raw -> raw.parse(ValueParsers::bool))
                .orElse(d.trustForwardedProto());
        return new AdminSettings(enabled, idle, lifetime, secure, trust);
    }

    /**
     * Database, encryption, audit, token cache and Redis link; things worth a warning are added
     * to {@code warnings}.
     */
    StorageSettings storage(List<String> warnings) {
        ApiKeyCipher cipher = cipher();
        if (!cipher.isEnabled()) {
            warnings.add("ENCRYPTION_KEY is not set: project API keys are stored in plaintext. Set it to the output"
                    + " of 'openssl rand -base64 32' and run 'llm-proxy migrate encrypt' to encrypt existing keys");
        }
        return new StorageSettings(database(warnings), cipher, audit(), tokenSettings(), redis(warnings), usage());
    }

    /** {@code USAGE_TRACKING_ENABLED}, {@code USAGE_RETENTION_DAYS} and {@code PRICE_TABLE_PATH}. */
    UsageSettings usage() {
        boolean enabled = source.env(EnvVars.USAGE_TRACKING_ENABLED).map(raw -> raw.parse(ValueParsers::bool))
                .orElse(true);
        int days = source.env(EnvVars.USAGE_RETENTION_DAYS)
                .map(raw -> raw.parse(t -> ValueParsers.intInRange(t, 0, 36_500)))
                .orElse(UsageSettings.DEFAULT_RETENTION_DAYS);
        Path priceFile = source.env(EnvVars.PRICE_TABLE_PATH).map(raw -> raw.parse(ServerConfigReader::nonBlankPath))
                .orElse(null);
        dev.llmproxy.core.usage.PriceTable prices = dev.llmproxy.core.usage.PriceTable.builtIn();
        if (priceFile != null && enabled) {
            try {
                prices = dev.llmproxy.core.usage.PriceTable.load(priceFile);
            } catch (dev.llmproxy.core.route.ConfigException e) {
                // The message names the file, the key and the problem.
                throw new ConfigError(EnvVars.PRICE_TABLE_PATH + ": " + e.getMessage(), e);
            }
        }
        return new UsageSettings(enabled, days == 0 ? null : Duration.ofDays(days), prices, priceFile);
    }

    /** {@code DB_DRIVER}, {@code DATABASE_PATH} (or {@code --db}), {@code DATABASE_URL}, {@code DATABASE_POOL_SIZE}. */
    DatabaseConfig database(List<String> warnings) {
        DatabaseConfig.Builder b = DatabaseConfig.builder();
        DatabaseDriver driver = source.env(DB_DRIVER)
                .map(raw -> named(() -> DatabaseDriver.fromConfigName(raw.value())))
                .orElse(DatabaseDriver.SQLITE);
        b.driver(driver);
        Optional<ConfigSource.Raw> path = source.get("--db", flags.db(), DATABASE_PATH);
        Optional<ConfigSource.Raw> url = source.env(DATABASE_URL);
        if (driver == DatabaseDriver.SQLITE) {
            path.ifPresent(raw -> {
                Path file = raw.parse(ServerConfigReader::nonBlankPath);
                named(() -> b.sqlitePath(file));
            });
            url.ifPresent(raw -> warnings.add("DATABASE_URL is ignored because DB_DRIVER is sqlite (the database is"
                    + " the file DATABASE_PATH)"));
        } else {
            ConfigSource.Raw raw = url.orElseThrow(() -> new ConfigError("DATABASE_URL is required when"
                    + " DB_DRIVER=postgres: expected postgres://user:password@host:5432/dbname or"
                    + " jdbc:postgresql://host:5432/dbname"));
            named(() -> b.postgresUrl(raw.value()));
            path.ifPresent(p -> warnings.add(p.name() + " is ignored because DB_DRIVER is postgres"));
        }
        source.env(DATABASE_POOL_SIZE).ifPresent(raw ->
                b.poolSize(raw.parse(t -> ValueParsers.intInRange(t, 1, DatabaseConfig.MAX_POOL_SIZE))));
        return named(b::build);
    }

    /** {@code ENCRYPTION_KEY} and {@code REQUIRE_ENCRYPTION_KEY}. */
    ApiKeyCipher cipher() {
        boolean required = source.env(REQUIRE_ENCRYPTION_KEY).map(raw -> raw.parse(ValueParsers::bool)).orElse(false);
        Optional<ConfigSource.Raw> key = source.env(ENCRYPTION_KEY);
        if (key.isEmpty()) {
            if (required) {
                throw new ConfigError("REQUIRE_ENCRYPTION_KEY is true but ENCRYPTION_KEY is not set: set it to"
                        + " standard base64 of 32 random bytes, e.g. the output of 'openssl rand -base64 32'");
            }
            return ApiKeyCipher.none();
        }
        // ApiKeyCipher's messages name ENCRYPTION_KEY and never contain the key.
        return named(() -> ApiKeyCipher.fromBase64(key.get().value()));
    }

    /** {@code AUDIT_ENABLED}, {@code AUDIT_LOG_FILE}, {@code AUDIT_STORE_IN_DB}, {@code AUDIT_CREATE_DIR}. */
    AuditSettings audit() {
        boolean enabled = source.env(AUDIT_ENABLED).map(raw -> raw.parse(ValueParsers::bool)).orElse(true);
        Optional<ConfigSource.Raw> fileRaw = source.env(AUDIT_LOG_FILE);
        Path file = AuditSettings.DEFAULT_FILE;
        if (fileRaw.isPresent()) {
            boolean off = fileRaw.get().value().strip().equalsIgnoreCase(AuditSettings.NO_FILE);
            file = off ? null : fileRaw.get().parse(ServerConfigReader::nonBlankPath);
        }
        boolean storeInDb = source.env(AUDIT_STORE_IN_DB).map(raw -> raw.parse(ValueParsers::bool)).orElse(true);
        boolean createDir = source.env(AUDIT_CREATE_DIR).map(raw -> raw.parse(ValueParsers::bool)).orElse(true);
        return new AuditSettings(enabled, file, storeInDb, createDir);
    }

    /** {@code SHUTDOWN_TIMEOUT}: how long requests in flight get to finish after SIGTERM (default 30 s). */
    Duration shutdownTimeout() {
        return source.env(EnvVars.SHUTDOWN_TIMEOUT).map(raw -> raw.parse(ValueParsers::positiveDuration))
                .orElse(DEFAULT_SHUTDOWN_TIMEOUT);
    }

    /** {@code REQUEST_HEAD_TIMEOUT}: the deadline for a complete request head (slowloris; default 30 s). */
    Duration requestHeadTimeout() {
        return source.env(EnvVars.REQUEST_HEAD_TIMEOUT).map(raw -> raw.parse(ValueParsers::positiveDuration))
                .orElse(LlmProxy.Builder.DEFAULT_REQUEST_HEAD_TIMEOUT);
    }

    static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

    /** {@code LLM_PROXY_API_KEY_CACHE_TTL} and {@code LLM_PROXY_API_KEY_CACHE_MAX}; the rest at their defaults. */
    TokenService.Settings tokenSettings() {
        TokenService.Settings d = TokenService.Settings.DEFAULTS;
        Duration ttl = source.env(LLM_PROXY_API_KEY_CACHE_TTL)
                .map(raw -> raw.parse(ValueParsers::positiveDuration))
                .orElse(d.cacheTtl());
        long max = source.env(LLM_PROXY_API_KEY_CACHE_MAX)
                .map(raw -> raw.parse(t -> ValueParsers.intInRange(t, 1, MAX_TOKEN_CACHE)))
                .map(Integer::longValue)
                .orElse(d.cacheMax());
        return new TokenService.Settings(ttl, max, d.negativeTtl(), d.quotaLease(), d.flushInterval());
    }

    /** The shared Redis, when {@code REDIS_ADDR} is set; null otherwise. */
    RedisLink redis(List<String> warnings) {
        Optional<ConfigSource.Raw> failModeRaw = source.env(RATE_LIMIT_FAIL_MODE);
        Optional<ConfigSource.Raw> addr = source.env(EventBusConfig.REDIS_ADDR);
        if (addr.isEmpty()) {
            failModeRaw.ifPresent(raw -> warnings.add("RATE_LIMIT_FAIL_MODE has no effect without REDIS_ADDR:"
                    + " rate limits are kept in memory"));
            return null;
        }
        RedisRateLimiter.FailMode failMode = failModeRaw
                .map(raw -> raw.parse(ServerConfigReader::failMode))
                .orElse(RedisRateLimiter.FailMode.OPEN);
        Integer db = source.env(EventBusConfig.REDIS_DB)
                .map(raw -> raw.parse(t -> ValueParsers.intInRange(t, 0, Integer.MAX_VALUE)))
                .orElse(null);
        String password = source.env(EventBusConfig.REDIS_PASSWORD).map(ConfigSource.Raw::value).orElse(null);
        return addr.get().parse(t -> RedisLink.parse(t, db, password, failMode));
    }

    /**
     * The response cache ({@code HTTP_CACHE_*}, {@code REDIS_CACHE_*}), or null when
     * {@code HTTP_CACHE_ENABLED=false}. Without {@code REDIS_CACHE_URL} a Redis backend uses the
     * {@code REDIS_ADDR} link.
     */
    ResponseCacheConfig cache(RedisLink redis) {
        boolean enabled = source.env("HTTP_CACHE_ENABLED").map(raw -> raw.parse(ValueParsers::bool)).orElse(true);
        if (!enabled) {
            return null;
        }
        ResponseCacheConfig.Builder b = ResponseCacheConfig.builder();
        try {
            source.env("HTTP_CACHE_BACKEND").ifPresent(raw -> b.backend(raw.parse(CacheBackend::parse)));
            Optional<ConfigSource.Raw> url = source.env("REDIS_CACHE_URL");
            if (url.isPresent()) {
                b.redisUrl(url.get().value());
            } else if (redis != null && !redis.tls() && redis.user() == null) {
                b.redisUrl("redis://" + (redis.password() == null ? "" : ":" + redis.password() + "@")
                        + (redis.host().contains(":") ? "[" + redis.host() + "]" : redis.host()) + ":" + redis.port()
                        + "/" + redis.database());
            }
            source.env("REDIS_CACHE_KEY_PREFIX").ifPresent(raw -> b.keyPrefix(raw.value()));
            source.env("HTTP_CACHE_MAX_OBJECT_BYTES").ifPresent(raw -> b.maxObjectBytes(raw.parse(ValueParsers::byteSize)));
            source.env("HTTP_CACHE_MEMORY_MAX_BYTES").ifPresent(raw -> b.memoryMaxBytes(raw.parse(ValueParsers::byteSize)));
            source.env("HTTP_CACHE_DEFAULT_TTL").ifPresent(raw -> b.defaultTtl(raw.parse(Durations::parse)));
            return b.build();
        } catch (ConfigError e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConfigError(e.getMessage(), e); // ResponseCacheConfig names the variable
        }
    }

    /**
     * Wire capture ({@code WIRE_CAPTURE_ENABLED} and the other {@code WIRE_CAPTURE_*}), or null when
     * off. The management token is always redacted from captures. Settings given while capture is
     * off draw a warning.
     */
    WireCaptureConfig wireCapture(ManagementToken managementToken, List<String> warnings) {
        boolean enabled = source.env(EnvVars.WIRE_CAPTURE_ENABLED).map(raw -> raw.parse(ValueParsers::bool))
                .orElse(false);
        if (!enabled) {
            for (String name : EnvVars.WIRE_CAPTURE_SETTINGS) {
                if (source.isSet(name)) {
                    warnings.add(name + " has no effect: wire capture is off (set WIRE_CAPTURE_ENABLED=true)");
                }
            }
            return null;
        }
        WireCaptureConfig.Builder b = WireCaptureConfig.builder();
        source.env(EnvVars.WIRE_CAPTURE_DIR).ifPresent(raw -> b.directory(raw.parse(ServerConfigReader::nonBlankPath)));
        source.env(EnvVars.WIRE_CAPTURE_MAX_FILE_BYTES).ifPresent(raw -> b.maxFileBytes(raw.parse(t ->
                atLeast(ValueParsers.byteSize(t), WireCaptureConfig.MIN_FILE_BYTES, t))));
        source.env(EnvVars.WIRE_CAPTURE_MAX_TOTAL_BYTES).ifPresent(raw -> b.maxTotalBytes(raw.parse(t ->
                atLeast(ValueParsers.byteSize(t), WireCaptureConfig.MIN_FILE_BYTES, t))));
        source.env(EnvVars.WIRE_CAPTURE_MAX_FILES).ifPresent(raw ->
                b.maxFiles(raw.parse(t -> ValueParsers.intInRange(t, 1, 1_000_000))));
        source.env(EnvVars.WIRE_CAPTURE_MAX_BODY_BYTES).ifPresent(raw -> b.maxBodyBytes(raw.parse(t ->
                (int) atMost(ValueParsers.byteSize(t), 64L * 1024 * 1024, t))));
        source.env(EnvVars.WIRE_CAPTURE_QUEUE_SIZE).ifPresent(raw ->
                b.queueCapacity(raw.parse(t -> ValueParsers.intInRange(t, 1, 1_000_000))));
        source.env(EnvVars.WIRE_CAPTURE_COMPRESS).ifPresent(raw -> b.compressRotated(raw.parse(ValueParsers::bool)));
        b.secrets(List.of(managementToken.value()));
        return named(b::build); // names both variables when the total is below the file size
    }

    private static long atLeast(long value, long min, String text) {
        if (value < min) {
            throw new IllegalArgumentException("expected at least " + min + " bytes, got '" + text + "'");
        }
        return value;
    }

    private static long atMost(long value, long max, String text) {
        if (value > max) {
            throw new IllegalArgumentException("expected at most " + max + " bytes (64MiB), got '" + text + "'");
        }
        return value;
    }

    private static RedisRateLimiter.FailMode failMode(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "open" -> RedisRateLimiter.FailMode.OPEN;
            case "closed" -> RedisRateLimiter.FailMode.CLOSED;
            default -> throw new IllegalArgumentException("expected open or closed, got '" + text + "'");
        };
    }

    /** Runs a library builder whose {@link IllegalArgumentException} messages already name the variable. */
    private static <T> T named(Supplier<T> step) {
        try {
            return step.get();
        } catch (IllegalArgumentException e) {
            throw new ConfigError(e.getMessage(), e);
        }
    }

    /** Event bus selection, its settings, the file event log and the event body caps. */
    EventSettings events() {
        String bus = source.get("--event-bus", flags.eventBus(), LLM_PROXY_EVENT_BUS)
                .map(raw -> raw.parse(ServerConfigReader::busName))
                .orElse(EventSettings.DEFAULT_BUS);
        Map<String, String> busSettings = new HashMap<>();
        for (String key : EventBusConfig.KEYS) {
            source.env(key).ifPresent(raw -> busSettings.put(key, raw.value()));
        }
        Path fileLog = source.get("--file-event-log", flags.fileEventLog(), FILE_EVENT_LOG)
                .map(raw -> raw.parse(ServerConfigReader::nonBlankPath))
                .orElse(null);
        int maxRequest = source.env(OBSERVABILITY_MAX_REQUEST_BODY_BYTES)
                .map(raw -> raw.parse(ServerConfigReader::eventBodyLimit))
                .orElse(Event.DEFAULT_MAX_REQUEST_BODY_BYTES);
        int maxResponse = source.env(OBSERVABILITY_MAX_RESPONSE_BODY_BYTES)
                .map(raw -> raw.parse(ServerConfigReader::eventBodyLimit))
                .orElse(Event.DEFAULT_MAX_RESPONSE_BODY_BYTES);
        return new EventSettings(bus, ComponentConfig.of(busSettings), fileLog, maxRequest, maxResponse);
    }

    private static String busName(String text) {
        String name = text.trim();
        if (!EventBuses.names().contains(name)) {
            throw new IllegalArgumentException("expected one of " + EventBuses.names() + ", got '" + name + "'");
        }
        return name;
    }

    /** Event body caps: a byte size up to 64 MiB (events travel through Redis and into backends). */
    private static int eventBodyLimit(String text) {
        long bytes = ValueParsers.byteSize(text);
        if (bytes > 64L * 1024 * 1024) {
            throw new IllegalArgumentException("expected at most 64MiB, got '" + text + "'");
        }
        return (int) bytes;
    }

    private static ProviderConfig loadProvider(String configName, Path file, Optional<ConfigSource.Raw> providerRaw,
                                               UpstreamProbeConfig probes) {
        String wanted = providerRaw.map(raw -> raw.parse(ValueParsers::providerName)).orElse(null);
        ProviderConfig provider;
        try {
            provider = ProviderConfigLoader.load(file, wanted, probes);
        } catch (ConfigException e) {
            throw new ConfigError(configName + ": " + e.getMessage(), e);
        }
        // The loader falls back to default_api when the requested provider is missing; an explicit
        // request for a provider that does not exist is a mistake worth stopping for.
        if (wanted != null && !provider.name().equals(wanted)) {
            throw new ConfigError(providerRaw.get().name() + ": provider '" + wanted + "' is not defined in "
                    + file + " (its default is '" + provider.name() + "')");
        }
        return provider;
    }

    private static long requestBodyLimit(String text) {
        long bytes = ValueParsers.byteSize(text);
        if (bytes < 1 || bytes > MAX_REQUEST_BODY_LIMIT) {
            throw new IllegalArgumentException("expected a size from 1 byte to " + MAX_REQUEST_BODY_LIMIT
                    + " bytes (2GiB - 1), got '" + text + "'");
        }
        return bytes;
    }

    private static Path nonBlankPath(String text) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("expected a file path, got an empty value");
        }
        return Path.of(text.strip());
    }
}
