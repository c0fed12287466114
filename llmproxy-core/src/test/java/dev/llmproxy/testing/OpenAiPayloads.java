package dev.llmproxy.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;

/**
 * Builds the JSON documents of OpenAI's wire format that {@link MockOpenAiUpstream} sends. Pure
 * functions of their arguments (plus the clock for {@code created}), so they can run on any thread.
 */
final class OpenAiPayloads {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String DEFAULT_MODEL = "gpt-4o-mini";
    static final String SYSTEM_FINGERPRINT = "fp_mock0001";
    static final List<String> MODELS = List.of("gpt-4o-mini", "gpt-4o", "gpt-3.5-turbo-instruct",
            "text-embedding-3-small");
    private static final int DEFAULT_EMBEDDING_DIMENSIONS = 8;
    private static final int MAX_EMBEDDING_DIMENSIONS = 4096;

    private OpenAiPayloads() {
    }

    /** The parsed request body, or {@code null} if it is not a JSON object. */
    static ObjectNode parseObject(byte[] body) {
        if (body.length == 0) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(body);
            return node instanceof ObjectNode object ? object : null;
        } catch (IOException e) {
            return null;
        }
    }

    static String model(ObjectNode request) {
        JsonNode model = request == null ? null : request.get("model");
        return model != null && model.isTextual() ? model.asText() : DEFAULT_MODEL;
    }

    static boolean wantsStream(ObjectNode request) {
        return request != null && request.path("stream").asBoolean(false);
    }

    static boolean wantsUsageChunk(ObjectNode request) {
        return request != null && request.path("stream_options").path("include_usage").asBoolean(false);
    }

    /** Rough prompt-token count: a quarter of the characters of all prompt text, at least 1. */
    static int promptTokens(ObjectNode request) {
        if (request == null) {
            return 1;
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode message : request.path("messages")) {
            collectText(message.path("content"), text);
        }
        collectText(request.path("prompt"), text);
        collectText(request.path("input"), text);
        return Math.max(1, (text.length() + 3) / 4);
    }

    private static void collectText(JsonNode node, StringBuilder into) {
        if (node.isTextual()) {
            into.append(node.asText());
        } else if (node.isArray()) {
            for (JsonNode part : node) {
                collectText(part.isObject() ? part.path("text") : part, into);
            }
        }
    }

    /** Text of content chunk {@code index}: "Hello", " word1", " word2", ... (unique, so lost or reordered chunks show). */
    static String chunkText(int index) {
        return index == 0 ? "Hello" : " word" + index;
    }

    static String contentOf(int chunks) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < chunks; i++) {
            sb.append(chunkText(i));
        }
        return sb.toString();
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    // ------------------------------------------------------------------ chat completions

    static String chatCompletion(String id, String model, int promptTokens, int chunks) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", id);
        root.put("object", "chat.completion");
        root.put("created", now());
        root.put("model", model);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", contentOf(chunks));
        message.putNull("refusal");
        choice.putNull("logprobs");
        choice.put("finish_reason", "stop");
        root.set("usage", usage(promptTokens, chunks));
        root.put("system_fingerprint", SYSTEM_FINGERPRINT);
        return write(root);
    }

    /**
     * When the request has a {@code tools} array and {@code "tool_choice": "required"}, the
     * completion calls every tool once: {@code message.tool_calls} ({@code call_mock0}, ...; name
     * from the tool, arguments {@code "{}"}), {@code finish_reason: tool_calls}. Usage is unchanged.
     */
    static String withToolCalls(String completion, ObjectNode request) {
        if (request == null || !"required".equals(request.path("tool_choice").asText())
                || !request.path("tools").isArray() || request.path("tools").isEmpty()) {
            return completion;
        }
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(completion);
            ObjectNode choice = (ObjectNode) root.path("choices").get(0);
            ObjectNode message = (ObjectNode) choice.path("message");
            var calls = message.putArray("tool_calls");
            int i = 0;
            for (JsonNode tool : request.path("tools")) {
                ObjectNode call = calls.addObject();
                call.put("id", "call_mock" + i++);
                call.put("type", "function");
                ObjectNode function = call.putObject("function");
                function.put("name", tool.path("function").path("name").asText("tool"));
                function.put("arguments", "{}");
            }
            choice.put("finish_reason", "tool_calls");
            return write(root);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first streamed chunk: {@code delta: {role: assistant, content: ""}}. */
    static String chatRoleChunk(String id, long created, String model, boolean usageField) {
        ObjectNode delta = JSON.createObjectNode();
        delta.put("role", "assistant");
        delta.put("content", "");
        return chatChunk(id, created, model, delta, null, usageField);
    }

    static String chatContentChunk(String id, long created, String model, int index, boolean usageField) {
        ObjectNode delta = JSON.createObjectNode();
        delta.put("content", chunkText(index));
        return chatChunk(id, created, model, delta, null, usageField);
    }

    static String chatFinishChunk(String id, long created, String model, boolean usageField) {
        return chatChunk(id, created, model, JSON.createObjectNode(), "stop", usageField);
    }

    private static String chatChunk(String id, long created, String model, ObjectNode delta, String finishReason,
                                    boolean usageField) {
        ObjectNode root = chunkHeader(id, "chat.completion.chunk", created, model);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        if (usageField) {
            // With stream_options.include_usage OpenAI puts "usage": null on every chunk but the last.
            root.putNull("usage");
        }
        return write(root);
    }

    /** The usage chunk sent before {@code [DONE]} when {@code stream_options.include_usage} is true. */
    static String usageChunk(String id, String object, long created, String model, int promptTokens,
                             int completionTokens) {
        ObjectNode root = chunkHeader(id, object, created, model);
        root.putArray("choices");
        root.set("usage", usage(promptTokens, completionTokens));
        return write(root);
    }

    private static ObjectNode chunkHeader(String id, String object, long created, String model) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", id);
        root.put("object", object);
        root.put("created", created);
        root.put("model", model);
        root.put("system_fingerprint", SYSTEM_FINGERPRINT);
        return root;
    }

    // ------------------------------------------------------------------ legacy completions

    static String completion(String id, String model, int promptTokens, int chunks) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", id);
        root.put("object", "text_completion");
        root.put("created", now());
        root.put("model", model);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("text", contentOf(chunks));
        choice.put("index", 0);
        choice.putNull("logprobs");
        choice.put("finish_reason", "stop");
        root.set("usage", usage(promptTokens, chunks));
        return write(root);
    }

    /** A streamed legacy completion chunk; {@code index < 0} is the final one with {@code finish_reason: stop}. */
    static String completionChunk(String id, long created, String model, int index, boolean usageField) {
        ObjectNode root = chunkHeader(id, "text_completion", created, model);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("text", index < 0 ? "" : chunkText(index));
        choice.put("index", 0);
        choice.putNull("logprobs");
        choice.put("finish_reason", index < 0 ? "stop" : null);
        if (usageField) {
            root.putNull("usage");
        }
        return write(root);
    }

    // ------------------------------------------------------------------ embeddings and models

    static String embeddings(ObjectNode request) {
        String model = request.path("model").isTextual() ? request.get("model").asText() : "text-embedding-3-small";
        int dimensions = Math.min(MAX_EMBEDDING_DIMENSIONS,
                Math.max(1, request.path("dimensions").asInt(DEFAULT_EMBEDDING_DIMENSIONS)));
        boolean base64 = "base64".equals(request.path("encoding_format").asText());
        List<String> inputs = new ArrayList<>();
        JsonNode input = request.path("input");
        if (input.isArray()) {
            input.forEach(item -> inputs.add(item.toString()));
        } else {
            inputs.add(input.toString());
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (int i = 0; i < inputs.size(); i++) {
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            float[] vector = vector(inputs.get(i), dimensions);
            if (base64) {
                ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : vector) {
                    bytes.putFloat(v);
                }
                item.put("embedding", Base64.getEncoder().encodeToString(bytes.array()));
            } else {
                ArrayNode values = item.putArray("embedding");
                for (float v : vector) {
                    values.add(v);
                }
            }
        }
        root.put("model", model);
        int promptTokens = promptTokens(request);
        ObjectNode usage = root.putObject("usage");
        usage.put("prompt_tokens", promptTokens);
        usage.put("total_tokens", promptTokens);
        return write(root);
    }

    /** Deterministic unit-length vector derived from the input, so equal inputs embed equally. */
    private static float[] vector(String input, int dimensions) {
        Random random = new Random(input.hashCode());
        float[] vector = new float[dimensions];
        double norm = 0;
        for (int i = 0; i < dimensions; i++) {
            vector[i] = random.nextFloat() * 2 - 1;
            norm += vector[i] * vector[i];
        }
        double scale = norm == 0 ? 1 : 1 / Math.sqrt(norm);
        for (int i = 0; i < dimensions; i++) {
            vector[i] = (float) (vector[i] * scale);
        }
        return vector;
    }

    static String modelList() {
        ObjectNode root = JSON.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        MODELS.forEach(model -> data.add(modelObject(model)));
        return write(root);
    }

    static String model(String id) {
        return write(modelObject(id));
    }

    private static ObjectNode modelObject(String id) {
        ObjectNode model = JSON.createObjectNode();
        model.put("id", id);
        model.put("object", "model");
        model.put("created", 1715367049L);
        model.put("owned_by", "system");
        return model;
    }

    private static ObjectNode usage(int promptTokens, int completionTokens) {
        ObjectNode usage = JSON.createObjectNode();
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        return usage;
    }

    // ------------------------------------------------------------------ errors

    /** OpenAI's error envelope: {@code {"error":{"message","type","param","code"}}}. */
    static String error(String message, String type, String code) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.putNull("param");
        error.put("code", code);
        return write(root);
    }

    /** A realistic error body for a scripted {@code status=N} answer. */
    static String errorForStatus(int status, String model) {
        return switch (status) {
            case 400 -> error("Invalid request (mock status=400).", "invalid_request_error", null);
            case 401 -> error("Incorrect API key provided. You can find your API key at "
                    + "https://platform.openai.com/account/api-keys.", "invalid_request_error", "invalid_api_key");
            case 403 -> error("You are not allowed to sample from this model.", "invalid_request_error", null);
            case 404 -> error("The model `" + model + "` does not exist or you do not have access to it.",
                    "invalid_request_error", "model_not_found");
            case 429 -> error("Rate limit reached for " + model + " on requests per min (RPM): Limit 3, Used 3, "
                    + "Requested 1. Please try again in 1s.", "requests", "rate_limit_exceeded");
            case 500 -> error("The server had an error while processing your request. Sorry about that!",
                    "server_error", null);
            case 503 -> error("The server is overloaded or not ready yet.", "server_error", null);
            default -> error("Mock error (status " + status + ").",
                    status < 500 ? "invalid_request_error" : "server_error", null);
        };
    }

    static String unknownUrl(String method, String path) {
        return error("Invalid URL (" + method + " " + path + ")", "invalid_request_error", "unknown_url");
    }

    private static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
