package dev.llmproxy.core.usage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a captured server-sent-events stream back into the one response the client would have
 * got without {@code "stream": true}, so backends see a completion, not hundreds of chunks.
 *
 * <ul>
 *   <li><b>Chat completions</b> ({@code chat.completion.chunk}): one {@code chat.completion} with,
 *       per choice index, {@code message.role}, {@code message.content} (the {@code delta.content}
 *       pieces concatenated), {@code message.refusal}, {@code message.tool_calls} (merged by tool
 *       call {@code index}: {@code id}, {@code type} and {@code function.name} from the first
 *       delta that has them, {@code function.arguments} concatenated), the legacy
 *       {@code function_call}, and the last non-null {@code finish_reason}. {@code id},
 *       {@code created}, {@code model} and {@code system_fingerprint} come from the first chunk
 *       that has them.</li>
 *   <li><b>Completions</b> ({@code text_completion} chunks): {@code choices[].text} concatenated.</li>
 *   <li><b>Responses API</b>: the {@code response} object of the final
 *       {@code response.completed} / {@code response.incomplete} / {@code response.failed} event,
 *       which already holds the whole answer.</li>
 * </ul>
 * In every case {@code usage} is the last non-null {@code usage} object seen (OpenAI sends it in a
 * final chunk when {@code stream_options.include_usage} is set), and an {@code error} object sent
 * in the stream is kept. Events are separated by blank lines; multi-line {@code data:} fields are
 * joined with newlines as the SSE specification says; {@code [DONE]} and lines that are not JSON
 * are ignored. A stream cut short (truncated capture, client gone) yields what arrived.
 *
 * <p>Used by the dispatchers (to send backends one completion) and by usage tracking (to count
 * tool calls and estimate tokens of a stream). Stateless and thread-safe.
 */
public final class StreamReassembler {

    /** Captured bodies are capped by the proxy, but the cap is configurable up to 64 MiB: no string limit. */
    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxStringLength(Integer.MAX_VALUE).maxNestingDepth(256).build())
                    .build())
            .build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private StreamReassembler() {
    }

    /** Whether {@code text} looks like an SSE stream (its first non-blank line is a field). */
    public static boolean looksLikeSse(String text) {
        int i = 0;
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return text.startsWith("data:", i) || text.startsWith("event:", i) || text.startsWith("id:", i)
                || text.startsWith(":", i);
    }

    /**
     * Reassembles {@code text}.
     *
     * @return the completion, or null when no event in the stream is a JSON object this class knows
     */
    public static JsonNode reassemble(String text) {
        List<JsonNode> events = dataObjects(text);
        if (events.isEmpty()) {
            return null;
        }
        Assembly a = new Assembly();
        for (JsonNode e : events) {
            a.add(e);
        }
        return a.result();
    }

    /** The JSON objects of the stream's {@code data} fields, in order. */
    public static List<JsonNode> dataObjects(String text) {
        List<JsonNode> out = new ArrayList<>();
        StringBuilder data = null;
        int start = 0;
        int len = text.length();
        while (start <= len) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? len : nl;
            String line = text.substring(start, end);
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            if (line.isEmpty()) {
                addEvent(out, data);
                data = null;
            } else if (line.startsWith("data:")) {
                String value = line.substring(5);
                if (value.startsWith(" ")) {
                    value = value.substring(1);
                }
                if (data == null) {
                    data = new StringBuilder(value);
                } else {
                    data.append('\n').append(value);
                }
            }
            if (nl < 0) {
                break;
            }
            start = nl + 1;
        }
        addEvent(out, data);
        return out;
    }

    private static void addEvent(List<JsonNode> out, StringBuilder data) {
        if (data == null) {
            return;
        }
        String s = data.toString().trim();
        if (s.isEmpty() || s.equals("[DONE]") || s.charAt(0) != '{') {
            return;
        }
        try {
            JsonNode node = MAPPER.readTree(s);
            if (node != null && node.isObject()) {
                out.add(node);
            }
        } catch (Exception e) {
            // A chunk cut by the capture limit, or not JSON: skip it, keep the rest.
        }
    }

    /** Accumulates chunks. */
    private static final class Assembly {
        private final ObjectNode head = NODES.objectNode();
        private final Map<Integer, Choice> choices = new TreeMap<>();
        private JsonNode usage;
        private JsonNode error;
        private JsonNode finalResponse;
        private boolean textCompletion;
        private boolean chat;

        void add(JsonNode chunk) {
            String type = chunk.path("type").asText("");
            if (type.startsWith("response.") && chunk.path("response").isObject()) {
                if (type.equals("response.completed") || type.equals("response.incomplete") || type.equals("response.failed")) {
                    finalResponse = chunk.get("response");
                }
                return;
            }
            for (String field : new String[] {"id", "created", "model", "system_fingerprint", "service_tier"}) {
                JsonNode v = chunk.get(field);
                if (v != null && !v.isNull() && !head.has(field)) {
                    head.set(field, v);
                }
            }
            String object = chunk.path("object").asText("");
            if (object.equals("text_completion")) {
                textCompletion = true;
            } else if (object.startsWith("chat.completion")) {
                chat = true;
            }
            JsonNode u = chunk.get("usage");
            if (u != null && u.isObject()) {
                usage = u;
            }
            JsonNode err = chunk.get("error");
            if (err != null && !err.isNull()) {
                error = err;
            }
            for (JsonNode c : chunk.path("choices")) {
                Choice choice = choices.computeIfAbsent(c.path("index").asInt(0), Choice::new);
                choice.add(c);
                if (c.has("delta")) {
                    chat = true;
                } else if (c.has("text")) {
                    textCompletion = true;
                }
            }
        }

        JsonNode result() {
            if (finalResponse != null) {
                return finalResponse;
            }
            if (!chat && !textCompletion && usage == null && error == null) {
                return null;
            }
            ObjectNode out = NODES.objectNode();
            if (head.has("id")) {
                out.set("id", head.get("id"));
            }
            out.put("object", textCompletion && !chat ? "text_completion" : "chat.completion");
            for (String field : new String[] {"created", "model", "system_fingerprint", "service_tier"}) {
                if (head.has(field)) {
                    out.set(field, head.get(field));
                }
            }
            ArrayNode arr = out.putArray("choices");
            for (Choice c : choices.values()) {
                arr.add(textCompletion && !chat ? c.toTextChoice() : c.toChatChoice());
            }
            if (usage != null) {
                out.set("usage", usage);
            }
            if (error != null) {
                out.set("error", error);
            }
            return out;
        }
    }

    /** One choice being reassembled. */
    private static final class Choice {
        private final int index;
        private String role;
        private StringBuilder content;
        private StringBuilder refusal;
        private StringBuilder text;
        private final Map<Integer, ObjectNode> toolCalls = new TreeMap<>();
        private ObjectNode functionCall;
        private JsonNode finishReason;

        Choice(int index) {
            this.index = index;
        }

        void add(JsonNode c) {
            JsonNode fr = c.get("finish_reason");
            if (fr != null && !fr.isNull()) {
                finishReason = fr;
            }
            if (c.path("text").isTextual()) {
                text = append(text, c.get("text").asText());
            }
            JsonNode delta = c.get("delta");
            if (delta == null || !delta.isObject()) {
                return;
            }
            if (delta.path("role").isTextual()) {
                role = delta.get("role").asText();
            }
            if (delta.path("content").isTextual()) {
                content = append(content, delta.get("content").asText());
            }
            if (delta.path("refusal").isTextual()) {
                refusal = append(refusal, delta.get("refusal").asText());
            }
            for (JsonNode tc : delta.path("tool_calls")) {
                int i = tc.path("index").asInt(toolCalls.size());
                ObjectNode call = toolCalls.computeIfAbsent(i, k -> {
                    ObjectNode n = NODES.objectNode();
                    n.putObject("function").put("name", "").put("arguments", "");
                    return n;
                });
                if (tc.path("id").isTextual() && !call.has("id")) {
                    call.put("id", tc.get("id").asText());
                }
                if (tc.path("type").isTextual() && !call.has("type")) {
                    call.put("type", tc.get("type").asText());
                }
                mergeFunction((ObjectNode) call.get("function"), tc.path("function"));
            }
            if (delta.path("function_call").isObject()) {
                if (functionCall == null) {
                    functionCall = NODES.objectNode().put("name", "").put("arguments", "");
                }
                mergeFunction(functionCall, delta.get("function_call"));
            }
        }

        private static void mergeFunction(ObjectNode target, JsonNode delta) {
            if (delta.path("name").isTextual() && target.path("name").asText().isEmpty()) {
                target.put("name", delta.get("name").asText());
            }
            if (delta.path("arguments").isTextual()) {
                target.put("arguments", target.path("arguments").asText() + delta.get("arguments").asText());
            }
        }

        ObjectNode toChatChoice() {
            ObjectNode out = NODES.objectNode().put("index", index);
            ObjectNode message = out.putObject("message");
            message.put("role", role != null ? role : "assistant");
            if (content != null) {
                message.put("content", content.toString());
            } else {
                message.putNull("content");
            }
            if (refusal != null) {
                message.put("refusal", refusal.toString());
            }
            if (!toolCalls.isEmpty()) {
                ArrayNode calls = message.putArray("tool_calls");
                toolCalls.values().forEach(calls::add);
            }
            if (functionCall != null) {
                message.set("function_call", functionCall);
            }
            out.set("finish_reason", finishReason != null ? finishReason : NODES.nullNode());
            return out;
        }

        ObjectNode toTextChoice() {
            ObjectNode out = NODES.objectNode().put("index", index);
            out.put("text", text != null ? text.toString() : "");
            out.set("finish_reason", finishReason != null ? finishReason : NODES.nullNode());
            return out;
        }

        private static StringBuilder append(StringBuilder sb, String s) {
            return sb == null ? new StringBuilder(s) : sb.append(s);
        }
    }
}
