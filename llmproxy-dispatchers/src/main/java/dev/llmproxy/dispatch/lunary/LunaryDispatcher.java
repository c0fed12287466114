package dev.llmproxy.dispatch.lunary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.llmproxy.dispatch.DispatchEvent;
import dev.llmproxy.dispatch.DispatchResult;
import dev.llmproxy.dispatch.Dispatcher;
import dev.llmproxy.dispatch.JsonSupport;
import dev.llmproxy.dispatch.TokenUsage;
import dev.llmproxy.dispatch.http.HttpSupport;
import dev.llmproxy.dispatch.http.SizedBatches;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Sends events to Lunary's ingestion API: {@code POST <endpoint>} (default
 * {@value #DEFAULT_ENDPOINT}) with {@code Authorization: Bearer <api_key>} and the body
 * {@code {"events":[...]}}, where each proxied call becomes two Lunary events sharing its
 * {@code runId} (the original posted a bare array, which Lunary rejects):
 *
 * <pre>{@code
 * {"type":"llm","event":"start","runId":R,"timestamp":<request arrival>,"name":"gpt-4o",
 *  "input":[<request messages>],"params":{"temperature":0.2,...},"runtime":"llm-proxy-java",
 *  "metadata":{"method":"POST","path":"/v1/chat/completions","status":200,"duration_ms":812,"request_id":...}}
 * {"type":"llm","event":"end","runId":R,"timestamp":<response end>,
 *  "output":{"role":"assistant","content":"..."},"tokensUsage":{"prompt":9,"completion":12}}
 * }</pre>
 * An upstream error (status 400 and above) sends {@code "event":"error"} with
 * {@code "error":{"message":...}} instead of the end event. {@code input} is the request's
 * {@code messages} (or {@code input}/{@code prompt}); {@code output} the assistant message (one
 * choice) or the list of them; {@code params} the other request fields (model parameters, tools);
 * {@code metadata} the rich record's flat metadata; {@code tokensUsage} is left out when the
 * count is unknown, and Lunary then counts itself. Embeddings are sent with type {@code embed}
 * and a summary instead of the vectors.
 *
 * <p><b>Results.</b> Lunary answers 200 with {@code {"results":[{"id":runId,"success":bool,"error":...}]}}
 * even when individual events fail, so the results are checked: a call is accepted when none of
 * its events failed; a failed event fails its call permanently (Lunary failures are validation
 * errors and duplicate run ids, which a retry repeats). A 2xx without {@code results} accepts the
 * whole request. Other statuses follow {@link HttpSupport}: 5xx/429 transient, other 4xx (401 bad
 * key, 402 bad project) permanent.
 *
 * <p>Only {@code POST} events are sent (model calls); others are skipped. A batch is split into
 * requests of at most {@code max_batch_bytes} (default 15 MB; Lunary's limit is 20 MB), sent in
 * parallel. Thread-safe.
 */
public final class LunaryDispatcher implements Dispatcher {

    public static final String DEFAULT_ENDPOINT = "https://api.lunary.ai/v1/runs/ingest";
    public static final String INGEST_PATH = "/v1/runs/ingest";
    public static final int DEFAULT_MAX_BATCH_BYTES = 15_000_000;

    /** Request fields that are the call's input, not its parameters. */
    private static final Set<String> NOT_PARAMS = Set.of("messages", "model", "input", "prompt", "stream",
            "stream_options", "instructions");

    private final URI endpoint;
    private final String apiKey;
    private final HttpClient client;
    private final Duration requestTimeout;
    private final long maxBatchBytes;

    /**
     * @param endpoint the full ingestion URL
     * @param apiKey the project key; never logged
     * @param connectTimeout TCP connect timeout
     * @param requestTimeout whole-request timeout
     * @param maxBatchBytes largest request body
     */
    public LunaryDispatcher(URI endpoint, String apiKey, Duration connectTimeout, Duration requestTimeout,
                            long maxBatchBytes) {
        this.endpoint = endpoint;
        this.apiKey = apiKey;
        this.client = HttpSupport.newClient(connectTimeout);
        this.requestTimeout = requestTimeout;
        this.maxBatchBytes = maxBatchBytes;
    }

    /** The ingestion URL. */
    public URI endpoint() {
        return endpoint;
    }

    @Override
    public boolean accepts(DispatchEvent event) {
        return "POST".equals(event.event().method());
    }

    @Override
    public CompletionStage<DispatchResult> send(List<DispatchEvent> batch) {
        return SizedBatches.sendInParts(batch, LunaryDispatcher::records, maxBatchBytes, this::post);
    }

    private CompletableFuture<DispatchResult> post(List<SizedBatches.Encoded> group) {
        ObjectNode body = JsonSupport.object();
        ArrayNode events = body.putArray("events");
        List<DispatchEvent> dispatched = new ArrayList<>(group.size());
        for (SizedBatches.Encoded item : group) {
            item.records().forEach(events::add);
            dispatched.add(item.event());
        }
        HttpRequest request = HttpSupport.jsonPost(endpoint, requestTimeout, JsonSupport.toBytes(body))
                .header("Authorization", "Bearer " + apiKey)
                .build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .handle((response, failure) -> {
                    if (failure != null) {
                        return DispatchResult.all(dispatched, HttpSupport.outcomeOf("lunary", failure));
                    }
                    if (!HttpSupport.isSuccess(response.statusCode())) {
                        return DispatchResult.all(dispatched, HttpSupport.outcomeOf("lunary", response.statusCode(),
                                response.headers(), response.body()));
                    }
                    return checkResults(dispatched, response.body());
                });
    }

    /** Reads {@code results[]}: a call is accepted unless one of its events failed. */
    static DispatchResult checkResults(List<DispatchEvent> events, String body) {
        JsonNode results;
        try {
            results = JsonSupport.parse(body == null ? "" : body).path("results");
        } catch (IOException | RuntimeException e) {
            return DispatchResult.allAccepted(events);
        }
        if (!results.isArray()) {
            return DispatchResult.allAccepted(events);
        }
        Map<String, String> failures = new HashMap<>();
        for (JsonNode r : results) {
            if (r.path("success").isBoolean() && !r.get("success").asBoolean()) {
                String error = r.path("error").isTextual() ? r.get("error").asText() : r.path("error").toString();
                failures.merge(r.path("id").asText(), error, (a, b) -> a + "; " + b);
            }
        }
        DispatchResult.Builder b = DispatchResult.builder();
        for (DispatchEvent e : events) {
            String error = failures.get(e.runId());
            if (error == null) {
                b.accepted(e);
            } else {
                b.permanentFailure(e, "lunary rejected run " + e.runId() + ": " + HttpSupport.excerpt(error));
            }
        }
        return b.build();
    }

    /** The start and end (or error) events of one call. */
    static List<ObjectNode> records(DispatchEvent e) {
        ObjectNode rich = e.toJson();
        ObjectNode start = JsonSupport.object();
        start.put("type", e.type());
        start.put("event", "start");
        start.put("runId", e.runId());
        start.put("timestamp", JsonSupport.iso(e.startTime()));
        if (e.model() != null) {
            start.put("name", e.model());
        }
        JsonNode input = e.input();
        JsonNode lunaryInput = lunaryInput(input);
        if (lunaryInput != null) {
            start.set("input", lunaryInput);
        }
        if (input != null && input.isObject()) {
            ObjectNode params = JsonSupport.object();
            input.properties().forEach(f -> {
                if (!NOT_PARAMS.contains(f.getKey())) {
                    params.set(f.getKey(), f.getValue());
                }
            });
            if (!params.isEmpty()) {
                start.set("params", params);
            }
        }
        start.put("runtime", "llm-proxy-java");
        start.set("metadata", rich.get("metadata"));

        ObjectNode end = JsonSupport.object();
        end.put("type", e.type());
        end.put("runId", e.runId());
        end.put("timestamp", JsonSupport.iso(e.endTime()));
        if (e.isError()) {
            end.put("event", "error");
            end.putObject("error").put("message", e.errorMessage());
        } else {
            end.put("event", "end");
            JsonNode output = lunaryOutput(e.output());
            if (output != null) {
                end.set("output", output);
            }
            TokenUsage u = e.usage();
            if (u.prompt() != null || u.completion() != null) {
                ObjectNode tu = end.putObject("tokensUsage");
                tu.put("prompt", u.prompt() != null ? u.prompt() : 0);
                tu.put("completion", u.completion() != null ? u.completion() : 0);
            }
        }
        return List.of(start, end);
    }

    private static JsonNode lunaryInput(JsonNode input) {
        if (input == null || !input.isObject()) {
            return input;
        }
        for (String field : new String[] {"messages", "input", "prompt"}) {
            if (input.has(field)) {
                return input.get(field);
            }
        }
        return input;
    }

    private static JsonNode lunaryOutput(JsonNode output) {
        if (output == null || !output.isObject()) {
            return output;
        }
        if ("list".equals(output.path("object").asText()) && output.path("data").isArray()) {
            return TextNode.valueOf(output.get("data").size() + " embedding(s)");
        }
        JsonNode choices = output.get("choices");
        if (choices != null && choices.isArray() && !choices.isEmpty()) {
            ArrayNode messages = JsonSupport.array();
            for (JsonNode c : choices) {
                if (c.path("message").isObject()) {
                    messages.add(c.get("message"));
                } else if (c.has("text")) {
                    messages.add(JsonSupport.object().put("role", "assistant").put("content", c.path("text").asText()));
                }
            }
            if (messages.size() == 1) {
                return messages.get(0);
            }
            if (!messages.isEmpty()) {
                return messages;
            }
        }
        return output;
    }
}
