package dev.llmproxy.core.usage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.llmproxy.core.openai.ContentEncodings;
import dev.llmproxy.eventbus.Body;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Turns a {@link UsageObservation} into a {@link UsageRecord}: reads the model, token usage
 * (including {@code prompt_tokens_details.cached_tokens}) and tool calls from the captured answer
 * — a JSON body, or an SSE stream reassembled with {@link StreamReassembler}, whose final chunk
 * carries {@code usage} when the client set {@code stream_options.include_usage} — estimates
 * tokens with {@link TokenCounter} when a successful answer reported none, and prices the request
 * with the {@link PriceTable}.
 *
 * <p>CPU work (JSON parsing, tokenising): runs on the usage writer's thread, never on an event
 * loop. A capture that was cut at {@code OBSERVABILITY_MAX_RESPONSE_BODY_BYTES} is read as far as it
 * goes, so a stream longer than the cap loses its final usage chunk and is estimated instead
 * (docs/usage.md). Thread-safe.
 */
public final class UsageRecords {

    static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxStringLength(Integer.MAX_VALUE).maxNestingDepth(256).build())
                    .build())
            .build();
    /** Largest decompressed copy examined, as for events. */
    private static final int MAX_INFLATED_BYTES = 4 * 1024 * 1024;
    /** Path segments that are object ids ({@code file-abc123…}, {@code resp_68…}): folded to {@code {id}}. */
    private static final Pattern ID_SEGMENT = Pattern.compile("[a-z]+[-_][A-Za-z0-9]{8,}|[A-Za-z0-9_-]{24,}");

    private final PriceTable prices;

    public UsageRecords(PriceTable prices) {
        this.prices = prices;
    }

    public PriceTable prices() {
        return prices;
    }

    /** The record of {@code o}; never throws on malformed bodies (they simply yield no numbers). */
    public UsageRecord toRecord(UsageObservation o) {
        Preread pre = o.preread();
        if (pre != null && pre.answerRead() && o.upstream() != null && !o.upstream().eventStream()) {
            UsageRecord fast = FastUsageReader.record(this, o, pre);
            if (fast != null) {
                return fast;
            }
        }
        byte[] body = answerBytes(o.upstream());
        UsageRecord fast = FastUsageReader.record(this, o, body);
        return fast != null ? fast : treeRecord(o, body);
    }

    /** {@link #toRecord} by the tree path alone (the differential test compares both paths). */
    UsageRecord toRecordTree(UsageObservation o) {
        return treeRecord(o, answerBytes(o.upstream()));
    }

    /** {@link #toRecord} by the streaming path alone, or null where that path would hand over to the tree. */
    UsageRecord toRecordFast(UsageObservation o) {
        return FastUsageReader.record(this, o, answerBytes(o.upstream()));
    }

    /** The captured answer, decompressed; null when there is none (or it could not be inflated). */
    private static byte[] answerBytes(UsageObservation.Upstream up) {
        if (up == null || up.responseBody() == null || up.responseBody().size() == 0) {
            return null;
        }
        byte[] body = bytes(up.responseBody());
        if (up.contentEncoding() != null && !up.contentEncoding().equalsIgnoreCase("identity")) {
            body = ContentEncodings.decode(up.contentEncoding(), body, MAX_INFLATED_BYTES);
        }
        return body;
    }

    /**
     * The general path: request and answer read into JSON trees (a stream reassembled), tokens
     * estimated when the answer reported none. {@code body} is {@link #answerBytes}.
     */
    private UsageRecord treeRecord(UsageObservation o, byte[] body) {
        JsonNode request = parse(o.requestBody() == null ? null : bytes(o.requestBody()));
        String requestedModel = request != null && request.path("model").isTextual()
                ? request.path("model").asText() : null;
        UsageObservation.Upstream up = o.upstream();
        JsonNode answer = null;
        if (body != null) {
            if (up.eventStream() && proxyReadSuffices(up, body)) {
                answer = null; // the numbers below come from up, exactly what a reassembly would give
            } else {
                String text = new String(body, StandardCharsets.UTF_8);
                answer = up.eventStream() || StreamReassembler.looksLikeSse(text)
                        ? StreamReassembler.reassemble(text) : parse(body);
            }
        }
        String responseModel = up == null ? null : up.model();
        if (responseModel == null && answer != null && answer.path("model").isTextual()) {
            responseModel = answer.path("model").asText();
        }

        long prompt = 0;
        long completion = 0;
        long total = 0;
        long cached = 0;
        boolean estimated = false;
        int toolCalls = 0;
        boolean hit = UsageRecord.CACHE_HIT.equals(o.cacheStatus());
        if (up != null && !hit) {
            JsonNode usage = answer == null ? null : answer.get("usage");
            if (usage != null && usage.isObject()) {
                prompt = firstInt(usage, "prompt_tokens", "input_tokens");
                completion = firstInt(usage, "completion_tokens", "output_tokens");
                total = usage.path("total_tokens").canConvertToLong() ? usage.path("total_tokens").asLong()
                        : prompt + completion;
                cached = Math.max(usage.path("prompt_tokens_details").path("cached_tokens").asLong(0),
                        usage.path("input_tokens_details").path("cached_tokens").asLong(0));
            } else if (up.promptTokens() != null || up.completionTokens() != null) {
                prompt = up.promptTokens() == null ? 0 : up.promptTokens();
                completion = up.completionTokens() == null ? 0 : up.completionTokens();
                total = up.totalTokens() == null ? prompt + completion : up.totalTokens();
            } else if (up.status() / 100 == 2) {
                String countModel = responseModel != null ? responseModel : requestedModel;
                Integer p = TokenCounter.countPrompt(request, countModel);
                Integer c = TokenCounter.countCompletion(answer, countModel);
                if (p != null || c != null) {
                    estimated = true;
                    prompt = p == null ? 0 : p;
                    completion = c == null ? 0 : c;
                    total = prompt + completion;
                }
            }
            toolCalls = countToolCalls(answer);
        }
        return record(o, requestedModel, responseModel, hit, prompt, completion, total, cached, estimated, toolCalls);
    }

    /** The record from what either path read: model choice and pricing, the same for both. */
    UsageRecord record(UsageObservation o, String requestedModel, String responseModel, boolean hit, long prompt,
                       long completion, long total, long cached, boolean estimated, int toolCalls) {
        String model = requestedModel != null ? requestedModel : responseModel;
        String differentResponseModel = responseModel != null && !responseModel.equals(model) ? responseModel : null;
        PriceTable.Cost cost;
        if (hit) {
            cost = PriceTable.Cost.FREE;
        } else if (prompt == 0 && completion == 0) {
            cost = model == null && responseModel == null ? PriceTable.Cost.FREE
                    : prices.priceOf(responseModel) != null || prices.priceOf(model) != null
                    ? PriceTable.Cost.FREE : PriceTable.Cost.UNKNOWN;
        } else {
            cost = responseModel != null ? prices.cost(responseModel, prompt, cached, completion) : PriceTable.Cost.UNKNOWN;
            if (!cost.known()) {
                cost = prices.cost(model, prompt, cached, completion);
            }
        }
        return new UsageRecord(o.requestId(), o.timestamp(), o.projectId(), o.tokenId(), o.method(),
                normaliseEndpoint(o.path()), model, differentResponseModel, o.status(), o.streamed(), o.cacheStatus(),
                prompt, completion, total, cached, estimated, o.latencyNanos() / 1_000_000,
                o.ttftNanos() < 0 ? null : o.ttftNanos() / 1_000_000, cost.nanos(), cost.known(), toolCalls,
                o.errorCode());
    }

    private static final byte[][] NEEDS_REASSEMBLY = {
            "tool_calls".getBytes(StandardCharsets.US_ASCII),
            "function_call".getBytes(StandardCharsets.US_ASCII),
            "cached_tokens".getBytes(StandardCharsets.US_ASCII)};

    /**
     * Whether the proxy's own read of a stream (model and the last {@code usage} block, taken while
     * relaying) already gives this record everything a full reassembly would: then the stream is
     * not reassembled. Reassembling parses every event into a JSON tree; for a 64-chunk stream that
     * was most of the usage writer's CPU and over 40% of all the proxy's allocation with streams
     * (JFR, bench SSE lane), and that garbage drives the young-GC pauses that stop every stream at
     * once. A stream that mentions tool or function calls or cached tokens is still reassembled,
     * as is one whose usage or model the proxy did not find.
     */
    static boolean proxyReadSuffices(UsageObservation.Upstream up, byte[] body) {
        if (up.model() == null || up.promptTokens() == null && up.completionTokens() == null) {
            return false;
        }
        for (byte[] word : NEEDS_REASSEMBLY) {
            if (indexOf(body, word) >= 0) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        byte first = needle[0];
        int last = haystack.length - needle.length;
        outer:
        for (int i = 0; i <= last; i++) {
            if (haystack[i] != first) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /**
     * The path without query or trailing slash, with object ids folded to {@code {id}}
     * ({@code /v1/files/file-abc123def/content} → {@code /v1/files/{id}/content}), so the endpoint
     * column groups well and holds no identifiers.
     */
    public static String normaliseEndpoint(String path) {
        if (path == null || path.isEmpty()) {
            return "/";
        }
        // A split and a regex match per segment, for every record: remembered for the few paths
        // a deployment sees (bounded, since paths with ids are endless).
        String known = ENDPOINTS.get(path);
        if (known != null) {
            return known;
        }
        String normalised = normalise(path);
        if (ENDPOINTS.size() < MAX_REMEMBERED_ENDPOINTS) {
            ENDPOINTS.putIfAbsent(path, normalised);
        }
        return normalised;
    }

    private static final int MAX_REMEMBERED_ENDPOINTS = 256;
    private static final java.util.concurrent.ConcurrentHashMap<String, String> ENDPOINTS =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static String normalise(String path) {
        int q = path.indexOf('?');
        String p = q >= 0 ? path.substring(0, q) : path;
        StringBuilder out = new StringBuilder(p.length());
        for (String segment : p.split("/")) {
            if (segment.isEmpty()) {
                continue;
            }
            out.append('/').append(ID_SEGMENT.matcher(segment).matches() ? "{id}" : segment);
        }
        return out.length() == 0 ? "/" : out.toString();
    }

    /**
     * Tool calls in an answer: {@code choices[].message.tool_calls} (a reassembled stream merges
     * its deltas by index, so each call counts once), a legacy {@code function_call}, or Responses
     * API output items of a {@code *_call} type.
     */
    static int countToolCalls(JsonNode answer) {
        if (answer == null) {
            return 0;
        }
        int n = 0;
        for (JsonNode choice : answer.path("choices")) {
            JsonNode message = choice.path("message");
            n += message.path("tool_calls").size();
            if (message.path("function_call").isObject()) {
                n++;
            }
        }
        for (JsonNode item : answer.path("output")) {
            if (item.path("type").asText("").endsWith("_call")) {
                n++;
            }
        }
        return n;
    }

    private static long firstInt(JsonNode usage, String name, String alternative) {
        JsonNode v = usage.get(name);
        if (v == null || !v.canConvertToLong()) {
            v = usage.get(alternative);
        }
        return v != null && v.canConvertToLong() ? Math.max(0, v.asLong()) : 0;
    }

    static JsonNode parse(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(bytes);
            return node != null && node.isObject() ? node : null;
        } catch (IOException | RuntimeException e) {
            return null; // not JSON, or cut at the capture limit
        }
    }

    static byte[] bytes(Body body) {
        byte[] out = new byte[body.size()];
        body.asReadOnlyBuffer().get(out);
        return out;
    }
}
