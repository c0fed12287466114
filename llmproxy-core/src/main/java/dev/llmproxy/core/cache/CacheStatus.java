package dev.llmproxy.core.cache;

import io.netty.util.AsciiString;

/**
 * What the cache did for one response, as the proxy reports it to the client.
 *
 * <table>
 *   <caption>Header values</caption>
 *   <tr><th>constant</th><th>{@code X-PROXY-CACHE}</th><th>{@code Cache-Status}</th><th>meaning</th></tr>
 *   <tr><td>{@link #HIT}</td><td>{@code hit}</td><td>{@code llm-proxy; hit}</td><td>served from the cache, no upstream call</td></tr>
 *   <tr><td>{@link #CONDITIONAL_HIT}</td><td>{@code conditional-hit}</td><td>{@code llm-proxy; conditional-hit}</td><td>304 Not Modified from the cache ({@code If-None-Match} matched)</td></tr>
 *   <tr><td>{@link #MISS}</td><td>{@code miss}</td><td>{@code llm-proxy; miss}</td><td>looked up, not found; forwarded and not stored</td></tr>
 *   <tr><td>{@link #STORED}</td><td>{@code stored}</td><td>{@code llm-proxy; stored}</td><td>looked up (or refreshed), forwarded, and the answer stored</td></tr>
 *   <tr><td>{@link #BYPASS}</td><td>{@code bypass}</td><td>{@code llm-proxy; bypass}</td><td>not looked up: not cacheable, or the client asked to skip the cache</td></tr>
 * </table>
 *
 * The {@code Cache-Status} form follows RFC 9211's shape ({@code <cache-name>; <detail>}) with the
 * seed's vocabulary; the cache name is {@value #CACHE_NAME}.
 */
public enum CacheStatus {
    HIT("hit"),
    CONDITIONAL_HIT("conditional-hit"),
    MISS("miss"),
    STORED("stored"),
    BYPASS("bypass");

    /** Header carrying {@link #label()}. */
    public static final AsciiString X_PROXY_CACHE = AsciiString.cached("x-proxy-cache");
    /** Header carrying the {@link CacheKey} (never a secret). */
    public static final AsciiString X_PROXY_CACHE_KEY = AsciiString.cached("x-proxy-cache-key");
    /** Header carrying {@link #cacheStatus()}. */
    public static final AsciiString CACHE_STATUS = AsciiString.cached("cache-status");
    /** The cache's name in {@code Cache-Status}. */
    public static final String CACHE_NAME = "llm-proxy";

    private final String label;
    private final String cacheStatus;

    CacheStatus(String label) {
        this.label = label;
        this.cacheStatus = CACHE_NAME + "; " + label;
    }

    /** The {@code X-PROXY-CACHE} value, also usable as a metric label: {@code hit}, {@code miss}, … */
    public String label() {
        return label;
    }

    /** The {@code Cache-Status} value, e.g. {@code llm-proxy; hit}. */
    public String cacheStatus() {
        return cacheStatus;
    }

    /** True when the client was answered from the cache ({@link #HIT} or {@link #CONDITIONAL_HIT}). */
    public boolean servedFromCache() {
        return this == HIT || this == CONDITIONAL_HIT;
    }
}
