package dev.llmproxy.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How {@link MockOpenAiUpstream} answers one request: an immutable value built with the static
 * factories ({@link #sse(int, Duration)}, {@link #status(int)}, {@link #reset()}, ...) or parsed
 * from the {@value MockOpenAiUpstream#BEHAVIOR_HEADER} header syntax with {@link #parse(String)}.
 *
 * <p>Every behaviour can additionally wait before it starts answering ({@link #headersDelay()},
 * {@link #withHeadersDelay(Duration)}). The "chunk" counts always mean <em>content</em> chunks:
 * the SSE role chunk that opens a stream and the closing finish/usage/{@code [DONE]} events are
 * not counted.
 *
 * <p>The header syntax is documented on {@link MockOpenAiUpstream}; {@link #toHeaderValue()}
 * produces it, so {@code Behavior.parse(b.toHeaderValue()).equals(b)} holds for every behaviour.
 *
 * @param kind            what the mock does
 * @param status          the HTTP status for {@link Kind#STATUS}, otherwise 200
 * @param chunks          content chunks to stream for {@link Kind#SSE}; the chunk after which the
 *                        mock goes silent / resets for {@link Kind#STALL_AFTER_CHUNKS} and
 *                        {@link Kind#RESET_AFTER_CHUNKS}; 0 for the other kinds
 * @param chunkDelay      pause between two content chunks (streaming kinds), otherwise zero
 * @param sendDone        whether a complete SSE stream ends with {@code data: [DONE]}
 * @param headersDelay    pause between receiving the request and starting the answer
 */
public record Behavior(Kind kind, int status, int chunks, Duration chunkDelay, boolean sendDone,
                       Duration headersDelay) {

    /** Content chunks streamed by {@link #normal()} when the request asks for {@code "stream": true}. */
    public static final int DEFAULT_CHUNKS = 8;

    /** What the mock does with a request; see the factory of the same name for details. */
    public enum Kind {
        /** JSON, or SSE when the request body says {@code "stream": true}. */
        NORMAL,
        /** Always a JSON body, even for {@code "stream": true} (an upstream ignoring the flag). */
        JSON,
        /** An OpenAI error envelope with the given status. */
        STATUS,
        /** Always an SSE stream. */
        SSE,
        /** Never answers; keeps the connection open. */
        STALL,
        /** SSE headers and some chunks, then silence with the connection open. */
        STALL_AFTER_CHUNKS,
        /** TCP RST before anything is sent. */
        RESET,
        /** SSE headers and some chunks, then TCP RST. */
        RESET_AFTER_CHUNKS,
        /** Bytes that are not HTTP, then close. */
        GARBAGE,
        /** Headers announcing a longer Content-Length than the body sent, then close. */
        CLOSE_EARLY
    }

    public Behavior {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(chunkDelay, "chunkDelay");
        Objects.requireNonNull(headersDelay, "headersDelay");
        if (chunkDelay.isNegative() || headersDelay.isNegative()) {
            throw new IllegalArgumentException("delays must not be negative");
        }
        if (chunks < 0) {
            throw new IllegalArgumentException("chunks must not be negative: " + chunks);
        }
        if (kind == Kind.STATUS ? status < 400 || status > 599 : status != 200) {
            throw new IllegalArgumentException(kind == Kind.STATUS
                    ? "status must be a 4xx or 5xx code: " + status
                    : "only STATUS behaviours carry a status other than 200");
        }
    }

    // ------------------------------------------------------------------ factories

    /** The default: a realistic JSON answer, or an SSE stream of {@value #DEFAULT_CHUNKS} chunks if asked for. */
    public static Behavior normal() {
        return new Behavior(Kind.NORMAL, 200, 0, Duration.ZERO, true, Duration.ZERO);
    }

    /** A JSON answer even when the request asked for a stream. */
    public static Behavior json() {
        return json(Duration.ZERO);
    }

    /** A JSON answer sent only after {@code delayBeforeHeaders}. */
    public static Behavior json(Duration delayBeforeHeaders) {
        return new Behavior(Kind.JSON, 200, 0, Duration.ZERO, true, delayBeforeHeaders);
    }

    /**
     * An OpenAI error envelope ({@code {"error":{"message","type","param","code"}}}) with this
     * 4xx/5xx status; 429 also carries {@code Retry-After: 1}.
     */
    public static Behavior status(int code) {
        return new Behavior(Kind.STATUS, code, 0, Duration.ZERO, true, Duration.ZERO);
    }

    /**
     * A 200 SSE stream: role chunk, {@code chunks} content chunks with {@code delayBetweenChunks}
     * between consecutive ones (each flushed on its own), finish chunk, optional usage chunk,
     * {@code data: [DONE]}.
     */
    public static Behavior sse(int chunks, Duration delayBetweenChunks) {
        return new Behavior(Kind.SSE, 200, chunks, delayBetweenChunks, true, Duration.ZERO);
    }

    /** Like {@link #sse(int, Duration)} but the stream ends (cleanly, at HTTP level) without {@code [DONE]}. */
    public static Behavior sseWithoutDone(int chunks, Duration delayBetweenChunks) {
        return new Behavior(Kind.SSE, 200, chunks, delayBetweenChunks, false, Duration.ZERO);
    }

    /** Reads the request and never answers; the connection stays open until the client closes it. */
    public static Behavior stall() {
        return new Behavior(Kind.STALL, 200, 0, Duration.ZERO, true, Duration.ZERO);
    }

    /** SSE headers, the role chunk and {@code n} content chunks, then silence; the connection stays open. */
    public static Behavior stallAfterChunks(int n) {
        return stallAfterChunks(n, Duration.ZERO);
    }

    /** As {@link #stallAfterChunks(int)} with a pause between the content chunks. */
    public static Behavior stallAfterChunks(int n, Duration delayBetweenChunks) {
        return new Behavior(Kind.STALL_AFTER_CHUNKS, 200, n, delayBetweenChunks, true, Duration.ZERO);
    }

    /** Closes the connection with a TCP RST (SO_LINGER 0) before sending anything. */
    public static Behavior reset() {
        return new Behavior(Kind.RESET, 200, 0, Duration.ZERO, true, Duration.ZERO);
    }

    /** SSE headers, the role chunk and {@code n} content chunks, then a TCP RST. */
    public static Behavior resetAfterChunks(int n) {
        return resetAfterChunks(n, Duration.ZERO);
    }

    /** As {@link #resetAfterChunks(int)} with a pause between the content chunks. */
    public static Behavior resetAfterChunks(int n, Duration delayBetweenChunks) {
        return new Behavior(Kind.RESET_AFTER_CHUNKS, 200, n, delayBetweenChunks, true, Duration.ZERO);
    }

    /** Writes bytes that are not an HTTP response, then closes the connection. */
    public static Behavior garbage() {
        return new Behavior(Kind.GARBAGE, 200, 0, Duration.ZERO, true, Duration.ZERO);
    }

    /** Sends headers with a Content-Length larger than the body bytes that follow, then closes. */
    public static Behavior closeEarly() {
        return new Behavior(Kind.CLOSE_EARLY, 200, 0, Duration.ZERO, true, Duration.ZERO);
    }

    /** The {@link #normal()} answer, started only after {@code delay}. */
    public static Behavior headersDelay(Duration delay) {
        return normal().withHeadersDelay(delay);
    }

    /** This behaviour, started only after {@code delay} (replaces any previous headers delay). */
    public Behavior withHeadersDelay(Duration delay) {
        return new Behavior(kind, status, chunks, chunkDelay, sendDone, delay);
    }

    /** True for the kinds that open an SSE stream regardless of the request's {@code stream} flag. */
    boolean forcesStream() {
        return kind == Kind.SSE || kind == Kind.STALL_AFTER_CHUNKS || kind == Kind.RESET_AFTER_CHUNKS;
    }

    // ------------------------------------------------------------------ header syntax

    /**
     * Parses the {@value MockOpenAiUpstream#BEHAVIOR_HEADER} syntax documented on
     * {@link MockOpenAiUpstream}.
     *
     * @throws IllegalArgumentException with a message naming the offending part
     */
    public static Behavior parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        Kind kind = null;
        int status = 200;
        Integer afterChunks = null;   // value of stall-after-chunks= / reset-after-chunks=
        Integer chunks = null;        // chunks=
        Integer delayMs = null;       // delay-ms=
        Integer headersDelayMs = null;
        Boolean done = null;
        for (String rawPart : spec.split(";")) {
            String part = rawPart.trim();
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String key = (eq < 0 ? part : part.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
            String value = eq < 0 ? null : part.substring(eq + 1).trim();
            Kind keyword = keyword(key);
            if (keyword != null) {
                if (kind != null) {
                    throw new IllegalArgumentException("two behaviours in '" + spec + "'");
                }
                kind = keyword;
                switch (keyword) {
                    case STATUS -> status = intValue(key, value);
                    case STALL_AFTER_CHUNKS, RESET_AFTER_CHUNKS -> afterChunks = intValue(key, value);
                    default -> {
                        if (value != null) {
                            throw new IllegalArgumentException("'" + key + "' takes no value in '" + spec + "'");
                        }
                        if (key.equals("sse-without-done")) {
                            if (done != null) {
                                throw new IllegalArgumentException("sse-without-done with done= in '" + spec + "'");
                            }
                            done = false;
                        }
                    }
                }
                continue;
            }
            switch (key) {
                case "chunks" -> chunks = intValue(key, value);
                case "delay-ms" -> delayMs = intValue(key, value);
                case "headers-delay-ms" -> headersDelayMs = intValue(key, value);
                case "done" -> {
                    if (done != null || !("true".equalsIgnoreCase(value) || "false".equalsIgnoreCase(value))) {
                        throw new IllegalArgumentException("done must be given once, as true or false, in '" + spec + "'");
                    }
                    done = "true".equalsIgnoreCase(value);
                }
                default -> throw new IllegalArgumentException("unknown part '" + part + "' in '" + spec + "'");
            }
        }
        if (kind == null) {
            kind = Kind.NORMAL; // e.g. a bare "headers-delay-ms=2000"
        }
        if ((chunks != null || done != null) && kind != Kind.SSE) {
            throw new IllegalArgumentException("'chunks' and 'done' only apply to sse in '" + spec + "'");
        }
        boolean streaming = kind == Kind.SSE || afterChunks != null;
        // delay-ms means "between chunks" for streams and "before the headers" for everything else.
        int chunkDelayMs = 0;
        if (streaming) {
            chunkDelayMs = delayMs == null ? 0 : delayMs;
        } else if (delayMs != null) {
            if (headersDelayMs != null) {
                throw new IllegalArgumentException("both delay-ms and headers-delay-ms in '" + spec + "'");
            }
            headersDelayMs = delayMs;
        }
        int chunkCount = kind == Kind.SSE ? (chunks == null ? DEFAULT_CHUNKS : chunks)
                : afterChunks == null ? 0 : afterChunks;
        return new Behavior(kind, status, chunkCount, Duration.ofMillis(chunkDelayMs), done == null || done,
                Duration.ofMillis(headersDelayMs == null ? 0 : headersDelayMs));
    }

    /** The {@value MockOpenAiUpstream#BEHAVIOR_HEADER} value that {@link #parse(String)}s back to this behaviour. */
    public String toHeaderValue() {
        List<String> parts = new ArrayList<>();
        boolean streaming = forcesStream();
        switch (kind) {
            case NORMAL -> parts.add("normal");
            case JSON -> parts.add("json");
            case STATUS -> parts.add("status=" + status);
            case SSE -> {
                parts.add("sse");
                parts.add("chunks=" + chunks);
                if (!sendDone) {
                    parts.add("done=false");
                }
            }
            case STALL -> parts.add("stall");
            case STALL_AFTER_CHUNKS -> parts.add("stall-after-chunks=" + chunks);
            case RESET -> parts.add("reset");
            case RESET_AFTER_CHUNKS -> parts.add("reset-after-chunks=" + chunks);
            case GARBAGE -> parts.add("garbage");
            case CLOSE_EARLY -> parts.add("close-early");
        }
        if (streaming && !chunkDelay.isZero()) {
            parts.add("delay-ms=" + chunkDelay.toMillis());
        }
        if (!headersDelay.isZero()) {
            parts.add("headers-delay-ms=" + headersDelay.toMillis());
        }
        return String.join(";", parts);
    }

    private static Kind keyword(String key) {
        return switch (key) {
            case "normal" -> Kind.NORMAL;
            case "json" -> Kind.JSON;
            case "status" -> Kind.STATUS;
            case "sse", "sse-without-done" -> Kind.SSE;
            case "stall" -> Kind.STALL;
            case "stall-after-chunks" -> Kind.STALL_AFTER_CHUNKS;
            case "reset" -> Kind.RESET;
            case "reset-after-chunks" -> Kind.RESET_AFTER_CHUNKS;
            case "garbage" -> Kind.GARBAGE;
            case "close-early" -> Kind.CLOSE_EARLY;
            default -> null;
        };
    }

    private static int intValue(String key, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("'" + key + "' needs a value, e.g. " + key + "=3");
        }
        try {
            int n = Integer.parseInt(value);
            if (n < 0) {
                throw new IllegalArgumentException("'" + key + "' must not be negative: " + value);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + key + "' is not a number: " + value, e);
        }
    }
}
