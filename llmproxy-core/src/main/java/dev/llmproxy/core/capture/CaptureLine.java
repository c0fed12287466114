package dev.llmproxy.core.capture;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.llmproxy.core.openai.ContentEncodings;
import dev.llmproxy.core.openai.OpenAiJson;
import dev.llmproxy.eventbus.Body;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Encodes a {@link CapturedExchange} as one redacted JSON line (format version
 * {@value #FORMAT_VERSION}, documented in {@code docs/wire-capture.md}). The line ends with
 * {@code \n} and contains no other newline (JSON escapes them), so a file is valid JSONL as long
 * as each line is written whole. Runs on the writer thread.
 */
final class CaptureLine {

    static final int FORMAT_VERSION = 1;

    private static final JsonFactory JSON = new JsonFactory();

    private CaptureLine() {
    }

    static byte[] encode(CapturedExchange x, Redactor redactor, int maxBodyBytes) {
        List<String> secrets = redactor.secretsFor(x.secrets());
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096 + (x.requestBody() == null ? 0
                : x.requestBody().size()) + (x.responseBody() == null ? 0 : x.responseBody().size()));
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeNumberField("v", FORMAT_VERSION);
            g.writeStringField("request_id", x.requestId());
            g.writeStringField("started_at", x.startedAt().toString());
            g.writeStringField("ended_at", x.endedAt().toString());
            g.writeNumberField("duration_ms", round(x.durationMillis()));
            if (x.ttfbMillis() >= 0) {
                g.writeNumberField("ttfb_ms", round(x.ttfbMillis()));
            }
            writeOptional(g, "client", x.client());
            g.writeStringField("method", x.method());
            g.writeStringField("path", redactor.text(x.target(), secrets, false));
            Body req = x.requestBody();
            OpenAiJson.RequestInfo info = req == null || req.isEmpty() ? new OpenAiJson.RequestInfo(null, false)
                    : OpenAiJson.sniffRequest(req.toByteArray(), 0, req.size());
            writeOptional(g, "model", info.model());
            boolean streamed = isEventStream(x.responseHeaders());
            g.writeBooleanField("stream", streamed || info.stream());
            writeOptional(g, "project_id", x.projectId());
            writeOptional(g, "token_id", x.tokenId());
            writeOptional(g, "cache", x.cacheStatus());
            writeOptional(g, "outcome", x.outcome());
            if (x.errorCode() != null) {
                g.writeObjectFieldStart("error");
                g.writeStringField("code", x.errorCode());
                writeOptional(g, "message", redactor.text(x.errorMessage(), secrets, false));
                g.writeEndObject();
            }
            boolean truncated = req != null && req.truncated()
                    || x.responseBody() != null && x.responseBody().truncated();
            g.writeBooleanField("truncated", truncated);

            g.writeObjectFieldStart("request");
            writeHeaders(g, x.requestHeaders(), redactor, secrets);
            writeBody(g, req, x.requestBodyBytes(), contentEncoding(x.requestHeaders()), maxBodyBytes, redactor,
                    secrets);
            g.writeEndObject();

            if (x.upstreamUrl() != null) {
                g.writeObjectFieldStart("upstream");
                g.writeStringField("url", redactor.text(x.upstreamUrl(), secrets, false));
                writeHeaders(g, x.upstreamHeaders(), redactor, secrets);
                g.writeEndObject();
            }

            g.writeObjectFieldStart("response");
            g.writeNumberField("status", x.status());
            if (x.responseHeaders() != null) {
                writeHeaders(g, x.responseHeaders(), redactor, secrets);
            }
            writeBody(g, x.responseBody(), x.responseBodyBytes(), contentEncoding(x.responseHeaders()), maxBodyBytes,
                    redactor, secrets);
            g.writeEndObject();

            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        out.write('\n');
        return out.toByteArray();
    }

    private static void writeHeaders(JsonGenerator g, List<Map.Entry<String, String>> headers, Redactor redactor,
                                     List<String> secrets) throws IOException {
        if (headers == null) {
            return;
        }
        Map<String, List<String>> grouped = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : headers) {
            grouped.computeIfAbsent(e.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(redactor.header(e.getKey(), e.getValue(), secrets));
        }
        g.writeObjectFieldStart("headers");
        for (Map.Entry<String, List<String>> e : grouped.entrySet()) {
            if (e.getValue().size() == 1) {
                g.writeStringField(e.getKey(), e.getValue().get(0));
            } else {
                g.writeArrayFieldStart(e.getKey());
                for (String v : e.getValue()) {
                    g.writeString(v);
                }
                g.writeEndArray();
            }
        }
        g.writeEndObject();
    }

    /**
     * {@code "body": {"text"|"base64": …, "bytes": total, "captured_bytes": kept, "truncated": bool}}.
     * Redaction works on an ISO-8859-1 view of the bytes (byte-exact for the ASCII secrets), so a
     * body that is not UTF-8 is redacted before it is base64-encoded.
     */
    private static void writeBody(JsonGenerator g, Body body, long totalBytes, String contentEncoding,
                                  int maxBodyBytes, Redactor redactor, List<String> secrets) throws IOException {
        if (body == null) {
            return;
        }
        g.writeObjectFieldStart("body");
        byte[] raw = body.toByteArray();
        boolean truncated = body.truncated();
        byte[] content = raw;
        if (contentEncoding != null && raw.length > 0) {
            // gzip/deflate bodies are decoded (within the same byte cap), so that they are readable
            // and can be redacted; what could be decoded of a truncated stream is kept.
            ContentEncodings.Decoded inflated = ContentEncodings.decodeReporting(contentEncoding, raw, maxBodyBytes);
            if (inflated != null) {
                content = inflated.bytes();
                truncated = truncated || inflated.cut();
                g.writeStringField("decoded_from", contentEncoding.toLowerCase(Locale.ROOT));
            }
        }
        String text = utf8OrNull(content, truncated);
        if (text != null) {
            g.writeStringField("text", redactor.text(text, secrets, truncated));
        } else {
            String latin1 = new String(content, StandardCharsets.ISO_8859_1);
            byte[] redacted = redactor.text(latin1, secrets, truncated).getBytes(StandardCharsets.ISO_8859_1);
            g.writeStringField("base64", Base64.getEncoder().encodeToString(redacted));
        }
        g.writeNumberField("bytes", Math.max(totalBytes, raw.length));
        g.writeNumberField("captured_bytes", raw.length);
        g.writeBooleanField("truncated", truncated);
        g.writeEndObject();
    }

    private static String contentEncoding(List<Map.Entry<String, String>> headers) {
        if (headers == null) {
            return null;
        }
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey().equalsIgnoreCase("content-encoding") && !h.getValue().isBlank()
                    && !h.getValue().strip().equalsIgnoreCase("identity")) {
                return h.getValue().strip();
            }
        }
        return null;
    }

    /**
     * Strict UTF-8 decoding; a truncated body may end inside a multi-byte character, whose
     * leading bytes are dropped rather than turning the whole body into base64.
     */
    static String utf8OrNull(byte[] raw, boolean truncated) {
        int maxTrim = truncated ? Math.min(3, raw.length) : 0;
        for (int trim = 0; trim <= maxTrim; trim++) {
            try {
                CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(raw, 0, raw.length - trim));
                return chars.toString();
            } catch (CharacterCodingException e) {
                // try one byte shorter (truncated bodies only)
            }
        }
        return null;
    }

    private static boolean isEventStream(List<Map.Entry<String, String>> headers) {
        if (headers == null) {
            return false;
        }
        for (Map.Entry<String, String> e : headers) {
            if (e.getKey().equalsIgnoreCase("content-type")
                    && e.getValue().regionMatches(true, 0, "text/event-stream", 0, 17)) {
                return true;
            }
        }
        return false;
    }

    private static void writeOptional(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }

    private static double round(double millis) {
        return Math.round(millis * 1000) / 1000.0;
    }
}
