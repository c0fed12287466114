package dev.llmproxy.core.usage;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * One proxied {@code /v1} request as the usage table keeps it (docs/usage.md lists every field).
 * Immutable.
 *
 * @param requestId        the {@code X-Request-ID} the client got (client-sent ids may repeat)
 * @param timestamp        when the request head arrived
 * @param projectId        the token's project, or null (no token service, or an unknown token)
 * @param tokenId          the withering token's id (never the token), or null
 * @param method           HTTP method
 * @param endpoint         the path without query, normalised ({@link UsageRecords#normaliseEndpoint})
 * @param model            the model the client asked for (or, when the request named none, the
 *                         upstream's); null when neither is known
 * @param responseModel    the model the upstream says answered, when it differs from {@code model}
 * @param status           the status the client got; 499 when the client left before an answer
 * @param streamed         whether the answer was a stream
 * @param cacheStatus      {@code HIT}, {@code MISS}, {@code BYPASS} or {@code NONE} (cache not consulted)
 * @param promptTokens     prompt tokens (cached ones included)
 * @param completionTokens completion tokens
 * @param totalTokens      prompt plus completion tokens as reported
 * @param cachedTokens     prompt tokens served from the provider's prompt cache
 * @param tokensEstimated  true when the counts were estimated with jtokkit (the upstream reported none)
 * @param latencyMillis    request head arrival to the end of the answer
 * @param ttftMillis       to the first body byte of a stream, to the response head otherwise; null
 *                         when no answer came
 * @param costNanos        cost in nano-dollars; 0 for cache hits and unknown models
 * @param costKnown        false when the model is not in the price table
 * @param toolCalls        tool calls in the answer (streamed or not)
 * @param errorCode        the proxy's error code when it answered with an error itself, or how an
 *                         upstream exchange ended early ({@code upstream_error}, {@code upstream_timeout},
 *                         {@code client_cancelled}); null otherwise
 */
public record UsageRecord(String requestId, Instant timestamp, String projectId, String tokenId, String method,
                          String endpoint, String model, String responseModel, int status, boolean streamed,
                          String cacheStatus, long promptTokens, long completionTokens, long totalTokens,
                          long cachedTokens, boolean tokensEstimated, long latencyMillis, Long ttftMillis,
                          long costNanos, boolean costKnown, int toolCalls, String errorCode) {

    public static final String CACHE_HIT = "HIT";
    public static final String CACHE_MISS = "MISS";
    public static final String CACHE_BYPASS = "BYPASS";
    public static final String CACHE_NONE = "NONE";

    public UsageRecord {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(cacheStatus, "cacheStatus");
    }

    /** The cost in USD, exactly. */
    public BigDecimal costUsd() {
        return PriceTable.toUsd(costNanos);
    }

    /**
     * Whether this request counts as an error in statistics: a 4xx/5xx answer, or an upstream
     * exchange that broke off mid-answer (a client leaving mid-stream is not an error).
     */
    public boolean isError() {
        return status >= 400 || errorCode != null && !errorCode.equals("client_cancelled");
    }

    /** Whether the answer came from the response cache. */
    public boolean isCacheHit() {
        return CACHE_HIT.equals(cacheStatus);
    }
}
