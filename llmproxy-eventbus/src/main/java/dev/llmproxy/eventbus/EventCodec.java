package dev.llmproxy.eventbus;

import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Encodes an {@link Event} as one compact JSON object and decodes it back, with jackson-core's
 * streaming API (no data binding, no reflection). This is the format of the Redis stream field
 * {@code event} and of anything else that stores events as JSON.
 *
 * <pre>{@code
 * {"v":1,"request_id":"5f0c…","timestamp":"2025-01-01T10:00:00.123Z","method":"POST",
 *  "path":"/v1/chat/completions","status":200,"duration_ms":812,"ttft_ms":95,
 *  "project_id":"p1","token_id":"t1","model":"gpt-4o","streamed":true,
 *  "request_headers":{"Authorization":"[REDACTED]","Content-Type":"application/json"},
 *  "response_headers":{"Content-Type":"text/event-stream"},
 *  "request_body":"{\"model\":\"gpt-4o\",…}",
 *  "response_body":"iVBORw0KGgo…","response_body_encoding":"base64","response_body_truncated":true,
 *  "usage":{"prompt_tokens":12,"completion_tokens":30,"total_tokens":42},
 *  "attributes":{"upstream":"https://api.openai.com"}}
 * }</pre>
 *
 * <ul>
 *   <li>Keys are snake_case, like the management API and OpenAI's own {@code usage} object.</li>
 *   <li>Optional fields that are null, empty or false are omitted; the decoder treats an absent
 *       field and a JSON {@code null} the same.</li>
 *   <li>A body that is valid UTF-8 is written as a JSON string; otherwise as base64 with
 *       {@code <side>_body_encoding: "base64"}. Either way decoding restores the exact bytes.</li>
 *   <li>{@code v} is the format version. The decoder rejects a higher version than it knows and
 *       ignores unknown fields, so fields can be added without breaking older readers.</li>
 * </ul>
 *
 * <p>Thread-safe and stateless; the shared {@link JsonFactory} is thread-safe.
 */
public final class EventCodec {
    /** The format version written in {@code v}. */
    public static final int FORMAT_VERSION = 1;

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            // Jackson's default 20M-character string limit would turn an event with a large
            // configured body cap into an "undecodable" message; bodies are already capped upstream.
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
            .build();

    private EventCodec() {
    }

    /** Encodes {@code event} as UTF-8 JSON bytes. */
    public static byte[] encode(Event event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(
                256 + event.requestBody().size() + event.responseBody().size());
        try {
            encode(event, out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot happen: in-memory stream", e);
        }
        return out.toByteArray();
    }

    /** Encodes {@code event} as a JSON string. */
    public static String encodeToString(Event event) {
        return new String(encode(event), StandardCharsets.UTF_8);
    }

    /**
     * Writes {@code event} as UTF-8 JSON to {@code out} (not closed, not followed by a newline).
     *
     * @throws IOException if {@code out} throws
     */
    public static void encode(Event event, OutputStream out) throws IOException {
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            write(event, g);
        }
    }

    /**
     * Writes {@code event} as one JSON object value into an existing generator, for embedding an
     * event in a larger document.
     *
     * @throws IOException if the generator's target throws
     */
    public static void write(Event event, JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeNumberField("v", FORMAT_VERSION);
        g.writeStringField("request_id", event.requestId());
        g.writeStringField("timestamp", event.timestamp().toString());
        g.writeStringField("method", event.method());
        g.writeStringField("path", event.path());
        g.writeNumberField("status", event.status());
        g.writeNumberField("duration_ms", event.durationMillis());
        if (event.ttftMillis() != null) {
            g.writeNumberField("ttft_ms", event.ttftMillis());
        }
        writeOptional(g, "project_id", event.projectId());
        writeOptional(g, "token_id", event.tokenId());
        writeOptional(g, "model", event.model());
        if (event.streamed()) {
            g.writeBooleanField("streamed", true);
        }
        writeMap(g, "request_headers", event.requestHeaders());
        writeMap(g, "response_headers", event.responseHeaders());
        writeBody(g, "request_body", event.requestBody());
        writeBody(g, "response_body", event.responseBody());
        if (event.promptTokens() != null || event.completionTokens() != null || event.totalTokens() != null) {
            g.writeObjectFieldStart("usage");
            if (event.promptTokens() != null) {
                g.writeNumberField("prompt_tokens", event.promptTokens());
            }
            if (event.completionTokens() != null) {
                g.writeNumberField("completion_tokens", event.completionTokens());
            }
            if (event.totalTokens() != null) {
                g.writeNumberField("total_tokens", event.totalTokens());
            }
            g.writeEndObject();
        }
        writeMap(g, "attributes", event.attributes());
        g.writeEndObject();
    }

    private static void writeOptional(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }

    private static void writeMap(JsonGenerator g, String name, Map<String, String> map) throws IOException {
        if (map.isEmpty()) {
            return;
        }
        g.writeObjectFieldStart(name);
        for (Map.Entry<String, String> e : map.entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }

    private static void writeBody(JsonGenerator g, String name, Body body) throws IOException {
        if (!body.isEmpty()) {
            g.writeFieldName(name);
            if (body.isUtf8()) {
                if (g.getOutputTarget() instanceof OutputStream) {
                    // Byte-oriented generator: copies the UTF-8 with JSON escaping, no String made.
                    g.writeUTF8String(body.array(), 0, body.size());
                } else {
                    g.writeString(body.toUtf8String()); // Writer-based generators lack writeUTF8String
                }
            } else {
                g.writeBinary(Base64Variants.MIME_NO_LINEFEEDS, body.array(), 0, body.size());
                g.writeStringField(name + "_encoding", "base64");
            }
        }
        if (body.truncated()) {
            g.writeBooleanField(name + "_truncated", true);
        }
    }

    /**
     * Decodes one event from UTF-8 JSON bytes.
     *
     * @throws MalformedEventException if the input is not a valid encoded event
     */
    public static Event decode(byte[] json) {
        return decode(json, 0, json.length);
    }

    /**
     * Decodes one event from {@code json[offset, offset+length)}.
     *
     * @throws MalformedEventException if the input is not a valid encoded event
     */
    public static Event decode(byte[] json, int offset, int length) {
        try (JsonParser p = JSON.createParser(json, offset, length)) {
            return readDocument(p);
        } catch (IOException e) {
            throw asMalformed(e);
        }
    }

    /**
     * Decodes one event from a JSON string.
     *
     * @throws MalformedEventException if the input is not a valid encoded event
     */
    public static Event decode(String json) {
        try (JsonParser p = JSON.createParser(json)) {
            return readDocument(p);
        } catch (IOException e) {
            throw asMalformed(e);
        }
    }

    /**
     * Reads one event object from a parser positioned before or at its {@code START_OBJECT}, and
     * leaves it at the matching {@code END_OBJECT}; for events embedded in larger documents.
     *
     * @throws MalformedEventException if the object is not a valid encoded event
     * @throws IOException if the parser's source throws
     */
    public static Event read(JsonParser p) throws IOException {
        try {
            return readObject(p);
        } catch (JsonProcessingException e) {
            throw asMalformed(e);
        }
    }

    private static Event readDocument(JsonParser p) throws IOException {
        Event event = readObject(p);
        JsonToken trailing = p.nextToken();
        if (trailing != null) {
            throw malformed(p, "unexpected content after the event object: " + trailing);
        }
        return event;
    }

    private static Event readObject(JsonParser p) throws IOException {
        JsonToken t = p.currentToken() == null ? p.nextToken() : p.currentToken();
        if (t != JsonToken.START_OBJECT) {
            throw malformed(p, "expected a JSON object, got " + (t == null ? "no input" : t));
        }
        Event.Builder b = Event.builder();
        BodyField request = new BodyField("request_body");
        BodyField response = new BodyField("response_body");
        String requestId = null;
        String method = null;
        String path = null;
        boolean seenStatus = false;
        boolean seenDuration = false;
        boolean seenTimestamp = false;
        Integer prompt = null;
        Integer completion = null;
        Integer total = null;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            t = p.nextToken();
            if (t == JsonToken.VALUE_NULL) {
                continue;
            }
            switch (name) {
                case "v": {
                    long v = longValue(p, name);
                    if (v > FORMAT_VERSION || v < 1) {
                        throw malformed(p, "unsupported event format version " + v
                                + "; this reader understands version " + FORMAT_VERSION);
                    }
                    break;
                }
                case "request_id": requestId = text(p, name); break;
                case "timestamp": {
                    String ts = text(p, name);
                    try {
                        b.timestamp(Instant.parse(ts));
                    } catch (DateTimeParseException e) {
                        throw malformed(p, "field 'timestamp' must be an ISO-8601 instant such as "
                                + "2025-01-01T10:00:00Z, got '" + ts + "'");
                    }
                    seenTimestamp = true;
                    break;
                }
                case "method": method = text(p, name); break;
                case "path": path = text(p, name); break;
                case "status": b.status(intValue(p, name)); seenStatus = true; break;
                case "duration_ms": b.durationMillis(longValue(p, name)); seenDuration = true; break;
                case "ttft_ms": b.ttftMillis(longValue(p, name)); break;
                case "project_id": b.projectId(text(p, name)); break;
                case "token_id": b.tokenId(text(p, name)); break;
                case "model": b.model(text(p, name)); break;
                case "streamed": b.streamed(bool(p, name)); break;
                case "request_headers": b.requestHeaders(stringMap(p, name)); break;
                case "response_headers": b.responseHeaders(stringMap(p, name)); break;
                case "request_body": request.text = text(p, name); break;
                case "request_body_encoding": request.encoding = text(p, name); break;
                case "request_body_truncated": request.truncated = bool(p, name); break;
                case "response_body": response.text = text(p, name); break;
                case "response_body_encoding": response.encoding = text(p, name); break;
                case "response_body_truncated": response.truncated = bool(p, name); break;
                case "usage": {
                    expect(p, name, JsonToken.START_OBJECT, "an object");
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String u = p.currentName();
                        JsonToken ut = p.nextToken();
                        if (ut == JsonToken.VALUE_NULL) {
                            continue;
                        }
                        switch (u) {
                            case "prompt_tokens": prompt = intValue(p, "usage." + u); break;
                            case "completion_tokens": completion = intValue(p, "usage." + u); break;
                            case "total_tokens": total = intValue(p, "usage." + u); break;
                            default: p.skipChildren(); break;
                        }
                    }
                    break;
                }
                case "attributes": b.attributes(stringMap(p, name)); break;
                default: p.skipChildren(); break; // a field from a newer writer
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw malformed(p, "unexpected " + t + " in the event object");
        }
        requireField(p, "request_id", requestId);
        requireField(p, "method", method);
        requireField(p, "path", path);
        if (!seenTimestamp) {
            throw malformed(p, "required field 'timestamp' is missing");
        }
        if (!seenStatus) {
            throw malformed(p, "required field 'status' is missing");
        }
        if (!seenDuration) {
            throw malformed(p, "required field 'duration_ms' is missing");
        }
        b.requestId(requestId).method(method).path(path).usage(prompt, completion, total);
        b.requestBody(request.toBody(p));
        b.responseBody(response.toBody(p));
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw malformed(p, "invalid event: " + e.getMessage());
        }
    }

    /** A body's three JSON fields, which may arrive in any order. */
    private static final class BodyField {
        final String name;
        String text;
        String encoding;
        boolean truncated;

        BodyField(String name) {
            this.name = name;
        }

        Body toBody(JsonParser p) {
            if (text == null) {
                return truncated ? Body.of(new byte[0], true) : Body.EMPTY;
            }
            if (encoding == null || encoding.equalsIgnoreCase("utf-8") || encoding.equalsIgnoreCase("utf8")) {
                byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                return new Body(bytes, bytes.length, truncated);
            }
            if (encoding.equalsIgnoreCase("base64")) {
                try {
                    byte[] bytes = Base64.getDecoder().decode(text);
                    return new Body(bytes, bytes.length, truncated);
                } catch (IllegalArgumentException e) {
                    throw malformed(p, "field '" + name + "' is not valid base64: " + e.getMessage());
                }
            }
            throw malformed(p, "field '" + name + "_encoding' must be \"base64\" or \"utf-8\", got '"
                    + encoding + "'");
        }
    }

    private static void requireField(JsonParser p, String field, String value) {
        if (value == null) {
            throw malformed(p, "required field '" + field + "' is missing");
        }
    }

    private static void expect(JsonParser p, String field, JsonToken token, String what) {
        if (p.currentToken() != token) {
            throw wrongType(p, field, what);
        }
    }

    private static String text(JsonParser p, String field) throws IOException {
        expect(p, field, JsonToken.VALUE_STRING, "a string");
        return p.getText();
    }

    private static boolean bool(JsonParser p, String field) {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_TRUE) {
            return true;
        }
        if (t == JsonToken.VALUE_FALSE) {
            return false;
        }
        throw wrongType(p, field, "true or false");
    }

    private static long longValue(JsonParser p, String field) throws IOException {
        expect(p, field, JsonToken.VALUE_NUMBER_INT, "an integer");
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw malformed(p, "field '" + field + "' is out of range: " + p.getText());
        }
        return p.getLongValue();
    }

    private static int intValue(JsonParser p, String field) throws IOException {
        long v = longValue(p, field);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw malformed(p, "field '" + field + "' is out of range: " + v);
        }
        return (int) v;
    }

    private static Map<String, String> stringMap(JsonParser p, String field) throws IOException {
        expect(p, field, JsonToken.START_OBJECT, "an object of strings");
        Map<String, String> map = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            p.nextToken();
            map.put(key, text(p, field + "." + key));
        }
        return map;
    }

    private static MalformedEventException wrongType(JsonParser p, String field, String what) {
        JsonToken t = p.currentToken();
        return malformed(p, "field '" + field + "' must be " + what + ", got " + describe(t));
    }

    private static String describe(JsonToken t) {
        if (t == null) {
            return "end of input";
        }
        switch (t) {
            case VALUE_STRING: return "a string";
            case VALUE_NUMBER_INT: return "an integer";
            case VALUE_NUMBER_FLOAT: return "a decimal number";
            case VALUE_TRUE: case VALUE_FALSE: return "a boolean";
            case START_OBJECT: return "an object";
            case START_ARRAY: return "an array";
            default: return t.toString();
        }
    }

    private static MalformedEventException malformed(JsonParser p, String message) {
        return new MalformedEventException("malformed event: " + message + where(p.currentTokenLocation()));
    }

    private static MalformedEventException asMalformed(IOException e) {
        if (e instanceof JsonProcessingException) {
            JsonProcessingException j = (JsonProcessingException) e;
            return new MalformedEventException("malformed event: not valid JSON: " + j.getOriginalMessage()
                    + where(j.getLocation()), e);
        }
        return new MalformedEventException("malformed event: " + e.getMessage(), e);
    }

    private static String where(JsonLocation loc) {
        if (loc == null || loc.getLineNr() < 0) {
            return "";
        }
        return " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }
}
