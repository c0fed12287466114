package dev.llmproxy.server;

import dev.llmproxy.core.usage.PriceTable;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Usage tracking of {@code llm-proxy server} ({@code USAGE_*}, {@code PRICE_TABLE_PATH}); see
 * {@code docs/usage.md}.
 *
 * @param enabled    {@code USAGE_TRACKING_ENABLED}: record one usage row per {@code /v1} request
 * @param retention  {@code USAGE_RETENTION_DAYS}: rows older than this are deleted hourly; null keeps all ({@code 0})
 * @param prices     the built-in price table, overridden by {@code PRICE_TABLE_PATH} when set
 * @param priceFile  {@code PRICE_TABLE_PATH}, or null
 */
record UsageSettings(boolean enabled, Duration retention, PriceTable prices, Path priceFile) {

    static final int DEFAULT_RETENTION_DAYS = 90;

    /** On, 90 days, built-in prices. */
    static final UsageSettings DEFAULTS = new UsageSettings(true, Duration.ofDays(DEFAULT_RETENTION_DAYS),
            PriceTable.builtIn(), null);
}
