package dev.llmproxy.core.openai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Small, allocation-light readers for the parts of OpenAI payloads the proxy needs: the
 * {@code model} and {@code stream} fields of a request, and the {@code usage} block of a response
 * (a JSON body, or the events of an SSE stream). Streaming parses with jackson-core: nothing is
 * bound to objects, unknown structure is skipped, and malformed input yields "unknown" rather than
 * an exception, because these readers only ever enrich telemetry. Thread-safe.
 */
public final class OpenAiJson {

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build();

    private static final byte[] DATA_PREFIX = "data:".getBytes(StandardCharsets.US_ASCII);

    private OpenAiJson() {
    }

    /** What a request body says about itself. */
    public record RequestInfo(String model, boolean stream) {
        static final RequestInfo UNKNOWN = new RequestInfo(null, false);
    }

    /** Token usage as reported by the upstream; any field may be null when it was not reported. */
    public record Usage(Integer promptTokens, Integer completionTokens, Integer totalTokens) {
        public static final Usage NONE = new Usage(null, null, null);

        public boolean isEmpty() {
            return promptTokens == null && completionTokens == null && totalTokens == null;
        }
    }

    /** Response facts: the model that answered and the usage it reported. */
    public record ResponseInfo(String model, Usage usage) {
        public static final ResponseInfo NONE = new ResponseInfo(null, Usage.NONE);
    }

    /** Reads the top-level {@code model} and {@code stream} fields of a request body. */
    public static RequestInfo sniffRequest(byte[] body, int offset, int length) {
        if (length == 0) {
            return RequestInfo.UNKNOWN;
        }
        String model = null;
        boolean stream = false;
        try (JsonParser p = JSON.createParser(body, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return RequestInfo.UNKNOWN;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if ("model".equals(name) && value == JsonToken.VALUE_STRING) {
                    model = p.getText();
                } else if ("stream".equals(name)) {
                    stream = value == JsonToken.VALUE_TRUE;
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException | RuntimeException e) {
            return new RequestInfo(model, stream);
        }
        return new RequestInfo(model, stream);
    }

    /** Reads {@code model} and {@code usage} from a complete JSON response body. */
    public static ResponseInfo readJsonResponse(byte[] body, int offset, int length) {
        try (JsonParser p = JSON.createParser(body, offset, length)) {
            return readResponseObject(p, null, Usage.NONE);
        } catch (IOException | RuntimeException e) {
            return ResponseInfo.NONE;
        }
    }

    /**
     * Reads an SSE stream: the model of the first event that names one and the last usage block
     * reported (OpenAI sends it in a final chunk when {@code stream_options.include_usage} is set).
     */
    public static ResponseInfo readSseResponse(byte[] stream, int offset, int length) {
        String model = null;
        Usage usage = Usage.NONE;
        int end = offset + length;
        int lineStart = offset;
        for (int i = offset; i <= end; i++) {
            if (i == end || stream[i] == '\n') {
                int lineEnd = i > lineStart && stream[i - 1] == '\r' ? i - 1 : i;
                if (startsWith(stream, lineStart, lineEnd, DATA_PREFIX)) {
                    int from = lineStart + DATA_PREFIX.length;
                    while (from < lineEnd && stream[from] == ' ') {
                        from++;
                    }
                    // Once the model is known only a usage block matters, and a byte scan finds the
                    // (usually one, final) event that can hold it: a stream of 64 chunks costs one or
                    // two parses instead of 64.
                    if (lineEnd - from > 0 && stream[from] == '{'
                            && (model == null || mayHoldUsage(stream, from, lineEnd))) {
                        try (JsonParser p = JSON.createParser(stream, from, lineEnd - from)) {
                            ResponseInfo info = readResponseObject(p, model, usage);
                            model = info.model();
                            usage = info.usage();
                        } catch (IOException | RuntimeException e) {
                            // one malformed event does not spoil the rest
                        }
                    }
                }
                lineStart = i + 1;
            }
        }
        return new ResponseInfo(model, usage);
    }

    private static ResponseInfo readResponseObject(JsonParser p, String model, Usage usage) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            return new ResponseInfo(model, usage);
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if ("model".equals(name) && value == JsonToken.VALUE_STRING) {
                if (model == null) {
                    model = p.getText();
                }
            } else if ("usage".equals(name) && value == JsonToken.START_OBJECT) {
                usage = readUsage(p);
            } else {
                p.skipChildren();
            }
        }
        return new ResponseInfo(model, usage);
    }

    private static Usage readUsage(JsonParser p) throws IOException {
        Integer prompt = null;
        Integer completion = null;
        Integer total = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (value == JsonToken.VALUE_NUMBER_INT) {
                switch (name) {
                    case "prompt_tokens", "input_tokens" -> prompt = p.getIntValue();
                    case "completion_tokens", "output_tokens" -> completion = p.getIntValue();
                    case "total_tokens" -> total = p.getIntValue();
                    default -> { }
                }
            } else {
                p.skipChildren();
            }
        }
        if (total == null && prompt != null && completion != null) {
            total = prompt + completion;
        }
        return new Usage(prompt, completion, total);
    }

    private static final byte[] USAGE_KEY = "\"usage\"".getBytes(StandardCharsets.US_ASCII);

    /**
     * Whether a JSON text may have a {@code "usage"} member with an object value: the key's bytes
     * followed by optional whitespace, {@code :}, optional whitespace and <code>{</code>. Inside a
     * JSON string a quote is always escaped, so string content never matches; a false positive
     * only costs a parse.
     */
    static boolean mayHoldUsage(byte[] b, int from, int to) {
        for (int i = from; i + USAGE_KEY.length <= to; i++) {
            if (b[i] != '"' || !startsWith(b, i, to, USAGE_KEY)) {
                continue;
            }
            int j = skipWhitespace(b, i + USAGE_KEY.length, to);
            if (j < to && b[j] == ':') {
                j = skipWhitespace(b, j + 1, to);
                if (j < to && b[j] == '{') {
                    return true;
                }
            }
        }
        return false;
    }

    private static int skipWhitespace(byte[] b, int i, int to) {
        while (i < to && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) {
            i++;
        }
        return i;
    }

    private static boolean startsWith(byte[] b, int from, int to, byte[] prefix) {
        if (to - from < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[from + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
