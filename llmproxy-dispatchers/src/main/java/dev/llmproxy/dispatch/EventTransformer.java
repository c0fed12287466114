package dev.llmproxy.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.llmproxy.core.openai.ContentEncodings;
import dev.llmproxy.core.usage.StreamReassembler;
import dev.llmproxy.core.usage.TokenCounter;
import dev.llmproxy.eventbus.Body;
import dev.llmproxy.eventbus.Event;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Turns a bus {@link Event} into a {@link DispatchEvent}: parsed request, decoded and (for
 * streams) reassembled response, token usage, a stable run id, and the <b>rich record</b> that
 * the {@code file} dispatcher writes as one JSON line and the HTTP dispatchers derive their
 * backend formats from. The record follows the seed's dispatcher format:
 *
 * <pre>{@code
 * {"type":"llm", "event":"end", "runId":"3b241101-e2bb-4255-8caf-4136c566a962", "name":"gpt-4o",
 *  "timestamp":"2025-01-01T10:00:00.000Z",
 *  "input":{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]},
 *  "output":{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o","choices":[...],"usage":{...}},
 *  "tokensUsage":{"prompt":9,"completion":12,"total":21},
 *  "metadata":{"method":"POST","path":"/v1/chat/completions","status":200,"duration_ms":812,
 *              "request_id":"3b241101-e2bb-4255-8caf-4136c566a962","end_time":"2025-01-01T10:00:00.812Z",
 *              "ttft_ms":95,"streamed":true,"model":"gpt-4o","project_id":"p1","token_id":"t1",
 *              "usage_source":"upstream"}}
 * }</pre>
 *
 * <table>
 *   <caption>Mapping</caption>
 *   <tr><th>Field</th><th>From</th></tr>
 *   <tr><td>{@code type}</td><td>{@code embed} for {@code /v1/embeddings}, else {@code llm}</td></tr>
 *   <tr><td>{@code event}</td><td>{@code end} (the call completed, status below 400) or {@code error}. The
 *       original always wrote {@code start}; a record that already holds the output describes the end of
 *       the run, and the Lunary dispatcher derives the {@code start} event from it.</td></tr>
 *   <tr><td>{@code runId}</td><td>{@link DispatchEvent#runId()}: the request id if it is a UUID, else a
 *       name-based UUID of it (stable across redeliveries; the original used a random one)</td></tr>
 *   <tr><td>{@code name}</td><td>the model, when known (omitted otherwise)</td></tr>
 *   <tr><td>{@code timestamp}</td><td>when the request arrived, ISO-8601 UTC with milliseconds (the
 *       original used the time of transformation)</td></tr>
 *   <tr><td>{@code input}</td><td>request body: its JSON; a string if it is text but not JSON (e.g. cut by
 *       the capture limit); {@code "<binary request omitted, N bytes>"}; omitted when empty</td></tr>
 *   <tr><td>{@code output}</td><td>response body, after undoing {@code Content-Encoding: gzip|deflate}: an SSE
 *       stream reassembled into one completion ({@link StreamReassembler}); JSON as is; other text as a
 *       string; placeholders for multipart, binary ({@code audio/*}, {@code image/*}, {@code video/*},
 *       {@code application/octet-stream}, invalid UTF-8) and other encodings ({@code br}, {@code zstd});
 *       omitted when empty</td></tr>
 *   <tr><td>{@code tokensUsage}</td><td>{@code prompt}, {@code completion}, {@code total} (known ones only;
 *       omitted when none): from the event (the proxy read the upstream's {@code usage}), else the
 *       {@code usage} in the response body, else counted with jtokkit ({@link TokenCounter}) for successful
 *       POSTs; {@code metadata.usage_source} says which</td></tr>
 *   <tr><td>{@code error}</td><td>{@code {"message": ...}} for {@code event: error}: the upstream's
 *       {@code error.message}, else {@code HTTP <status>}</td></tr>
 *   <tr><td>{@code metadata}</td><td>{@code method}, {@code path}, {@code status}, {@code duration_ms},
 *       {@code request_id} (the seed's five), plus {@code end_time}, {@code streamed}, {@code usage_source},
 *       and when known {@code ttft_ms}, {@code model}, {@code project_id}, {@code token_id},
 *       {@code request_truncated}, {@code response_truncated}, and the event's extension attributes.
 *       All values are strings, numbers or booleans (Lunary drops nested metadata).</td></tr>
 * </table>
 *
 * <p>Headers are not copied into the record (they are redacted already, but rarely useful and
 * sometimes sensitive). Transforming never throws for malformed bodies: whatever cannot be parsed
 * is kept as text or replaced by a placeholder. Thread-safe and stateless.
 */
public final class EventTransformer {

    /** Decompressed bodies are cut at this size, so a small gzip bomb cannot blow the heap. */
    static final int MAX_DECODED_BYTES = 16 * 1024 * 1024;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Creates a transformer. */
    public EventTransformer() {
    }

    /**
     * Transforms one event.
     *
     * @param id the bus delivery id ({@link dev.llmproxy.eventbus.Delivery#id()})
     * @param event the event
     * @return the dispatch event
     */
    public DispatchEvent transform(String id, Event event) {
        JsonNode input = readRequest(event);
        JsonNode output = readResponse(event);
        String model = model(event, input, output);
        TokenUsage usage = usage(event, input, output, model);
        String error = event.status() >= 400 ? errorMessage(event.status(), output) : null;
        String type = event.path().startsWith("/v1/embeddings") ? "embed" : "llm";
        String runId = runId(event.requestId());
        ObjectNode json = richJson(event, runId, type, model, input, output, usage, error);
        return new DispatchEvent(id, event, runId, type, model, input, output, usage, error, json);
    }

    /** The request id when it is a UUID, else a name-based (v3) UUID of it. */
    static String runId(String requestId) {
        if (requestId.length() == 36) {
            try {
                return UUID.fromString(requestId).toString();
            } catch (IllegalArgumentException notAUuid) {
                // fall through
            }
        }
        return UUID.nameUUIDFromBytes(("llm-proxy:" + requestId).getBytes(StandardCharsets.UTF_8)).toString();
    }

    private static ObjectNode richJson(Event e, String runId, String type, String model, JsonNode input,
                                       JsonNode output, TokenUsage usage, String error) {
        ObjectNode o = NODES.objectNode();
        o.put("type", type);
        o.put("event", error == null ? "end" : "error");
        o.put("runId", runId);
        if (model != null) {
            o.put("name", model);
        }
        o.put("timestamp", JsonSupport.iso(e.timestamp()));
        if (input != null) {
            o.set("input", input);
        }
        if (output != null) {
            o.set("output", output);
        }
        if (usage.isKnown()) {
            ObjectNode u = o.putObject("tokensUsage");
            putIfNotNull(u, "prompt", usage.prompt());
            putIfNotNull(u, "completion", usage.completion());
            putIfNotNull(u, "total", usage.total());
        }
        if (error != null) {
            o.putObject("error").put("message", error);
        }
        ObjectNode m = o.putObject("metadata");
        m.put("method", e.method());
        m.put("path", e.path());
        m.put("status", e.status());
        m.put("duration_ms", e.durationMillis());
        m.put("request_id", e.requestId());
        m.put("end_time", JsonSupport.iso(e.timestamp().plusMillis(e.durationMillis())));
        if (e.ttftMillis() != null) {
            m.put("ttft_ms", e.ttftMillis());
        }
        m.put("streamed", e.streamed());
        if (model != null) {
            m.put("model", model);
        }
        if (e.projectId() != null) {
            m.put("project_id", e.projectId());
        }
        if (e.tokenId() != null) {
            m.put("token_id", e.tokenId());
        }
        m.put("usage_source", usage.source().name().toLowerCase(Locale.ROOT));
        if (e.requestBodyTruncated()) {
            m.put("request_truncated", true);
        }
        if (e.responseBodyTruncated()) {
            m.put("response_truncated", true);
        }
        for (Map.Entry<String, String> a : e.attributes().entrySet()) {
            if (!m.has(a.getKey())) {
                m.put(a.getKey(), a.getValue());
            }
        }
        return o;
    }

    private static void putIfNotNull(ObjectNode o, String field, Integer value) {
        if (value != null) {
            o.put(field, value);
        }
    }

    private static String model(Event e, JsonNode input, JsonNode output) {
        if (e.model() != null) {
            return e.model();
        }
        if (input != null && input.path("model").isTextual()) {
            return input.get("model").asText();
        }
        if (output != null && output.path("model").isTextual()) {
            return output.get("model").asText();
        }
        return null;
    }

    private static TokenUsage usage(Event e, JsonNode input, JsonNode output, String model) {
        if (e.promptTokens() != null || e.completionTokens() != null || e.totalTokens() != null) {
            return TokenUsage.of(e.promptTokens(), e.completionTokens(), e.totalTokens(), TokenUsage.Source.UPSTREAM);
        }
        JsonNode u = output != null ? output.get("usage") : null;
        if (u != null && u.isObject()) {
            TokenUsage found = TokenUsage.of(intField(u, "prompt_tokens", "input_tokens"),
                    intField(u, "completion_tokens", "output_tokens"), intField(u, "total_tokens", null),
                    TokenUsage.Source.RESPONSE);
            if (found.isKnown()) {
                return found;
            }
        }
        if (!"POST".equals(e.method()) || e.status() >= 400 || input == null || !input.isObject()) {
            return TokenUsage.NONE;
        }
        Integer prompt = TokenCounter.countPrompt(input, model);
        Integer completion = TokenCounter.countCompletion(output, model);
        if (prompt == null && completion == null) {
            return TokenUsage.NONE;
        }
        return TokenUsage.of(prompt, completion, null, TokenUsage.Source.ESTIMATED);
    }

    private static Integer intField(JsonNode o, String name, String alternative) {
        JsonNode v = o.get(name);
        if ((v == null || !v.isIntegralNumber()) && alternative != null) {
            v = o.get(alternative);
        }
        return v != null && v.isIntegralNumber() ? v.asInt() : null;
    }

    private static String errorMessage(int status, JsonNode output) {
        if (output != null) {
            JsonNode err = output.get("error");
            if (err != null && err.path("message").isTextual() && !err.get("message").asText().isBlank()) {
                return err.get("message").asText();
            }
            if (err != null && err.isTextual() && !err.asText().isBlank()) {
                return err.asText();
            }
        }
        return "HTTP " + status;
    }

    private static JsonNode readRequest(Event e) {
        Body body = e.requestBody();
        if (body.isEmpty()) {
            return null;
        }
        byte[] bytes = body.toByteArray();
        String text = utf8(bytes);
        if (text == null) {
            return TextNode.valueOf("<binary request omitted, " + bytes.length + " bytes>");
        }
        JsonNode json = tryJson(text);
        return json != null ? json : TextNode.valueOf(text);
    }

    private static JsonNode readResponse(Event e) {
        Body body = e.responseBody();
        if (body.isEmpty()) {
            return null;
        }
        byte[] bytes = body.toByteArray();
        String contentType = header(e, "Content-Type");
        String encoding = header(e, "Content-Encoding");
        if (!encoding.isEmpty() && !encoding.equals("identity")) {
            byte[] decoded = ContentEncodings.decode(encoding, bytes, MAX_DECODED_BYTES);
            if (decoded == null) {
                return TextNode.valueOf("<" + encoding + "-encoded response omitted, " + bytes.length + " bytes>");
            }
            bytes = decoded;
        }
        if (contentType.contains("multipart")) {
            return TextNode.valueOf("<multipart response omitted, " + bytes.length + " bytes>");
        }
        if (contentType.startsWith("audio/") || contentType.startsWith("image/") || contentType.startsWith("video/")
                || contentType.startsWith("application/octet-stream")) {
            return TextNode.valueOf("<binary response omitted, " + contentType + ", " + bytes.length + " bytes>");
        }
        String text = utf8(bytes);
        if (text == null) {
            return TextNode.valueOf("<binary response omitted, " + bytes.length + " bytes>");
        }
        if (contentType.contains("text/event-stream") || StreamReassembler.looksLikeSse(text)) {
            JsonNode merged = StreamReassembler.reassemble(text);
            if (merged != null) {
                return merged;
            }
        }
        JsonNode json = tryJson(text);
        return json != null ? json : TextNode.valueOf(text);
    }

    private static String header(Event e, String name) {
        String v = e.responseHeaders().get(name);
        return v == null ? "" : v.trim().toLowerCase(Locale.ROOT);
    }

    private static JsonNode tryJson(String text) {
        String t = text.strip();
        if (t.isEmpty() || (t.charAt(0) != '{' && t.charAt(0) != '[')) {
            return null;
        }
        try {
            return JsonSupport.parse(t);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
