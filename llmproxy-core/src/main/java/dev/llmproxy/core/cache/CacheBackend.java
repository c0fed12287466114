package dev.llmproxy.core.cache;

import java.util.Locale;

/** Where cached responses live ({@code HTTP_CACHE_BACKEND}). */
public enum CacheBackend {
    /** This process's memory ({@link CaffeineResponseCache}); lost on restart, not shared. */
    IN_MEMORY("in-memory"),
    /** Redis ({@link RedisResponseCache}); shared by every instance. */
    REDIS("redis"),
    /** Memory in front of Redis ({@link TieredResponseCache}). */
    TIERED("tiered");

    private final String configName;

    CacheBackend(String configName) {
        this.configName = configName;
    }

    /** The name used in configuration, e.g. {@code in-memory}. */
    public String configName() {
        return configName;
    }

    /**
     * Reads a configured name, case-insensitively. Unknown names are an error (the original
     * silently fell back to memory on a typo).
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static CacheBackend parse(String name) {
        if (name != null) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            for (CacheBackend b : values()) {
                if (b.configName.equals(n)) {
                    return b;
                }
            }
        }
        throw new IllegalArgumentException("HTTP_CACHE_BACKEND: expected in-memory, redis or tiered, got '" + name + "'");
    }

    @Override
    public String toString() {
        return configName;
    }
}
