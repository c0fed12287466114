package dev.llmproxy.core.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;

import java.util.Locale;

/**
 * Counts tokens with jtokkit (a Java port of OpenAI's tiktoken) when the upstream reported no
 * usage, for example a stream without {@code stream_options.include_usage}. The counts are an
 * estimate: exact for plain text with the right encoding, approximate for chat framing, tools and
 * images (see below).
 *
 * <p><b>Encoding per model</b> (the model name is lower-cased; a {@code ft:} fine-tune prefix and
 * a {@code provider/} prefix are ignored):
 * <ul>
 *   <li>{@code o200k_base}: {@code gpt-4o*}, {@code chatgpt-4o*}, {@code gpt-4.1*}, {@code gpt-4.5*},
 *       {@code gpt-5*}, {@code gpt-oss*}, {@code o1*}, {@code o3*}, {@code o4*}, {@code codex*}</li>
 *   <li>{@code cl100k_base}: {@code gpt-4*}, {@code gpt-3.5*}, {@code gpt-35*},
 *       {@code text-embedding-*}, and every other or unknown model (the fallback)</li>
 * </ul>
 *
 * <p><b>Chat messages</b> follow OpenAI's published approximation for its chat models ("How to
 * count tokens with tiktoken"): 3 tokens per message, plus the tokens of every string field of the
 * message ({@code role}, {@code content}, {@code name}, ...), plus 1 when a {@code name} is
 * present, plus 3 tokens priming the reply. Content given as parts counts its {@code text} parts
 * only (images and audio are not counted). Tool calls in messages count their function name and
 * arguments; other structured fields and the request's {@code tools} definitions count as their
 * compact JSON text, which is rougher.
 *
 * <p>Thread-safe. The encodings are loaded lazily, once per process (a few MB each).
 */
public final class TokenCounter {

    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
    private static final int TOKENS_PER_MESSAGE = 3;
    private static final int TOKENS_PER_NAME = 1;
    private static final int REPLY_PRIMING = 3;

    private TokenCounter() {
    }

    /** The encoding for {@code model} per the table in the class javadoc; {@code cl100k_base} when null or unknown. */
    public static EncodingType encodingFor(String model) {
        if (model == null) {
            return EncodingType.CL100K_BASE;
        }
        String m = model.trim().toLowerCase(Locale.ROOT);
        if (m.startsWith("ft:")) {
            m = m.substring(3);
        }
        int slash = m.lastIndexOf('/');
        if (slash >= 0) {
            m = m.substring(slash + 1);
        }
        if (m.startsWith("gpt-4o") || m.startsWith("chatgpt-4o") || m.startsWith("gpt-4.1") || m.startsWith("gpt-4.5")
                || m.startsWith("gpt-5") || m.startsWith("gpt-oss") || m.startsWith("codex")
                || m.matches("o[134](-.*)?")) {
            return EncodingType.O200K_BASE;
        }
        return EncodingType.CL100K_BASE;
    }

    /** Tokens of {@code text} in {@code model}'s encoding; 0 for null. */
    public static int count(String text, String model) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        return encoding(model).countTokensOrdinary(text);
    }

    /**
     * Tokens of a chat {@code messages} array per the approximation in the class javadoc.
     *
     * @param messages a JSON array of message objects; anything else counts 0
     * @param model the model, for the encoding
     * @return the estimate
     */
    public static int countChatMessages(JsonNode messages, String model) {
        if (messages == null || !messages.isArray()) {
            return 0;
        }
        Encoding enc = encoding(model);
        int tokens = REPLY_PRIMING;
        for (JsonNode message : messages) {
            tokens += TOKENS_PER_MESSAGE;
            if (!message.isObject()) {
                tokens += countText(enc, message.isTextual() ? message.asText() : message.toString());
                continue;
            }
            for (var f : message.properties()) {
                JsonNode v = f.getValue();
                if (v.isTextual()) {
                    tokens += countText(enc, v.asText());
                    if (f.getKey().equals("name")) {
                        tokens += TOKENS_PER_NAME;
                    }
                } else if (f.getKey().equals("content") && v.isArray()) {
                    tokens += countTextParts(enc, v);
                } else if (f.getKey().equals("tool_calls") && v.isArray()) {
                    for (JsonNode call : v) {
                        tokens += countFunction(enc, call.path("function"));
                    }
                } else if (f.getKey().equals("function_call") && v.isObject()) {
                    tokens += countFunction(enc, v);
                } else if (!v.isNull()) {
                    tokens += countText(enc, v.toString());
                }
            }
        }
        return tokens;
    }

    /**
     * Estimated prompt tokens of an OpenAI request body: chat {@code messages} (plus {@code tools}),
     * a completions {@code prompt}, an embeddings or Responses API {@code input} (string, strings,
     * token arrays or message items), plus Responses {@code instructions}.
     *
     * @return the estimate, or null when the request has nothing to count
     */
    public static Integer countPrompt(JsonNode request, String model) {
        if (request == null || !request.isObject()) {
            return null;
        }
        Encoding enc = encoding(model);
        Integer tokens = null;
        JsonNode messages = request.get("messages");
        if (messages != null && messages.isArray()) {
            tokens = countChatMessages(messages, model);
            JsonNode tools = request.get("tools");
            if (tools != null && tools.isArray() && !tools.isEmpty()) {
                tokens += countText(enc, tools.toString());
            }
        }
        JsonNode prompt = request.get("prompt");
        if (prompt != null) {
            tokens = plus(tokens, countInput(enc, prompt, model));
        }
        JsonNode input = request.get("input");
        if (input != null) {
            tokens = plus(tokens, countInput(enc, input, model));
        }
        JsonNode instructions = request.get("instructions");
        if (instructions != null && instructions.isTextual()) {
            tokens = plus(tokens, countText(enc, instructions.asText()));
        }
        return tokens;
    }

    /**
     * Estimated completion tokens of an OpenAI response (or a reassembled stream): the text,
     * refusals and tool calls of every choice ({@code choices[].message} or {@code choices[].text}),
     * or the output items of a Responses API answer. Embedding responses count 0.
     *
     * @return the estimate, or null when the response has nothing to count
     */
    public static Integer countCompletion(JsonNode response, String model) {
        if (response == null || !response.isObject()) {
            return null;
        }
        Encoding enc = encoding(model);
        if ("list".equals(response.path("object").asText()) && response.has("data")) {
            return 0; // embeddings produce no completion tokens
        }
        JsonNode choices = response.get("choices");
        if (choices != null && choices.isArray()) {
            int tokens = 0;
            for (JsonNode choice : choices) {
                JsonNode message = choice.path("message");
                if (message.isObject()) {
                    JsonNode content = message.path("content");
                    tokens += content.isArray() ? countTextParts(enc, content) : countText(enc, content.asText(""));
                    tokens += countText(enc, message.path("refusal").asText(""));
                    for (JsonNode call : message.path("tool_calls")) {
                        tokens += countFunction(enc, call.path("function"));
                    }
                    if (message.path("function_call").isObject()) {
                        tokens += countFunction(enc, message.path("function_call"));
                    }
                }
                tokens += countText(enc, choice.path("text").asText(""));
            }
            return tokens;
        }
        JsonNode output = response.get("output");
        if (output != null && output.isArray()) {
            int tokens = 0;
            for (JsonNode item : output) {
                for (JsonNode part : item.path("content")) {
                    tokens += countText(enc, part.path("text").asText(""));
                }
                tokens += countText(enc, item.path("arguments").asText(""));
                tokens += countText(enc, item.path("name").asText(""));
            }
            return tokens;
        }
        return null;
    }

    private static Integer countInput(Encoding enc, JsonNode input, String model) {
        if (input.isTextual()) {
            return countText(enc, input.asText());
        }
        if (!input.isArray()) {
            return null;
        }
        int tokens = 0;
        boolean messages = false;
        for (JsonNode item : input) {
            if (item.isTextual()) {
                tokens += countText(enc, item.asText());
            } else if (item.isArray()) {
                tokens += item.size(); // already tokenized
            } else if (item.isInt()) {
                tokens += 1;
            } else if (item.isObject()) {
                messages = true;
            }
        }
        if (messages) {
            tokens += countChatMessages(input, model);
        }
        return tokens;
    }

    private static int countTextParts(Encoding enc, JsonNode parts) {
        int tokens = 0;
        for (JsonNode part : parts) {
            if (part.isTextual()) {
                tokens += countText(enc, part.asText());
            } else {
                tokens += countText(enc, part.path("text").asText(""));
            }
        }
        return tokens;
    }

    private static int countFunction(Encoding enc, JsonNode function) {
        return countText(enc, function.path("name").asText("")) + countText(enc, function.path("arguments").asText(""));
    }

    private static int countText(Encoding enc, String text) {
        return text == null || text.isEmpty() ? 0 : enc.countTokensOrdinary(text);
    }

    private static Integer plus(Integer a, Integer b) {
        if (b == null) {
            return a;
        }
        return a == null ? b : a + b;
    }

    private static Encoding encoding(String model) {
        return REGISTRY.getEncoding(encodingFor(model));
    }
}
