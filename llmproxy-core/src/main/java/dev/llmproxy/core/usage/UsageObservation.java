package dev.llmproxy.core.usage;

import dev.llmproxy.eventbus.Body;

import java.time.Instant;

/**
 * The raw facts of one finished {@code /v1} exchange, as the proxy hands them over on its event
 * loop: cheap to build (references to copies the proxy already took, no parsing). The
 * {@link UsageWriter} turns it into a {@link UsageRecord} on its own thread — reading usage and
 * tool calls from the captured answer, estimating tokens, pricing — so none of that work happens
 * on an event loop. Immutable once built.
 *
 * @param requestId       the request id the client got
 * @param timestamp       arrival of the request head
 * @param projectId       the project, or null
 * @param tokenId         the token id, or null
 * @param method          HTTP method
 * @param path            raw request path without query
 * @param requestBody     the captured request body (bounded), or null
 * @param status          the status the client got (499 when it left before any answer)
 * @param streamed        whether the answer was (or was asked to be) a stream
 * @param cacheStatus     {@code HIT}, {@code MISS}, {@code BYPASS} or {@code NONE}
 * @param latencyNanos    head arrival to the end of the answer
 * @param ttftNanos       to the first stream byte or, for a plain answer, the response head; -1 when none
 * @param errorCode       see {@link UsageRecord#errorCode()}
 * @param upstream        what the upstream answered, or null when the answer did not come from it
 * @param preread         what the proxy already read from the request and answer (so the writer
 *                        need not read them again), or null
 */
public record UsageObservation(String requestId, Instant timestamp, String projectId, String tokenId,
                               String method, String path, Body requestBody, int status, boolean streamed,
                               String cacheStatus, long latencyNanos, long ttftNanos, String errorCode,
                               Upstream upstream, Preread preread) {

    /** An observation whose bodies the writer reads itself. */
    public UsageObservation(String requestId, Instant timestamp, String projectId, String tokenId,
                            String method, String path, Body requestBody, int status, boolean streamed,
                            String cacheStatus, long latencyNanos, long ttftNanos, String errorCode,
                            Upstream upstream) {
        this(requestId, timestamp, projectId, tokenId, method, path, requestBody, status, streamed, cacheStatus,
                latencyNanos, ttftNanos, errorCode, upstream, null);
    }

    /**
     * The upstream's part of an exchange.
     *
     * @param status          the upstream's status, or 0 when it sent no head
     * @param responseBody    the captured answer (bounded; as sent, maybe compressed), or null
     * @param contentEncoding the answer's {@code Content-Encoding}, or null
     * @param eventStream     whether the answer is {@code text/event-stream}
     * @param model           the model the upstream says answered, or null
     * @param promptTokens    usage the proxy already read from the answer, or null
     * @param completionTokens usage the proxy already read, or null
     * @param totalTokens     usage the proxy already read, or null
     */
    public record Upstream(int status, Body responseBody, String contentEncoding, boolean eventStream, String model,
                           Integer promptTokens, Integer completionTokens, Integer totalTokens) {
    }
}
