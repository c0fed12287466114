package dev.llmproxy.server;

import dev.llmproxy.core.auth.TokenService;
import dev.llmproxy.core.project.ApiKeyCipher;
import dev.llmproxy.core.store.DatabaseConfig;

import java.util.Objects;

/**
 * Storage, encryption, audit, token cache and Redis settings of {@code llm-proxy server}, as read
 * by {@link ServerConfigReader}. {@link #toString()} never shows secrets.
 *
 * @param database database to open ({@code DB_DRIVER}, {@code DATABASE_*})
 * @param cipher   encryption of upstream keys at rest ({@code ENCRYPTION_KEY}); {@code none()} when unset
 * @param audit    audit log sinks ({@code AUDIT_*})
 * @param tokens   token cache tuning ({@code LLM_PROXY_API_KEY_CACHE_TTL}/{@code _MAX})
 * @param redis    shared Redis for invalidation and rate limits; null when {@code REDIS_ADDR} is unset
 * @param usage    usage tracking ({@code USAGE_*}, {@code PRICE_TABLE_PATH})
 */
record StorageSettings(DatabaseConfig database, ApiKeyCipher cipher, AuditSettings audit,
                       TokenService.Settings tokens, RedisLink redis, UsageSettings usage) {

    /** With usage tracking at its defaults. */
    StorageSettings(DatabaseConfig database, ApiKeyCipher cipher, AuditSettings audit, TokenService.Settings tokens,
                    RedisLink redis) {
        this(database, cipher, audit, tokens, redis, UsageSettings.DEFAULTS);
    }

    StorageSettings {
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(cipher, "cipher");
        Objects.requireNonNull(audit, "audit");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(usage, "usage");
    }
}
