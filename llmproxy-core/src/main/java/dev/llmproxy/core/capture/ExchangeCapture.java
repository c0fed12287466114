package dev.llmproxy.core.capture;

import dev.llmproxy.core.proxy.Captures;
import dev.llmproxy.eventbus.Body;
import dev.llmproxy.eventbus.BodyCapture;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.AbstractMap;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The wire capture of one proxied exchange while it happens: the proxy calls the {@code on…}
 * methods as the request and response pass, and {@link #complete} once the exchange is over,
 * which hands an immutable {@link CapturedExchange} to the {@link WireCapture} writer queue.
 *
 * <p>Costs on the event loop: a copy of the header lists, and a copy of each body up to
 * {@link WireCaptureConfig#maxBodyBytes()} as it flows (bytes past the cap are only counted).
 * Buffers are read without moving their indexes and never retained, so ownership stays with the
 * proxy. Redaction and JSON encoding happen later, on the writer thread.
 *
 * <p>Not thread-safe: confined to the exchange's event loop. Calls after {@link #complete} are
 * ignored.
 */
public final class ExchangeCapture {

    private final WireCapture owner;
    private final Instant startedAt = Instant.now();
    private final long startNanos = System.nanoTime();
    private final String requestId;
    private final String client;
    private final String method;
    private final String target;
    private final List<Map.Entry<String, String>> requestHeaders;
    private final List<String> secrets = new ArrayList<>(2);

    /** Null until the body was read: a request refused before that has none. */
    private Body requestBody;
    private long requestBodyBytes;
    private String projectId;
    private String tokenId;
    private String upstreamUrl;
    private List<Map.Entry<String, String>> upstreamHeaders;
    private int status;
    private List<Map.Entry<String, String>> responseHeaders;
    private BodyCapture responseBody;
    private long firstByteNanos;
    private String errorCode;
    private String errorMessage;
    private String outcome;
    private boolean done;

    ExchangeCapture(WireCapture owner, String requestId, String client, String method, String target,
                    HttpHeaders requestHeaders) {
        this.owner = owner;
        this.requestId = requestId;
        this.client = client;
        this.method = method;
        this.target = target;
        this.requestHeaders = copy(requestHeaders);
        String bearer = bearerValue(requestHeaders.get("authorization"));
        if (bearer != null) {
            secrets.add(bearer); // the client's withering token, whatever its shape
        }
    }

    /** The complete request body as the client sent it; read, not retained. */
    public void onRequestBody(ByteBuf body) {
        if (done || body == null) {
            return;
        }
        requestBodyBytes = body.readableBytes();
        BodyCapture c = new BodyCapture(owner.config().maxBodyBytes());
        Captures.append(c, body);
        requestBody = c.toBody();
    }

    /**
     * Whose request this is (ids only, also for a refused token whose project is known) and the
     * upstream key that will replace the client's credentials (null if none), redacted wherever
     * it appears.
     */
    public void onIdentified(String projectId, String tokenId, String upstreamKey) {
        this.projectId = projectId;
        this.tokenId = tokenId;
        if (upstreamKey != null) {
            secrets.add(upstreamKey);
        }
    }

    /** The request as it goes upstream (the last attempt wins when a connect is retried). */
    public void onUpstreamRequest(String url, HttpHeaders headers) {
        if (done) {
            return;
        }
        this.upstreamUrl = url;
        this.upstreamHeaders = copy(headers);
        String bearer = bearerValue(headers.get("authorization"));
        if (bearer != null && !secrets.contains(bearer)) {
            secrets.add(bearer);
        }
    }

    /** The response head as it goes to the client (upstream's or the proxy's own). */
    public void onResponseHead(int status, HttpHeaders headers) {
        if (done) {
            return;
        }
        this.status = status;
        this.responseHeaders = copy(headers);
        this.responseBody = new BodyCapture(owner.config().maxBodyBytes());
    }

    /** A piece of the response body as it goes to the client; read, not retained. */
    public void onResponseContent(ByteBuf content) {
        if (done || responseBody == null || !content.isReadable()) {
            return;
        }
        if (firstByteNanos == 0) {
            firstByteNanos = System.nanoTime();
        }
        Captures.append(responseBody, content);
    }

    /** The proxy answered with its own error (OpenAI envelope). */
    public void onProxyError(String code, String message) {
        if (errorCode == null) {
            this.errorCode = code;
            this.errorMessage = message;
        }
    }

    /** Why the exchange ended early ({@code client_cancelled}, {@code upstream_error}, {@code upstream_timeout}). */
    public void onOutcome(String outcome) {
        if (this.outcome == null) {
            this.outcome = outcome;
        }
    }

    /**
     * Hands the exchange to the writer queue (never blocks; a full queue drops and counts).
     *
     * @param statusSent  the status the client got, 0 if none was sent
     * @param cacheStatus the response cache's verdict ({@code hit}, {@code miss}, …) or null
     */
    public void complete(int statusSent, String cacheStatus) {
        if (done) {
            return;
        }
        done = true;
        long end = System.nanoTime();
        Body response = responseBody == null ? null : responseBody.toBody();
        owner.offer(new CapturedExchange(requestId, startedAt, startedAt.plusNanos(end - startNanos),
                (end - startNanos) / 1e6, firstByteNanos == 0 ? -1 : (firstByteNanos - startNanos) / 1e6,
                client, method, target, projectId, tokenId, requestHeaders, requestBody, requestBodyBytes,
                upstreamUrl, upstreamHeaders, statusSent != 0 ? statusSent : status, responseHeaders, response,
                responseBody == null ? 0 : responseBody.totalBytes(), errorCode, errorMessage, outcome, cacheStatus,
                List.copyOf(secrets)));
    }

    /** Copies readable bytes without moving the buffer's indexes (as the proxy's {@code Captures}). */
    /** A snapshot: the proxy keeps changing its header objects after this point. */
    private static List<Map.Entry<String, String>> copy(HttpHeaders headers) {
        List<Map.Entry<String, String>> out = new ArrayList<>(headers.size());
        for (Map.Entry<String, String> e : headers) {
            out.add(new AbstractMap.SimpleImmutableEntry<>(e.getKey(), e.getValue()));
        }
        return out;
    }

    private static String bearerValue(String authorization) {
        if (authorization == null) {
            return null;
        }
        String v = authorization.strip();
        int space = v.indexOf(' ');
        return space > 0 ? v.substring(space + 1).strip() : v;
    }
}
