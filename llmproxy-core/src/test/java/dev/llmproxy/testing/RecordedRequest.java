package dev.llmproxy.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One request as {@link MockOpenAiUpstream} received it (after the whole body arrived), plus live
 * counters describing what the mock has written back so far.
 *
 * <p>The request part is immutable. The response part ({@link #sseChunksWritten()},
 * {@link #responseStatus()}, {@link #responseCompleted()}) is updated by the mock's event loop
 * while the answer is in flight and is safe to read from any thread. A client can have read the
 * last byte before the mock's event loop has noted that the write finished, so to read final
 * values wait first: {@link #awaitResponseCompleted(Duration)} for a complete answer,
 * {@link MockOpenAiUpstream#awaitConnectionClosed(int, Duration)} for an aborted one.
 */
public final class RecordedRequest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final int sequence;
    private final String method;
    private final String uri;
    private final Map<String, List<String>> headers;
    private final byte[] body;
    private final int connectionId;
    private final long receivedAtNanos;
    private final Behavior behavior;

    // Written by the event loop, read by test threads.
    private final AtomicInteger sseChunksWritten = new AtomicInteger();
    private final AtomicInteger sseEventsWritten = new AtomicInteger();
    private volatile int responseStatus;
    /** true once the whole response was written, false if the connection closed before that. */
    private final CompletableFuture<Boolean> outcome = new CompletableFuture<>();

    RecordedRequest(int sequence, String method, String uri, Map<String, List<String>> headers, byte[] body,
                    int connectionId, long receivedAtNanos, Behavior behavior) {
        this.sequence = sequence;
        this.method = method;
        this.uri = uri;
        TreeMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> copy.put(name, List.copyOf(values)));
        this.headers = Collections.unmodifiableMap(copy);
        this.body = body.clone();
        this.connectionId = connectionId;
        this.receivedAtNanos = receivedAtNanos;
        this.behavior = behavior;
    }

    /** 1-based arrival order since the mock started (not reset by {@link MockOpenAiUpstream#reset()}). */
    public int sequence() {
        return sequence;
    }

    /** The HTTP method, e.g. {@code POST}. */
    public String method() {
        return method;
    }

    /** The request target as sent: path plus query, e.g. {@code /v1/models?limit=2}. */
    public String uri() {
        return uri;
    }

    /** {@link #uri()} without the query string. */
    public String path() {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    /** All headers; the map's keys compare case-insensitively. */
    public Map<String, List<String>> headers() {
        return headers;
    }

    /** The first value of a header (case-insensitive name), or {@code null} if absent. */
    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** Every value of a header (case-insensitive name), empty if absent. */
    public List<String> headerValues(String name) {
        return headers.getOrDefault(name, List.of());
    }

    /** The body decoded as UTF-8. */
    public String body() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** A copy of the raw body bytes. */
    public byte[] bodyBytes() {
        return body.clone();
    }

    /** The body parsed as JSON; fails the calling test if it is not JSON. */
    public JsonNode bodyJson() {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException("request body is not JSON: " + body(), e);
        }
    }

    /** Id of the upstream connection the request arrived on; see {@link MockOpenAiUpstream#connections()}. */
    public int connectionId() {
        return connectionId;
    }

    /** {@link System#nanoTime()} when the complete request (headers and body) had been received. */
    public long receivedAtNanos() {
        return receivedAtNanos;
    }

    /** The behaviour chosen for this request, or {@code null} if its X-Mock-Behavior header did not parse (answered 400). */
    public Behavior behavior() {
        return behavior;
    }

    /**
     * SSE content chunks (the ones counted by {@code chunks=N}) whose write to the socket
     * succeeded. Lower than requested when the client went away mid-stream.
     */
    public int sseChunksWritten() {
        return sseChunksWritten.get();
    }

    /** Every SSE {@code data:} event successfully written: role, content, finish, usage and {@code [DONE]}. */
    public int sseEventsWritten() {
        return sseEventsWritten.get();
    }

    /** Status line the mock sent for this request, 0 while none was sent (stall, reset, garbage, delayed). */
    public int responseStatus() {
        return responseStatus;
    }

    /** True once the entire response was written (for SSE: up to the terminating empty chunk). */
    public boolean responseCompleted() {
        return outcome.getNow(false);
    }

    /**
     * Waits until the mock has written the entire response; afterwards every counter here is final.
     *
     * @throws AssertionError if the connection closed first, or after {@code timeout}
     */
    public void awaitResponseCompleted(Duration timeout) {
        boolean completed;
        try {
            completed = outcome.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("response to " + this + " not completed within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for the response to " + this, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        if (!completed) {
            throw new AssertionError("connection closed before the response to " + this + " was complete ("
                    + sseChunksWritten() + " SSE chunks written)");
        }
    }

    void onSseEventWritten(boolean contentChunk) {
        sseEventsWritten.incrementAndGet();
        if (contentChunk) {
            sseChunksWritten.incrementAndGet();
        }
    }

    void onResponseStarted(int status) {
        this.responseStatus = status;
    }

    void onResponseCompleted() {
        outcome.complete(true);
    }

    void onConnectionClosed() {
        outcome.complete(false);
    }

    @Override
    public String toString() {
        return "RecordedRequest#" + sequence + "{" + method + " " + uri + " conn=" + connectionId
                + " body=" + body.length + "B behavior=" + (behavior == null ? "invalid" : behavior.toHeaderValue()) + "}";
    }
}
