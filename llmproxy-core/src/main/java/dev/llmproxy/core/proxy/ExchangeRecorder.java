package dev.llmproxy.core.proxy;

import dev.llmproxy.core.metrics.ProxyMetrics;
import dev.llmproxy.core.openai.ContentEncodings;
import dev.llmproxy.core.openai.OpenAiJson;
import dev.llmproxy.core.usage.Preread;
import dev.llmproxy.core.usage.UsageObservation;
import dev.llmproxy.eventbus.Body;
import dev.llmproxy.eventbus.BodyCapture;
import dev.llmproxy.eventbus.Event;
import dev.llmproxy.eventbus.EventBus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;

/**
 * Builds the one instrumentation {@link Event} of an exchange that reached the upstream, while
 * the response streams past: it copies the request body and the first bytes of the response up to
 * the configured caps, notes the time to the first response byte, and at the end reads the model
 * and token usage (from the JSON body or the SSE events, decompressing a gzip/deflate copy when
 * the upstream compressed it) and publishes. Publishing never blocks; a full bus drops and counts.
 *
 * <p><b>Threads.</b> Everything up to {@link #end} runs on the exchange's event loop and only
 * copies bytes and notes times. {@link #complete} — sniffing the request, parsing the answer,
 * redacting headers, building and publishing the event — runs afterwards on
 * {@link ExchangeCompletions}' thread; by then the exchange is over and nothing it reads (the
 * request and response heads, the copies) changes any more.
 *
 * <p>Also hands the upstream's part of the exchange to usage tracking ({@link #complete} returns
 * it). Only created when an event bus or usage tracking is configured, so a proxy without either
 * pays nothing; without a bus nothing is published. Confined
 * to the exchange's event loop. Cost per exchange: one copy of at most the two caps, and one
 * streaming parse of the captured response at completion.
 */
final class ExchangeRecorder {

    private static final Logger log = LoggerFactory.getLogger(ExchangeRecorder.class);

    /** Largest decompressed copy examined for usage: the cap times a typical JSON ratio. */
    private static final int MAX_INFLATED_BYTES = 4 * 1024 * 1024;

    private final EventBus bus;
    private final Instant startedAt = Instant.now();
    private final long startNanos;
    private final String requestId;
    private final String method;
    private final String path;
    private final HttpHeaders requestHeaders;
    private final byte[] requestBody;
    private final boolean requestBodyTruncated;
    private OpenAiJson.RequestInfo requestInfo;
    /** Set by {@link #complete} when usage tracking takes the exchange. */
    private Preread preread;
    private final BodyCapture responseCapture;

    private HttpResponse response;
    private String projectId;
    private String tokenId;
    private long firstByteNanos;
    private long headNanos;
    private Body requestBodyView;
    private String upstream;
    /** Set by {@link #end}: how and when the exchange ended. */
    private long endNanos;
    private String outcome;
    private int statusWithoutResponse;

    ExchangeRecorder(EventBus bus, int maxRequestBodyBytes, int maxResponseBodyBytes, long startNanos,
                     String requestId, String method, String path, HttpHeaders requestHeaders, ByteBuf body) {
        this.bus = bus;
        this.startNanos = startNanos;
        this.requestId = requestId;
        this.method = method;
        this.path = path;
        this.requestHeaders = requestHeaders;
        int length = body == null ? 0 : body.readableBytes();
        int kept = Math.min(length, maxRequestBodyBytes);
        this.requestBody = kept == 0 ? new byte[0] : ByteBufUtil.getBytes(body, body.readerIndex(), kept, false);
        this.requestBodyTruncated = kept < length;
        this.responseCapture = new BodyCapture(maxResponseBodyBytes);
    }

    void onAuthorized(String projectId, String tokenId) {
        this.projectId = projectId;
        this.tokenId = tokenId;
    }

    void onUpstream(UpstreamTarget target) {
        this.upstream = target.key;
    }

    void onResponseHead(HttpResponse head) {
        this.response = head;
        this.headNanos = System.nanoTime();
        // A known length: capture into one buffer of that size, handed to the event without a copy.
        if (!"HEAD".equals(method)) {
            responseCapture.expect(HttpUtil.getContentLength(head, -1L));
        }
    }

    void onResponseContent(ByteBuf content) {
        int readable = content.readableBytes();
        if (readable == 0) {
            return;
        }
        if (firstByteNanos == 0) {
            firstByteNanos = System.nanoTime();
        }
        Captures.append(responseCapture, content); // past the cap BodyCapture only counts
    }

    /**
     * Notes the end of the exchange, on its event loop; {@link #complete} does the rest later.
     *
     * @param outcome               null for a response that completed normally, else why it
     *                              ended early ({@code client_cancelled}, {@code upstream_error},
     *                              {@code upstream_timeout})
     * @param statusWithoutResponse the status the client got when the upstream sent no head
     */
    void end(String outcome, int statusWithoutResponse) {
        this.endNanos = System.nanoTime();
        this.outcome = outcome;
        this.statusWithoutResponse = statusWithoutResponse;
    }

    private OpenAiJson.RequestInfo requestInfo() {
        if (requestInfo == null) {
            requestInfo = preread != null ? new OpenAiJson.RequestInfo(preread.requestedModel(), preread.requestedStream())
                    : OpenAiJson.sniffRequest(requestBody, 0, requestBody.length);
        }
        return requestInfo;
    }

    /**
     * After {@link #end}, off the event loop: publishes the event (when there is a bus) and
     * returns the upstream's part for usage tracking (null when it could not be read).
     *
     * @param readForUsage whether usage tracking will take this exchange: then the request and a
     *                     JSON answer are read once, the way usage tracking reads them, and the
     *                     result is kept for it ({@link #preread()}) as well as used for the event
     */
    UsageObservation.Upstream complete(ProxyMetrics metrics, boolean readForUsage) {
        try {
            Body responseBody = responseCapture.toBody();
            HttpHeaders responseHeaders = response == null ? null : response.headers();
            boolean streamed = responseHeaders != null && Captures.isEventStream(responseHeaders);
            String encoding = responseHeaders == null ? null : responseHeaders.get(HttpHeaderNames.CONTENT_ENCODING);
            OpenAiJson.ResponseInfo info;
            if (responseHeaders == null || responseBody.truncated()) {
                info = OpenAiJson.ResponseInfo.NONE;
            } else if (encoding != null && !encoding.equalsIgnoreCase("identity")) {
                byte[] inflated = inflate(responseBody.toByteArray(), encoding);
                info = inflated == null ? OpenAiJson.ResponseInfo.NONE
                        : readAnswer(inflated, inflated.length, streamed, readForUsage);
            } else {
                // Read in place: the capture is not copied again for parsing.
                info = responseBody.read((bytes, offset, length) -> readAnswer(bytes, length, streamed, readForUsage));
            }
            if (readForUsage && preread == null) {
                preread = Preread.read(requestBody, null);
            }
            OpenAiJson.RequestInfo requestInfo = requestInfo();
            String model = info.model() != null ? info.model() : requestInfo.model();
            OpenAiJson.Usage usage = info.usage();
            if (usage.promptTokens() != null || usage.completionTokens() != null) {
                metrics.tokens(projectId, model, usage.promptTokens() == null ? 0 : usage.promptTokens(),
                        usage.completionTokens() == null ? 0 : usage.completionTokens());
            }
            if (bus != null) {
                bus.publish(buildEvent(responseBody, responseHeaders, streamed, info, model));
            }
            return new UsageObservation.Upstream(response == null ? 0 : response.status().code(), responseBody,
                    encoding, streamed,
                    info.model(), usage.promptTokens(), usage.completionTokens(), usage.totalTokens());
        } catch (RuntimeException e) {
            // Telemetry must never break a request.
            log.warn("could not record event for request {}: {}", requestId, e.toString());
            return null;
        }
    }

    /** Model and usage of the answer in {@code answer[0, length)}; with usage tracking, the {@link #preread} too. */
    private OpenAiJson.ResponseInfo readAnswer(byte[] answer, int length, boolean streamed, boolean readForUsage) {
        if (streamed) {
            return OpenAiJson.readSseResponse(answer, 0, length);
        }
        if (!readForUsage) {
            return OpenAiJson.readJsonResponse(answer, 0, length);
        }
        preread = Preread.read(requestBody, answer, length);
        return preread.answerRead() ? responseInfo(preread) : OpenAiJson.readJsonResponse(answer, 0, length);
    }

    /** What {@link #complete} read for usage tracking, or null (then the usage writer reads the bodies itself). */
    Preread preread() {
        return preread;
    }

    /**
     * The event's model and usage from the usage read of a JSON answer: the same numbers the
     * usage record gets ({@code prompt_tokens}, else {@code input_tokens}; a total that was not
     * reported is the sum), a count beyond {@code int} range unknown.
     */
    private static OpenAiJson.ResponseInfo responseInfo(Preread p) {
        if (!p.answerHasUsage()) {
            return new OpenAiJson.ResponseInfo(p.answerModel(), OpenAiJson.Usage.NONE);
        }
        Integer prompt = asInt(p.answerPromptTokens());
        Integer completion = asInt(p.answerCompletionTokens());
        Integer total = p.answerTotalTokens() != null ? asInt(p.answerTotalTokens())
                : prompt != null && completion != null ? Integer.valueOf(prompt + completion) : null;
        return new OpenAiJson.ResponseInfo(p.answerModel(), new OpenAiJson.Usage(prompt, completion, total));
    }

    private static Integer asInt(Long v) {
        return v == null || v != v.intValue() ? null : v.intValue();
    }

    /**
     * Nanoseconds from the request head to the first streamed body byte, or to the response head
     * for an answer that is not a stream; -1 when no answer came.
     */
    long ttftNanos(boolean stream) {
        long at = stream && firstByteNanos != 0 ? firstByteNanos : headNanos;
        return at == 0 ? -1 : at - startNanos;
    }

    /** Whether the request asked for a stream ({@code "stream": true}); after {@link #end}. */
    boolean requestedStream() {
        return requestInfo().stream();
    }

    /** The request body copy (bounded by the event limit); one immutable copy shared by event and usage. */
    Body requestBody() {
        if (requestBodyView == null) {
            requestBodyView = Body.of(requestBody, requestBodyTruncated);
        }
        return requestBodyView;
    }

    private Event buildEvent(Body responseBody, HttpHeaders responseHeaders, boolean streamed,
                             OpenAiJson.ResponseInfo info, String model) {
        long now = endNanos;
        Event.Builder b = Event.builder()
                .requestId(requestId)
                .timestamp(startedAt)
                .method(method)
                .path(path)
                .status(response == null ? statusWithoutResponse : response.status().code())
                .durationMillis((now - startNanos) / 1_000_000)
                .ttftMillis(firstByteNanos == 0 ? null : (firstByteNanos - startNanos) / 1_000_000)
                .model(model)
                .projectId(projectId)
                .tokenId(tokenId)
                .streamed(streamed || requestInfo().stream())
                // Nothing changes the exchange's headers any more: redacted when a reader first asks.
                .deferredRequestHeaders(requestHeaders)
                .requestBody(requestBody())
                .responseBody(responseBody)
                .usage(info.usage().promptTokens(), info.usage().completionTokens(), info.usage().totalTokens());
        if (responseHeaders != null) {
            b.deferredResponseHeaders(responseHeaders);
        }
        if (outcome != null) {
            b.attribute("outcome", outcome);
        }
        if (upstream != null) {
            b.attribute("upstream", upstream);
        }
        return b.build();
    }

    /** A decompressed copy for usage extraction, or null for an unknown, broken or oversized body. */
    private static byte[] inflate(byte[] compressed, String encoding) {
        ContentEncodings.Decoded d = ContentEncodings.decodeReporting(encoding, compressed, MAX_INFLATED_BYTES);
        return d == null || d.cut() ? null : d.bytes();
    }
}
