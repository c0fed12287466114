package dev.llmproxy.server;

import dev.llmproxy.eventbus.EventBusConfig;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The environment variables of {@code llm-proxy server}: the ones it reads now, the ones it no
 * longer applies ("ignored", with the reason), and the ones SPEC S2 names for features that have
 * not landed yet ("reserved"). Keeping the lists here lets the server warn when an ignored or
 * reserved variable is set (so nothing is silently ignored) and lets a test check that
 * {@code docs/configuration.md} documents every one of them.
 */
final class EnvVars {

    static final String LISTEN_ADDR = "LISTEN_ADDR";
    static final String API_CONFIG_PATH = "API_CONFIG_PATH";
    static final String DEFAULT_API_PROVIDER = "DEFAULT_API_PROVIDER";
    static final String OPENAI_API_URL = "OPENAI_API_URL";
    static final String OPENAI_API_KEY = "OPENAI_API_KEY";
    static final String MAX_REQUEST_SIZE = "MAX_REQUEST_SIZE";
    static final String IO_THREADS = "IO_THREADS";
    static final String MANAGEMENT_TOKEN = "MANAGEMENT_TOKEN";
    static final String LOG_LEVEL = "LOG_LEVEL";
    static final String LOG_FILE = "LOG_FILE";
    static final String LOG_MAX_SIZE_MB = "LOG_MAX_SIZE_MB";
    static final String LOG_MAX_BACKUPS = "LOG_MAX_BACKUPS";
    static final String ENABLE_METRICS = "ENABLE_METRICS";
    static final String LLM_PROXY_EVENT_BUS = "LLM_PROXY_EVENT_BUS";
    static final String FILE_EVENT_LOG = "FILE_EVENT_LOG";
    static final String OBSERVABILITY_MAX_REQUEST_BODY_BYTES = "OBSERVABILITY_MAX_REQUEST_BODY_BYTES";
    static final String OBSERVABILITY_MAX_RESPONSE_BODY_BYTES = "OBSERVABILITY_MAX_RESPONSE_BODY_BYTES";
    static final String DB_DRIVER = "DB_DRIVER";
    static final String DATABASE_PATH = "DATABASE_PATH";
    static final String DATABASE_URL = "DATABASE_URL";
    static final String DATABASE_POOL_SIZE = "DATABASE_POOL_SIZE";
    static final String ENCRYPTION_KEY = "ENCRYPTION_KEY";
    static final String REQUIRE_ENCRYPTION_KEY = "REQUIRE_ENCRYPTION_KEY";
    static final String AUDIT_ENABLED = "AUDIT_ENABLED";
    static final String AUDIT_LOG_FILE = "AUDIT_LOG_FILE";
    static final String AUDIT_STORE_IN_DB = "AUDIT_STORE_IN_DB";
    static final String AUDIT_CREATE_DIR = "AUDIT_CREATE_DIR";
    static final String LLM_PROXY_API_KEY_CACHE_TTL = "LLM_PROXY_API_KEY_CACHE_TTL";
    static final String LLM_PROXY_API_KEY_CACHE_MAX = "LLM_PROXY_API_KEY_CACHE_MAX";
    static final String RATE_LIMIT_FAIL_MODE = "RATE_LIMIT_FAIL_MODE";
    static final String ADMIN_UI_ENABLED = "ADMIN_UI_ENABLED";
    static final String ADMIN_SESSION_IDLE_TIMEOUT = "ADMIN_SESSION_IDLE_TIMEOUT";
    static final String ADMIN_SESSION_MAX_LIFETIME = "ADMIN_SESSION_MAX_LIFETIME";
    static final String ADMIN_SESSION_SECURE_COOKIE = "ADMIN_SESSION_SECURE_COOKIE";
    static final String ADMIN_TRUST_FORWARDED_PROTO = "ADMIN_TRUST_FORWARDED_PROTO";
    static final String REQUEST_HEAD_TIMEOUT = "REQUEST_HEAD_TIMEOUT";
    static final String SHUTDOWN_TIMEOUT = "SHUTDOWN_TIMEOUT";
    static final String WIRE_CAPTURE_ENABLED = "WIRE_CAPTURE_ENABLED";
    static final String WIRE_CAPTURE_DIR = "WIRE_CAPTURE_DIR";
    static final String WIRE_CAPTURE_MAX_FILE_BYTES = "WIRE_CAPTURE_MAX_FILE_BYTES";
    static final String WIRE_CAPTURE_MAX_TOTAL_BYTES = "WIRE_CAPTURE_MAX_TOTAL_BYTES";
    static final String WIRE_CAPTURE_MAX_FILES = "WIRE_CAPTURE_MAX_FILES";
    static final String WIRE_CAPTURE_MAX_BODY_BYTES = "WIRE_CAPTURE_MAX_BODY_BYTES";
    static final String WIRE_CAPTURE_QUEUE_SIZE = "WIRE_CAPTURE_QUEUE_SIZE";
    static final String WIRE_CAPTURE_COMPRESS = "WIRE_CAPTURE_COMPRESS";
    /** Wire capture's settings besides the switch. */
    static final List<String> WIRE_CAPTURE_SETTINGS = List.of(WIRE_CAPTURE_DIR, WIRE_CAPTURE_MAX_FILE_BYTES,
            WIRE_CAPTURE_MAX_TOTAL_BYTES, WIRE_CAPTURE_MAX_FILES, WIRE_CAPTURE_MAX_BODY_BYTES, WIRE_CAPTURE_QUEUE_SIZE,
            WIRE_CAPTURE_COMPRESS);
    static final String USAGE_TRACKING_ENABLED = "USAGE_TRACKING_ENABLED";
    static final String USAGE_RETENTION_DAYS = "USAGE_RETENTION_DAYS";
    static final String PRICE_TABLE_PATH = "PRICE_TABLE_PATH";

    /**
     * Read by the server today; the event bus reads its own settings (OBSERVABILITY_BUFFER_SIZE,
     * REDIS_*), and REDIS_ADDR, REDIS_DB and REDIS_PASSWORD also link token invalidation and rate
     * limits when REDIS_ADDR is set.
     */
    static final List<String> ACTIVE = Stream.concat(Stream.of(LISTEN_ADDR, API_CONFIG_PATH, DEFAULT_API_PROVIDER,
                    OPENAI_API_URL, MAX_REQUEST_SIZE, IO_THREADS, MANAGEMENT_TOKEN, LOG_LEVEL, LOG_FILE,
                    LOG_MAX_SIZE_MB, LOG_MAX_BACKUPS, LLM_PROXY_EVENT_BUS, FILE_EVENT_LOG, ENABLE_METRICS,
                    "HTTP_CACHE_ENABLED", "HTTP_CACHE_BACKEND", "REDIS_CACHE_URL", "REDIS_CACHE_KEY_PREFIX",
                    "HTTP_CACHE_MAX_OBJECT_BYTES", "HTTP_CACHE_DEFAULT_TTL", "HTTP_CACHE_MEMORY_MAX_BYTES",
                    OBSERVABILITY_MAX_REQUEST_BODY_BYTES, OBSERVABILITY_MAX_RESPONSE_BODY_BYTES,
                    DB_DRIVER, DATABASE_PATH, DATABASE_URL, DATABASE_POOL_SIZE, ENCRYPTION_KEY, REQUIRE_ENCRYPTION_KEY,
                    AUDIT_ENABLED, AUDIT_LOG_FILE, AUDIT_STORE_IN_DB, AUDIT_CREATE_DIR,
                    LLM_PROXY_API_KEY_CACHE_TTL, LLM_PROXY_API_KEY_CACHE_MAX, RATE_LIMIT_FAIL_MODE,
                    ADMIN_UI_ENABLED, ADMIN_SESSION_IDLE_TIMEOUT, ADMIN_SESSION_MAX_LIFETIME,
                    ADMIN_SESSION_SECURE_COOKIE, ADMIN_TRUST_FORWARDED_PROTO,
                    REQUEST_HEAD_TIMEOUT, SHUTDOWN_TIMEOUT, USAGE_TRACKING_ENABLED, USAGE_RETENTION_DAYS, PRICE_TABLE_PATH,
                    ProbeSettings.UPSTREAM_PROBE_ENABLED, ProbeSettings.UPSTREAM_PROBE_INTERVAL,
                    ProbeSettings.UPSTREAM_PROBE_TIMEOUT, ProbeSettings.UPSTREAM_PROBE_PATH,
                    WIRE_CAPTURE_ENABLED), Stream.concat(WIRE_CAPTURE_SETTINGS.stream(),
            EventBusConfig.KEYS.stream())).collect(Collectors.toUnmodifiableList());

    /**
     * A variable the server reads only to say that it no longer applies.
     *
     * @param name the variable
     * @param why  the warning logged when it is set
     */
    record Ignored(String name, String why) {
    }

    static final List<Ignored> IGNORED = List.of(
            new Ignored(OPENAI_API_KEY, "OPENAI_API_KEY is ignored: upstream keys belong to projects. Create one with"
                    + " 'llm-proxy manage project create --name NAME --api-key KEY' and give clients a token from"
                    + " 'llm-proxy manage token generate'"));

    /**
     * A variable named by the spec whose feature has not landed.
     *
     * @param name      the variable
     * @param feature   what will read it, e.g. {@code storage}
     * @param forServer false for variables of other commands (the server does not warn about those)
     */
    record Reserved(String name, String feature, boolean forServer) {
    }


    static final List<Reserved> RESERVED = List.of(
            new Reserved("LLM_PROXY_API_KEY", "llm-proxy dispatcher", false),
            new Reserved("LLM_PROXY_ENDPOINT", "llm-proxy dispatcher", false));

    /** Every variable: active, ignored and reserved. */
    static final List<String> ALL = Stream.of(ACTIVE.stream(), IGNORED.stream().map(Ignored::name),
                    RESERVED.stream().map(Reserved::name)).flatMap(s -> s)
            .collect(Collectors.toUnmodifiableList());

    private EnvVars() {
    }
}
