package dev.llmproxy.eventbus;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;

/**
 * One proxied request that reached the upstream API: what was asked, what came back, how long it
 * took and who asked. The proxy publishes exactly one per upstream call (none for cache hits) to
 * the {@link EventBus}; dispatchers turn them into their backend's format.
 *
 * <table>
 *   <caption>Fields</caption>
 *   <tr><th>Field</th><th>Required</th><th>Meaning</th></tr>
 *   <tr><td>{@code requestId}</td><td>yes</td><td>the proxy's request id ({@code X-Request-ID})</td></tr>
 *   <tr><td>{@code timestamp}</td><td>yes (builder: now)</td><td>when the request arrived</td></tr>
 *   <tr><td>{@code method}, {@code path}</td><td>yes</td><td>HTTP method and path without query</td></tr>
 *   <tr><td>{@code status}</td><td>yes</td><td>final status sent to the client</td></tr>
 *   <tr><td>{@code durationMillis}</td><td>yes</td><td>from arrival until the response completed</td></tr>
 *   <tr><td>{@code ttftMillis}</td><td>no</td><td>time to first token (first body byte) of a stream</td></tr>
 *   <tr><td>{@code projectId}, {@code tokenId}</td><td>no</td><td>ids only; never the token secret or the project's API key</td></tr>
 *   <tr><td>{@code model}</td><td>no</td><td>model named in the request (or response)</td></tr>
 *   <tr><td>{@code streamed}</td><td>no (false)</td><td>whether the response was streamed (SSE/chunked)</td></tr>
 *   <tr><td>{@code requestHeaders}, {@code responseHeaders}</td><td>no (empty)</td><td>redacted by
 *       {@link Redaction#headers}; the builder always applies it, so an event cannot carry a secret header</td></tr>
 *   <tr><td>{@code requestBody}, {@code responseBody}</td><td>no (empty)</td><td>{@link Body}, capped
 *       (defaults {@value #DEFAULT_MAX_REQUEST_BODY_BYTES} / {@value #DEFAULT_MAX_RESPONSE_BODY_BYTES}
 *       bytes) with a truncation flag</td></tr>
 *   <tr><td>{@code promptTokens}, {@code completionTokens}, {@code totalTokens}</td><td>no</td><td>usage, when known</td></tr>
 *   <tr><td>{@code attributes}</td><td>no (empty)</td><td>free string pairs for extensions</td></tr>
 * </table>
 *
 * <p><b>Building one cheaply.</b> The builder is a plain mutable holder; {@link Builder#build()}
 * validates the required fields and wraps what it was given. Headers are redacted into one sorted
 * map per side (one pass; with {@link Builder#deferredRequestHeaders} at their first read), bodies
 * are shared, not copied (use {@link BodyCapture} or
 * {@link Body#capped} to produce them). JSON encoding is not done here: the in-memory bus never
 * encodes, the Redis bus encodes on its background publisher thread.
 *
 * <p>Immutable and thread-safe. {@link #equals} compares every field, bodies by content.
 */
public final class Event {
    /** Default cap on a captured request body (SPEC S2 {@code OBSERVABILITY_MAX_REQUEST_BODY_BYTES}). */
    public static final int DEFAULT_MAX_REQUEST_BODY_BYTES = 65_536;
    /** Default cap on a captured response body (SPEC S2 {@code OBSERVABILITY_MAX_RESPONSE_BODY_BYTES}). */
    public static final int DEFAULT_MAX_RESPONSE_BODY_BYTES = 262_144;

    private final String requestId;
    private final Instant timestamp;
    private final String method;
    private final String path;
    private final int status;
    private final long durationMillis;
    private final Long ttftMillis;
    private final String projectId;
    private final String tokenId;
    private final String model;
    private final boolean streamed;
    private final RedactedHeaders requestHeaders;
    private final RedactedHeaders responseHeaders;
    private final Body requestBody;
    private final Body responseBody;
    private final Integer promptTokens;
    private final Integer completionTokens;
    private final Integer totalTokens;
    private final Map<String, String> attributes;

    private Event(Builder b) {
        this.requestId = b.requestId;
        this.timestamp = b.timestamp != null ? b.timestamp : Instant.now();
        this.method = b.method;
        this.path = b.path;
        this.status = b.status;
        this.durationMillis = b.durationMillis;
        this.ttftMillis = b.ttftMillis;
        this.projectId = b.projectId;
        this.tokenId = b.tokenId;
        this.model = b.model;
        this.streamed = b.streamed;
        this.requestHeaders = b.requestHeaders;
        this.responseHeaders = b.responseHeaders;
        this.requestBody = b.requestBody;
        this.responseBody = b.responseBody;
        this.promptTokens = b.promptTokens;
        this.completionTokens = b.completionTokens;
        this.totalTokens = b.totalTokens;
        this.attributes = b.attributes == null || b.attributes.isEmpty()
                ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(b.attributes));
    }

    /** A new, empty builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder pre-filled with this event's fields, to derive a modified copy. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.requestId = requestId;
        b.timestamp = timestamp;
        b.method = method;
        b.path = path;
        b.status = status;
        b.durationMillis = durationMillis;
        b.ttftMillis = ttftMillis;
        b.projectId = projectId;
        b.tokenId = tokenId;
        b.model = model;
        b.streamed = streamed;
        b.requestHeaders = requestHeaders;
        b.responseHeaders = responseHeaders;
        b.requestBody = requestBody;
        b.responseBody = responseBody;
        b.promptTokens = promptTokens;
        b.completionTokens = completionTokens;
        b.totalTokens = totalTokens;
        b.attributes = attributes.isEmpty() ? null : new LinkedHashMap<>(attributes);
        return b;
    }

    public String requestId() {
        return requestId;
    }

    public Instant timestamp() {
        return timestamp;
    }

    public String method() {
        return method;
    }

    public String path() {
        return path;
    }

    public int status() {
        return status;
    }

    public long durationMillis() {
        return durationMillis;
    }

    /** Time to first token in milliseconds, or null when not measured (non-streamed requests). */
    public Long ttftMillis() {
        return ttftMillis;
    }

    /** The project id, or null. */
    public String projectId() {
        return projectId;
    }

    /** The withering token's id (never its secret value), or null. */
    public String tokenId() {
        return tokenId;
    }

    /** The model, or null when unknown. */
    public String model() {
        return model;
    }

    public boolean streamed() {
        return streamed;
    }

    /** Redacted request headers; case-insensitive lookup, never null. */
    public SortedMap<String, String> requestHeaders() {
        return requestHeaders.get();
    }

    /** Redacted response headers; case-insensitive lookup, never null. */
    public SortedMap<String, String> responseHeaders() {
        return responseHeaders.get();
    }

    /** The captured request body, never null ({@link Body#EMPTY} when none). */
    public Body requestBody() {
        return requestBody;
    }

    /** The captured response body, never null ({@link Body#EMPTY} when none). */
    public Body responseBody() {
        return responseBody;
    }

    /** Whether the request body was longer than its cap. */
    public boolean requestBodyTruncated() {
        return requestBody.truncated();
    }

    /** Whether the response body was longer than its cap. */
    public boolean responseBodyTruncated() {
        return responseBody.truncated();
    }

    /** Prompt tokens, or null when unknown. */
    public Integer promptTokens() {
        return promptTokens;
    }

    /** Completion tokens, or null when unknown. */
    public Integer completionTokens() {
        return completionTokens;
    }

    /** Total tokens, or null when unknown. */
    public Integer totalTokens() {
        return totalTokens;
    }

    /** Extension attributes in insertion order; never null. */
    public Map<String, String> attributes() {
        return attributes;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Event)) {
            return false;
        }
        Event e = (Event) o;
        return status == e.status && durationMillis == e.durationMillis && streamed == e.streamed
                && requestId.equals(e.requestId) && timestamp.equals(e.timestamp)
                && method.equals(e.method) && path.equals(e.path)
                && Objects.equals(ttftMillis, e.ttftMillis) && Objects.equals(projectId, e.projectId)
                && Objects.equals(tokenId, e.tokenId) && Objects.equals(model, e.model)
                && requestHeaders().equals(e.requestHeaders()) && responseHeaders().equals(e.responseHeaders())
                && requestBody.equals(e.requestBody) && responseBody.equals(e.responseBody)
                && Objects.equals(promptTokens, e.promptTokens)
                && Objects.equals(completionTokens, e.completionTokens)
                && Objects.equals(totalTokens, e.totalTokens) && attributes.equals(e.attributes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(requestId, timestamp, method, path, status, durationMillis, ttftMillis,
                projectId, tokenId, model, streamed, requestHeaders(), responseHeaders(), requestBody,
                responseBody, promptTokens, completionTokens, totalTokens, attributes);
    }

    /** A one-line summary without headers or bodies, safe and short enough for logs. */
    @Override
    public String toString() {
        return "Event[" + requestId + ' ' + method + ' ' + path + " -> " + status + " in "
                + durationMillis + "ms" + (streamed ? ", streamed" : "")
                + (model != null ? ", model=" + model : "")
                + (projectId != null ? ", project=" + projectId : "")
                + ", request body " + requestBody.size() + "B, response body " + responseBody.size() + "B]";
    }

    /**
     * Mutable builder for {@link Event}. Not thread-safe; may be reused after {@link #build()}
     * (the built event does not share mutable state with it).
     */
    public static final class Builder {
        private String requestId;
        private Instant timestamp;
        private String method;
        private String path;
        private int status;
        private long durationMillis;
        private Long ttftMillis;
        private String projectId;
        private String tokenId;
        private String model;
        private boolean streamed;
        private RedactedHeaders requestHeaders = RedactedHeaders.NONE;
        private RedactedHeaders responseHeaders = RedactedHeaders.NONE;
        private Body requestBody = Body.EMPTY;
        private Body responseBody = Body.EMPTY;
        private Integer promptTokens;
        private Integer completionTokens;
        private Integer totalTokens;
        private Map<String, String> attributes;

        private Builder() {
        }

        /** Required. */
        public Builder requestId(String requestId) {
            this.requestId = requestId;
            return this;
        }

        /** When the request arrived; defaults to the time of {@link #build()}. */
        public Builder timestamp(Instant timestamp) {
            this.timestamp = timestamp;
            return this;
        }

        /** Required, for example {@code POST}. */
        public Builder method(String method) {
            this.method = method;
            return this;
        }

        /** Required; the path without the query string. */
        public Builder path(String path) {
            this.path = path;
            return this;
        }

        /** Final HTTP status sent to the client. */
        public Builder status(int status) {
            this.status = status;
            return this;
        }

        public Builder durationMillis(long durationMillis) {
            this.durationMillis = durationMillis;
            return this;
        }

        /** Time to first token; null when not measured. */
        public Builder ttftMillis(Long ttftMillis) {
            this.ttftMillis = ttftMillis;
            return this;
        }

        public Builder projectId(String projectId) {
            this.projectId = projectId;
            return this;
        }

        /** The token's id, never the token itself. */
        public Builder tokenId(String tokenId) {
            this.tokenId = tokenId;
            return this;
        }

        public Builder model(String model) {
            this.model = model;
            return this;
        }

        public Builder streamed(boolean streamed) {
            this.streamed = streamed;
            return this;
        }

        /** Request headers; redacted here by {@link Redaction#headers(Map)}. */
        public Builder requestHeaders(Map<String, String> headers) {
            this.requestHeaders = new RedactedHeaders(Redaction.headers(headers));
            return this;
        }

        /**
         * Request headers as entries (accepts Netty {@code HttpHeaders}); redacted here by
         * {@link Redaction#headers(Iterable)}.
         */
        public Builder requestHeaders(Iterable<? extends Map.Entry<String, String>> headers) {
            this.requestHeaders = new RedactedHeaders(Redaction.headers(headers));
            return this;
        }

        /**
         * Request headers as entries that will never change again (the proxy's copy of a finished
         * exchange): redacted by {@link Redaction#headers(Iterable)} when the event's headers are
         * first read — by an encoder, a dispatcher or a subscriber — instead of here, so an event
         * that nobody reads (an in-memory bus without subscribers) never pays for it. The event
         * keeps {@code headers} until then; the caller must not change them.
         */
        public Builder deferredRequestHeaders(Iterable<? extends Map.Entry<String, String>> headers) {
            this.requestHeaders = headers == null ? RedactedHeaders.NONE : new RedactedHeaders(headers);
            return this;
        }

        /** Response headers as entries that will never change again; see {@link #deferredRequestHeaders}. */
        public Builder deferredResponseHeaders(Iterable<? extends Map.Entry<String, String>> headers) {
            this.responseHeaders = headers == null ? RedactedHeaders.NONE : new RedactedHeaders(headers);
            return this;
        }

        /** Response headers; redacted here by {@link Redaction#headers(Map)}. */
        public Builder responseHeaders(Map<String, String> headers) {
            this.responseHeaders = new RedactedHeaders(Redaction.headers(headers));
            return this;
        }

        /** Response headers as entries (accepts Netty {@code HttpHeaders}); redacted here. */
        public Builder responseHeaders(Iterable<? extends Map.Entry<String, String>> headers) {
            this.responseHeaders = new RedactedHeaders(Redaction.headers(headers));
            return this;
        }

        /** The captured request body; null means none. */
        public Builder requestBody(Body body) {
            this.requestBody = body == null ? Body.EMPTY : body;
            return this;
        }

        /** Captures {@code bytes} capped at {@code maxBytes} (see {@link Body#capped(byte[], int)}). */
        public Builder requestBody(byte[] bytes, int maxBytes) {
            this.requestBody = Body.capped(bytes, maxBytes);
            return this;
        }

        /** The captured response body; null means none. */
        public Builder responseBody(Body body) {
            this.responseBody = body == null ? Body.EMPTY : body;
            return this;
        }

        /** Captures {@code bytes} capped at {@code maxBytes} (see {@link Body#capped(byte[], int)}). */
        public Builder responseBody(byte[] bytes, int maxBytes) {
            this.responseBody = Body.capped(bytes, maxBytes);
            return this;
        }

        /** Token usage; each may be null when unknown. */
        public Builder usage(Integer promptTokens, Integer completionTokens, Integer totalTokens) {
            this.promptTokens = promptTokens;
            this.completionTokens = completionTokens;
            this.totalTokens = totalTokens;
            return this;
        }

        /** Adds (or replaces) one extension attribute. */
        public Builder attribute(String name, String value) {
            if (attributes == null) {
                attributes = new LinkedHashMap<>();
            }
            attributes.put(Objects.requireNonNull(name, "attribute name"),
                    Objects.requireNonNull(value, "attribute value"));
            return this;
        }

        /** Replaces all extension attributes; null means none. */
        public Builder attributes(Map<String, String> attributes) {
            this.attributes = null;
            if (attributes != null) {
                attributes.forEach(this::attribute);
            }
            return this;
        }

        /**
         * Builds the event.
         *
         * @throws IllegalArgumentException if a required field is missing or a number is negative
         *                                  (the message names the field)
         */
        public Event build() {
            require(requestId, "requestId");
            require(method, "method");
            require(path, "path");
            if (status < 0 || status > 999) {
                throw new IllegalArgumentException("status must be between 0 and 999, got " + status);
            }
            nonNegative("durationMillis", durationMillis);
            if (ttftMillis != null) {
                nonNegative("ttftMillis", ttftMillis);
            }
            if (promptTokens != null) {
                nonNegative("promptTokens", promptTokens);
            }
            if (completionTokens != null) {
                nonNegative("completionTokens", completionTokens);
            }
            if (totalTokens != null) {
                nonNegative("totalTokens", totalTokens);
            }
            return new Event(this);
        }

        private static void require(String value, String field) {
            if (value == null || value.isEmpty()) {
                throw new IllegalArgumentException(field + " is required");
            }
        }

        private static void nonNegative(String field, long value) {
            if (value < 0) {
                throw new IllegalArgumentException(field + " must be >= 0, got " + value);
            }
        }
    }
}
