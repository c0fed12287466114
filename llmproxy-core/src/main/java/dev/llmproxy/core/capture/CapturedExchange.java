package dev.llmproxy.core.capture;

import dev.llmproxy.eventbus.Body;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One finished exchange as captured on the event loop, not yet redacted: what travels through the
 * writer queue. {@code secrets} are the exchange's own secret values (client bearer, upstream key)
 * for the redactor; they never reach a file.
 */
record CapturedExchange(
        String requestId,
        Instant startedAt,
        Instant endedAt,
        double durationMillis,
        double ttfbMillis,
        String client,
        String method,
        String target,
        String projectId,
        String tokenId,
        List<Map.Entry<String, String>> requestHeaders,
        Body requestBody,
        long requestBodyBytes,
        String upstreamUrl,
        List<Map.Entry<String, String>> upstreamHeaders,
        int status,
        List<Map.Entry<String, String>> responseHeaders,
        Body responseBody,
        long responseBodyBytes,
        String errorCode,
        String errorMessage,
        String outcome,
        String cacheStatus,
        List<String> secrets) {

    /** Rough heap held while queued, for nothing but diagnostics. */
    long approximateBytes() {
        return (requestBody == null ? 0 : requestBody.size()) + (responseBody == null ? 0 : responseBody.size()) + 2048;
    }
}
