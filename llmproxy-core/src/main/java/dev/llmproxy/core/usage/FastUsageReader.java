package dev.llmproxy.core.usage;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmproxy.core.openai.OpenAiJson;

import java.io.IOException;

/**
 * The common case of {@link UsageRecords#toRecord}, read with one pass of Jackson's streaming
 * parser instead of two {@code readTree}s: a JSON answer whose usage numbers are plain integers
 * (or a stream whose model and usage the proxy already read), with a request read only for its
 * top-level {@code model}. Tree-building both bodies for every record was 17% of all the proxy's
 * CPU samples with full features (JFR, c=32, issue 9).
 *
 * <p>It must give exactly the record the tree path gives, so it declines (returns null, and the
 * tree path runs) for anything it does not mirror exactly: an SSE body the proxy did not read,
 * tokens to estimate, usage numbers that are not integers in {@code long} range or null, a key it
 * reads that occurs twice in its object (the tree keeps the last), {@code choices} or
 * {@code tool_calls} that are objects, a Responses API {@code output}, a body that is not JSON.
 * Values it skips are still tokenised and every string decoded, so a body the tree parser rejects
 * (cut at the capture limit, bad UTF-8) is rejected here as well. {@code UsageRecordsDifferentialTest}
 * holds both paths to the same records.
 */
final class FastUsageReader {

    /** Thrown to hand over to the tree path; no stack trace (it is control flow). */
    private static final class Decline extends Exception {
        static final Decline INSTANCE = new Decline();

        private Decline() {
            super(null, null, false, false);
        }
    }

    private FastUsageReader() {
    }

    /** What the tree path would read from a JSON answer. */
    static final class Answer {
        String model;
        boolean usage;
        Long prompt;
        Long input;
        Long completion;
        Long output;
        Long total;
        long cachedPrompt;
        long cachedInput;
        int toolCalls;
    }

    /**
     * The record from what the proxy already read ({@link UsageObservation#preread()} with an
     * answer), or null when the tree path must make it. Same result as {@link #record(UsageRecords,
     * UsageObservation, byte[])} on the answer's bytes, without reading them again.
     */
    static UsageRecord record(UsageRecords records, UsageObservation o, Preread pre) {
        return record(records, o, pre.requestedModel(), pre.answer());
    }

    /** The record, or null when the tree path must make it. {@code body} is the decoded answer or null. */
    static UsageRecord record(UsageRecords records, UsageObservation o, byte[] body) {
        UsageObservation.Upstream up = o.upstream();
        Answer a = null;
        if (body != null) {
            if (up.eventStream()) {
                if (!UsageRecords.proxyReadSuffices(up, body)) {
                    return null; // reassembly
                }
            } else {
                if (!startsWithObject(body, body.length)) {
                    return null; // maybe SSE without the header, or not JSON at all
                }
                try {
                    a = readAnswer(body, body.length);
                } catch (Decline | IOException | RuntimeException e) {
                    return null; // unusual shape, or malformed: the tree path decides
                }
            }
        }
        Preread pre = o.preread();
        String requestedModel = pre != null ? pre.requestedModel()
                : requestedModel(o.requestBody() == null ? null : UsageRecords.bytes(o.requestBody()));
        return record(records, o, requestedModel, a);
    }

    private static UsageRecord record(UsageRecords records, UsageObservation o, String requestedModel, Answer a) {
        UsageObservation.Upstream up = o.upstream();
        String responseModel = up == null ? null : up.model();
        if (responseModel == null && a != null) {
            responseModel = a.model;
        }
        long prompt = 0;
        long completion = 0;
        long total = 0;
        long cached = 0;
        int toolCalls = 0;
        boolean hit = UsageRecord.CACHE_HIT.equals(o.cacheStatus());
        if (up != null && !hit) {
            if (a != null && a.usage) {
                prompt = firstInt(a.prompt, a.input);
                completion = firstInt(a.completion, a.output);
                total = a.total != null ? a.total : prompt + completion;
                cached = Math.max(a.cachedPrompt, a.cachedInput);
            } else if (up.promptTokens() != null || up.completionTokens() != null) {
                prompt = up.promptTokens() == null ? 0 : up.promptTokens();
                completion = up.completionTokens() == null ? 0 : up.completionTokens();
                total = up.totalTokens() == null ? prompt + completion : up.totalTokens();
            } else if (up.status() / 100 == 2) {
                return null; // estimate with jtokkit: needs the trees
            }
            toolCalls = a == null ? 0 : a.toolCalls;
        }
        return records.record(o, requestedModel, responseModel, hit, prompt, completion, total, cached, false,
                toolCalls);
    }

    /** As {@code UsageRecords.firstInt}: the first name's integer, else the alternative's, never below 0. */
    private static long firstInt(Long value, Long alternative) {
        Long v = value != null ? value : alternative;
        return v == null ? 0 : Math.max(0, v);
    }

    /**
     * Whether the first non-whitespace byte opens an object: then the tree path would not take the
     * body for SSE ({@code StreamReassembler.looksLikeSse}). Anything else (including a non-ASCII
     * byte, which {@code Character.isWhitespace} might count as space) declines.
     */
    private static boolean startsWithObject(byte[] body, int length) {
        for (int i = 0; i < length; i++) {
            byte b = body[i];
            if (b < 0) {
                return false;
            }
            if (!Character.isWhitespace((char) b)) {
                return b == '{';
            }
        }
        return false;
    }

    /** A request's model (as the tree path reads it) and whether it asked for a stream. */
    record Request(String model, boolean stream) {
        static final Request NONE = new Request(null, false);
    }

    /**
     * {@link #requestedModel} and, in the same pass, whether the last top-level {@code stream} is
     * {@code true}; for a request that is not well-formed JSON, {@code stream} is what
     * {@link OpenAiJson#sniffRequest} makes of it.
     */
    static Request readRequest(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return Request.NONE;
        }
        try (JsonParser p = UsageRecords.JSON.getFactory().createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Request.NONE; // not an object: no model, and sniffRequest sees no stream either
            }
            String model = null;
            boolean seenModel = false;
            boolean stream = false;
            while (nextField(p)) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (name.equals("model")) {
                    if (seenModel) {
                        throw Decline.INSTANCE;
                    }
                    seenModel = true;
                    if (t == JsonToken.VALUE_STRING) {
                        model = p.getText();
                        continue;
                    }
                } else if (name.equals("stream")) {
                    stream = t == JsonToken.VALUE_TRUE;
                }
                skip(p);
            }
            return new Request(model, stream);
        } catch (Decline | IOException | RuntimeException e) {
            // A repeated "model" (the tree keeps the last), or not JSON / cut at the capture limit
            // (then the tree reads no model either, but it decides, so the paths cannot differ).
            JsonNode request = UsageRecords.parse(bytes);
            String model = request != null && request.path("model").isTextual() ? request.path("model").asText() : null;
            return new Request(model, OpenAiJson.sniffRequest(bytes, 0, bytes.length).stream());
        }
    }

    /** The streaming read of a JSON answer, or null where {@link #record} would hand it to the tree path. */
    static Answer readAnswerOrNull(byte[] body, int length) {
        if (!startsWithObject(body, length)) {
            return null;
        }
        try {
            return readAnswer(body, length);
        } catch (Decline | IOException | RuntimeException e) {
            return null;
        }
    }

    /** The request's top-level textual {@code model}, as the tree path reads it (null when the request is not a JSON object). */
    static String requestedModel(byte[] bytes) {
        return readRequest(bytes).model();
    }

    private static final int MODEL = 1;
    private static final int USAGE = 2;
    private static final int CHOICES = 4;

    private static Answer readAnswer(byte[] body, int length) throws IOException, Decline {
        try (JsonParser p = UsageRecords.JSON.getFactory().createParser(body, 0, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw Decline.INSTANCE;
            }
            Answer a = new Answer();
            int seen = 0;
            while (nextField(p)) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "model" -> {
                        seen = once(seen, MODEL);
                        a.model = t == JsonToken.VALUE_STRING ? p.getText() : null;
                        skip(p);
                    }
                    case "usage" -> {
                        seen = once(seen, USAGE);
                        a.usage = t == JsonToken.START_OBJECT;
                        if (a.usage) {
                            readUsage(p, a);
                        } else {
                            skip(p); // null or not an object: as absent for the tree path
                        }
                    }
                    case "choices" -> {
                        seen = once(seen, CHOICES);
                        a.toolCalls = readChoices(p);
                    }
                    case "output" -> throw Decline.INSTANCE; // Responses API items
                    default -> skip(p);
                }
            }
            return a;
        }
    }

    private static final int PROMPT = 1;
    private static final int INPUT = 2;
    private static final int COMPLETION = 4;
    private static final int OUTPUT = 8;
    private static final int TOTAL = 16;
    private static final int PROMPT_DETAILS = 32;
    private static final int INPUT_DETAILS = 64;

    private static void readUsage(JsonParser p, Answer a) throws IOException, Decline {
        int seen = 0;
        while (nextField(p)) {
            String name = p.currentName();
            p.nextToken();
            switch (name) {
                case "prompt_tokens" -> {
                    seen = once(seen, PROMPT);
                    a.prompt = integer(p);
                }
                case "input_tokens" -> {
                    seen = once(seen, INPUT);
                    a.input = integer(p);
                }
                case "completion_tokens" -> {
                    seen = once(seen, COMPLETION);
                    a.completion = integer(p);
                }
                case "output_tokens" -> {
                    seen = once(seen, OUTPUT);
                    a.output = integer(p);
                }
                case "total_tokens" -> {
                    seen = once(seen, TOTAL);
                    a.total = integer(p);
                }
                case "prompt_tokens_details" -> {
                    seen = once(seen, PROMPT_DETAILS);
                    a.cachedPrompt = cachedTokens(p);
                }
                case "input_tokens_details" -> {
                    seen = once(seen, INPUT_DETAILS);
                    a.cachedInput = cachedTokens(p);
                }
                default -> skip(p);
            }
        }
    }

    /** {@code details.cached_tokens} as {@code path(..).asLong(0)} reads it: 0 when absent or null. */
    private static long cachedTokens(JsonParser p) throws IOException, Decline {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return 0;
        }
        if (t != JsonToken.START_OBJECT) {
            throw Decline.INSTANCE;
        }
        Long cached = null;
        boolean seen = false;
        while (nextField(p)) {
            String name = p.currentName();
            p.nextToken();
            if (name.equals("cached_tokens")) {
                if (seen) {
                    throw Decline.INSTANCE;
                }
                seen = true;
                cached = integer(p);
            } else {
                skip(p);
            }
        }
        return cached == null ? 0 : cached;
    }

    /** An integer in {@code long} range, or null for JSON null; anything else declines (floats, strings, big numbers). */
    private static Long integer(JsonParser p) throws IOException, Decline {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t == JsonToken.VALUE_NUMBER_INT) {
            JsonParser.NumberType type = p.getNumberType();
            if (type == JsonParser.NumberType.INT || type == JsonParser.NumberType.LONG) {
                return p.getLongValue();
            }
        }
        throw Decline.INSTANCE;
    }

    /** Tool calls in {@code choices}, as {@code UsageRecords.countToolCalls} counts them. */
    private static int readChoices(JsonParser p) throws IOException, Decline {
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            throw Decline.INSTANCE; // the tree path would iterate its values
        }
        if (t != JsonToken.START_ARRAY) {
            skip(p);
            return 0; // null or a scalar: nothing to iterate
        }
        int n = 0;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                throw Decline.INSTANCE;
            }
            if (t != JsonToken.START_OBJECT) {
                skip(p); // path("message") of a non-object is missing
                continue;
            }
            boolean seen = false;
            while (nextField(p)) {
                String name = p.currentName();
                p.nextToken();
                if (name.equals("message")) {
                    if (seen) {
                        throw Decline.INSTANCE;
                    }
                    seen = true;
                    n += readMessage(p);
                } else {
                    skip(p);
                }
            }
        }
        return n;
    }

    private static final int TOOL_CALLS = 1;
    private static final int FUNCTION_CALL = 2;

    private static int readMessage(JsonParser p) throws IOException, Decline {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            skip(p);
            return 0; // no tool_calls or function_call under a non-object
        }
        int seen = 0;
        int toolCalls = 0;
        int functionCall = 0;
        while (nextField(p)) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case "tool_calls" -> {
                    seen = once(seen, TOOL_CALLS);
                    if (t == JsonToken.START_OBJECT) {
                        throw Decline.INSTANCE; // size() of an object counts its fields
                    }
                    toolCalls = t == JsonToken.START_ARRAY ? arraySize(p) : skipZero(p);
                }
                case "function_call" -> {
                    seen = once(seen, FUNCTION_CALL);
                    functionCall = t == JsonToken.START_OBJECT ? 1 : 0;
                    skip(p);
                }
                default -> skip(p);
            }
        }
        return toolCalls + functionCall;
    }

    private static int arraySize(JsonParser p) throws IOException {
        int n = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                throw new IOException("unexpected end of input");
            }
            skip(p);
            n++;
        }
        return n;
    }

    private static int skipZero(JsonParser p) throws IOException {
        skip(p);
        return 0;
    }

    private static int once(int seen, int key) throws Decline {
        if ((seen & key) != 0) {
            throw Decline.INSTANCE; // a repeated key: the tree keeps the last, leave it to the tree
        }
        return seen | key;
    }

    /** Advances to the next field name of the current object; false at its end. */
    private static boolean nextField(JsonParser p) throws IOException {
        JsonToken t = p.nextToken();
        if (t == JsonToken.FIELD_NAME) {
            return true;
        }
        if (t == JsonToken.END_OBJECT) {
            return false;
        }
        throw new IOException("unexpected token " + t); // cannot happen with a conforming parser
    }

    /**
     * Skips the value at the current token as {@code readTree} would read it: every string is
     * decoded (not just scanned, as {@code skipChildren} does), so a body with bad UTF-8 fails here
     * as it fails the tree parser, and both paths see it as not JSON.
     */
    private static void skip(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_STRING) {
            p.getTextLength();
            return;
        }
        if (t != JsonToken.START_OBJECT && t != JsonToken.START_ARRAY) {
            return;
        }
        int depth = 1;
        while (depth > 0) {
            t = p.nextToken();
            if (t == null) {
                throw new IOException("unexpected end of input");
            }
            switch (t) {
                case START_OBJECT, START_ARRAY -> depth++;
                case END_OBJECT, END_ARRAY -> depth--;
                case VALUE_STRING -> p.getTextLength();
                default -> {
                }
            }
        }
    }
}
