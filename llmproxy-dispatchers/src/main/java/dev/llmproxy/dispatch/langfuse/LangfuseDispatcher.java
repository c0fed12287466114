package dev.llmproxy.dispatch.langfuse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Sends events to Langfuse's batch ingestion API: {@code POST <host>/api/public/ingestion} with
 * HTTP Basic auth (public key as user, secret key as password) and the body
 * {@code {"batch":[...], "metadata":{"sdk_name":"llm-proxy-java"}}}. Each call becomes two
 * envelopes, {@code {"id", "type", "timestamp", "body"}}:
 *
 * <ul>
 *   <li>{@code trace-create}: {@code body.id} = the run id, {@code name} = {@code POST /v1/chat/completions},
 *       {@code timestamp}, {@code input}, {@code output}, {@code metadata}, {@code tags: ["llm-proxy"]};</li>
 *   <li>{@code generation-create}: {@code body.id} (a UUID derived from the run id), {@code traceId},
 *       {@code name} ({@code chat.completions}, from the path), {@code startTime}, {@code endTime},
 *       {@code completionStartTime} (start + TTFT: how Langfuse shows time to first token),
 *       {@code model}, {@code modelParameters} (the request's scalar parameters: integers and booleans
 *       as is, other numbers and objects as strings, string lists as lists), {@code input} (the
 *       messages), {@code output} (the assistant message), {@code usageDetails}
 *       ({@code input}/{@code output}/{@code total}), {@code level} ({@code ERROR} with
 *       {@code statusMessage} for upstream errors, else {@code DEFAULT}), {@code metadata}.</li>
 * </ul>
 * Envelope ids are derived from the run id, so a redelivered event (after a crash) repeats the
 * same ids and Langfuse deduplicates it; {@code trace-create} is an upsert.
 *
 * <p><b>Results.</b> Langfuse answers 207 with {@code {"successes":[{"id","status"}],
 * "errors":[{"id","status","message"}]}} (input errors do not make the request fail). A call is
 * accepted when neither of its envelopes is in {@code errors}; if one is, the call fails
 * transiently when every error of it is retryable (status 429 or 5xx) and permanently otherwise
 * (400 validation errors). Only those calls are re-sent; the calls accepted in the same request
 * are not. Other statuses follow {@link HttpSupport} (401 bad keys: permanent).
 *
 * <p>Only {@code POST} events are sent; others are skipped. A batch is split into requests of at
 * most {@code max_batch_bytes} (default 3 MB; Langfuse's limit is 3.5 MB), sent in parallel.
 * Thread-safe.
 */
public final class LangfuseDispatcher implements Dispatcher {

    public static final String DEFAULT_HOST = "https://cloud.langfuse.com";
    public static final String INGESTION_PATH = "/api/public/ingestion";
    public static final int DEFAULT_MAX_BATCH_BYTES = 3_000_000;

    private static final Set<String> NOT_PARAMS = Set.of("messages", "model", "input", "prompt", "instructions",
            "tools", "functions", "stream_options", "metadata", "user");

    private final URI endpoint;
    private final String authorization;
    private final HttpClient client;
    private final Duration requestTimeout;
    private final long maxBatchBytes;

    /**
     * @param endpoint the full ingestion URL
     * @param publicKey the project's public key
     * @param secretKey the project's secret key; never logged
     * @param connectTimeout TCP connect timeout
     * @param requestTimeout whole-request timeout
     * @param maxBatchBytes largest request body
     */
    public LangfuseDispatcher(URI endpoint, String publicKey, String secretKey, Duration connectTimeout,
                              Duration requestTimeout, long maxBatchBytes) {
        this.endpoint = endpoint;
        this.authorization = "Basic " + Base64.getEncoder()
                .encodeToString((publicKey + ":" + secretKey).getBytes(StandardCharsets.UTF_8));
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
        return SizedBatches.sendInParts(batch, LangfuseDispatcher::envelopes, maxBatchBytes - 200, this::post);
    }

    private CompletableFuture<DispatchResult> post(List<SizedBatches.Encoded> group) {
        ObjectNode body = JsonSupport.object();
        ArrayNode batch = body.putArray("batch");
        List<DispatchEvent> events = new ArrayList<>(group.size());
        Map<String, DispatchEvent> byEnvelope = new HashMap<>();
        for (SizedBatches.Encoded item : group) {
            for (ObjectNode env : item.records()) {
                batch.add(env);
                byEnvelope.put(env.get("id").asText(), item.event());
            }
            events.add(item.event());
        }
        body.putObject("metadata").put("sdk_name", "llm-proxy-java");
        HttpRequest request = HttpSupport.jsonPost(endpoint, requestTimeout, JsonSupport.toBytes(body))
                .header("Authorization", authorization)
                .build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .handle((response, failure) -> {
                    if (failure != null) {
                        return DispatchResult.all(events, HttpSupport.outcomeOf("langfuse", failure));
                    }
                    if (!HttpSupport.isSuccess(response.statusCode())) {
                        return DispatchResult.all(events, HttpSupport.outcomeOf("langfuse", response.statusCode(),
                                response.headers(), response.body()));
                    }
                    return checkResults(events, byEnvelope, response.body());
                });
    }

    /** Reads the 207 body: per call, accepted unless one of its envelopes is in {@code errors}. */
    static DispatchResult checkResults(List<DispatchEvent> events, Map<String, DispatchEvent> byEnvelope, String body) {
        JsonNode errors;
        try {
            errors = JsonSupport.parse(body == null ? "" : body).path("errors");
        } catch (IOException | RuntimeException e) {
            return DispatchResult.allAccepted(events);
        }
        Map<String, List<JsonNode>> errorsByEvent = new HashMap<>();
        for (JsonNode err : errors) {
            DispatchEvent e = byEnvelope.get(err.path("id").asText());
            if (e != null) {
                errorsByEvent.computeIfAbsent(e.id(), k -> new ArrayList<>()).add(err);
            }
        }
        DispatchResult.Builder b = DispatchResult.builder();
        for (DispatchEvent e : events) {
            List<JsonNode> errs = errorsByEvent.get(e.id());
            if (errs == null) {
                b.accepted(e);
                continue;
            }
            boolean retryable = true;
            StringBuilder why = new StringBuilder("langfuse rejected run ").append(e.runId()).append(':');
            for (JsonNode err : errs) {
                int status = err.path("status").asInt(500);
                retryable &= HttpSupport.isTransient(status);
                String message = err.path("message").asText(err.path("error").toString());
                why.append(' ').append(status).append(' ').append(HttpSupport.excerpt(message));
            }
            if (retryable) {
                b.transientFailure(e, why.toString(), null);
            } else {
                b.permanentFailure(e, why.toString());
            }
        }
        return b.build();
    }

    /** The trace-create and generation-create envelopes of one call. */
    static List<ObjectNode> envelopes(DispatchEvent e) {
        ObjectNode rich = e.toJson();
        JsonNode metadata = rich.get("metadata");
        JsonNode input = e.input();
        JsonNode output = e.output();
        JsonNode messagesIn = generationInput(input);
        JsonNode messageOut = generationOutput(output);
        String timestamp = JsonSupport.iso(e.startTime());

        ObjectNode trace = JsonSupport.object();
        trace.put("id", e.runId());
        trace.put("timestamp", timestamp);
        trace.put("name", e.event().method() + " " + e.event().path());
        if (messagesIn != null) {
            trace.set("input", messagesIn);
        }
        if (messageOut != null) {
            trace.set("output", messageOut);
        }
        trace.set("metadata", metadata);
        trace.putArray("tags").add("llm-proxy");

        ObjectNode gen = JsonSupport.object();
        gen.put("id", derivedId(e.runId(), "generation"));
        gen.put("traceId", e.runId());
        gen.put("name", operation(e.event().path()));
        gen.put("startTime", timestamp);
        gen.put("endTime", JsonSupport.iso(e.endTime()));
        if (e.firstTokenTime() != null) {
            gen.put("completionStartTime", JsonSupport.iso(e.firstTokenTime()));
        }
        if (e.model() != null) {
            gen.put("model", e.model());
        }
        ObjectNode params = modelParameters(input);
        if (!params.isEmpty()) {
            gen.set("modelParameters", params);
        }
        if (messagesIn != null) {
            gen.set("input", messagesIn);
        }
        if (messageOut != null) {
            gen.set("output", messageOut);
        }
        TokenUsage u = e.usage();
        if (u.isKnown()) {
            ObjectNode details = gen.putObject("usageDetails");
            if (u.prompt() != null) {
                details.put("input", u.prompt());
            }
            if (u.completion() != null) {
                details.put("output", u.completion());
            }
            if (u.total() != null) {
                details.put("total", u.total());
            }
        }
        if (e.isError()) {
            gen.put("level", "ERROR");
            gen.put("statusMessage", e.errorMessage());
        } else {
            gen.put("level", "DEFAULT");
        }
        gen.set("metadata", metadata);

        return List.of(envelope(e, "trace-create", timestamp, trace), envelope(e, "generation-create", timestamp, gen));
    }

    private static ObjectNode envelope(DispatchEvent e, String type, String timestamp, ObjectNode body) {
        ObjectNode env = JsonSupport.object();
        env.put("id", derivedId(e.runId(), type));
        env.put("type", type);
        env.put("timestamp", timestamp);
        env.set("body", body);
        return env;
    }

    static String derivedId(String runId, String what) {
        return UUID.nameUUIDFromBytes((runId + ":" + what).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** {@code /v1/chat/completions} → {@code chat.completions}. */
    private static String operation(String path) {
        String p = path.startsWith("/v1/") ? path.substring(4) : path.replaceFirst("^/", "");
        return p.isEmpty() ? "llm-call" : p.replace('/', '.');
    }

    private static JsonNode generationInput(JsonNode input) {
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

    private static JsonNode generationOutput(JsonNode output) {
        if (output == null || !output.isObject()) {
            return output;
        }
        JsonNode choices = output.get("choices");
        if (choices != null && choices.isArray() && choices.size() == 1) {
            JsonNode c = choices.get(0);
            if (c.path("message").isObject()) {
                return c.get("message");
            }
            if (c.has("text")) {
                return c.get("text");
            }
        }
        if ("list".equals(output.path("object").asText()) && output.path("data").isArray()) {
            return JsonSupport.object().put("embeddings", output.get("data").size());
        }
        return output;
    }

    /** Scalar request parameters as Langfuse's {@code MapValue}: string, integer, boolean or string list. */
    private static ObjectNode modelParameters(JsonNode input) {
        ObjectNode params = JsonSupport.object();
        if (input == null || !input.isObject()) {
            return params;
        }
        input.properties().forEach(f -> {
            String k = f.getKey();
            JsonNode v = f.getValue();
            if (NOT_PARAMS.contains(k) || v.isNull()) {
                return;
            }
            if (v.isIntegralNumber() && v.canConvertToInt()) {
                params.put(k, v.asInt());
            } else if (v.isBoolean()) {
                params.put(k, v.asBoolean());
            } else if (v.isTextual()) {
                params.put(k, v.asText());
            } else if (v.isNumber()) {
                params.put(k, v.asText());
            } else if (v.isArray() && allText(v)) {
                params.set(k, v);
            } else {
                params.put(k, v.toString());
            }
        });
        return params;
    }

    private static boolean allText(JsonNode array) {
        for (JsonNode n : array) {
            if (!n.isTextual()) {
                return false;
            }
        }
        return true;
    }
}
