package dev.llmproxy.dispatch.helicone;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmproxy.dispatch.DispatchEvent;
import dev.llmproxy.dispatch.DispatchResult;
import dev.llmproxy.dispatch.Dispatcher;
import dev.llmproxy.dispatch.JsonSupport;
import dev.llmproxy.dispatch.TokenUsage;
import dev.llmproxy.dispatch.http.HttpSupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Sends each call to Helicone's manual logger: {@code POST <endpoint>} (default
 * {@value #DEFAULT_ENDPOINT}, the OpenAI route, so Helicone classifies the provider as OpenAI and
 * prices the call; {@code /custom/v1/log} logs a custom model) with
 * {@code Authorization: Bearer <api_key>}, one request per call (Helicone has no batch format):
 *
 * <pre>{@code
 * {"providerRequest": {"url": "/v1/chat/completions",
 *                      "json": {<request body>, "stream": true if streamed},
 *                      "meta": {"Helicone-Request-Id": <runId>, "Helicone-Property-Request-Id": <request id>,
 *                               "Helicone-Property-Project-Id": ..., "Helicone-Property-Token-Id": ...}},
 *  "providerResponse": {"status": 200, "headers": {},
 *                       "json": {<response, stream reassembled>, "usage": {prompt_tokens, completion_tokens, total_tokens}},
 *                       "textBody": <only for a response that is text, not JSON>},
 *  "timing": {"startTime": {"seconds": s, "milliseconds": ms}, "endTime": {...}, "timeToFirstToken": <ms, streams>}}
 * }</pre>
 * Start and end are the request's real arrival and completion (the original sent the same
 * instant twice, i.e. zero latency); {@code timeToFirstToken} is the proxy's TTFT. Usage is
 * injected into the response JSON when it has none (a stream without {@code include_usage}, with
 * jtokkit counts), so Helicone can price the call. A request body that is not a JSON object is
 * sent as {@code {}}; a response that is text goes in {@code textBody} with {@code json: {}}.
 *
 * <p><b>Results.</b> Each call's answer decides that call alone, so a batch with one failure
 * never re-sends the others (the original retried the whole batch). 2xx is accepted, except a 2xx
 * whose body is a JSON object with an {@code error} (Helicone could not store the log: transient).
 * Other statuses follow {@link HttpSupport}: 5xx/429 transient, 400 (validation, payload over
 * 10 MB) and other 4xx permanent.
 *
 * <p>Only {@code POST} events are sent; others are skipped. At most {@code max_concurrency}
 * requests are in flight. Thread-safe.
 */
public final class HeliconeDispatcher implements Dispatcher {

    public static final String DEFAULT_ENDPOINT = "https://api.worker.helicone.ai/oai/v1/log";
    public static final String OPENAI_LOG_PATH = "/oai/v1/log";
    public static final int DEFAULT_MAX_CONCURRENCY = 8;

    private final URI endpoint;
    private final String apiKey;
    private final HttpClient client;
    private final Duration requestTimeout;
    private final int maxConcurrency;

    /**
     * @param endpoint the full log URL
     * @param apiKey the Helicone key; never logged
     * @param connectTimeout TCP connect timeout
     * @param requestTimeout whole-request timeout
     * @param maxConcurrency requests in flight at once
     */
    public HeliconeDispatcher(URI endpoint, String apiKey, Duration connectTimeout, Duration requestTimeout,
                              int maxConcurrency) {
        this.endpoint = endpoint;
        this.apiKey = apiKey;
        this.client = HttpSupport.newClient(connectTimeout);
        this.requestTimeout = requestTimeout;
        this.maxConcurrency = maxConcurrency;
    }

    /** The log URL. */
    public URI endpoint() {
        return endpoint;
    }

    @Override
    public boolean accepts(DispatchEvent event) {
        return "POST".equals(event.event().method());
    }

    @Override
    public CompletionStage<DispatchResult> send(List<DispatchEvent> batch) {
        // maxConcurrency lanes, each posting its events one after the other.
        int lanes = Math.min(maxConcurrency, batch.size());
        List<CompletableFuture<DispatchResult>> results = new ArrayList<>(lanes);
        for (int lane = 0; lane < lanes; lane++) {
            CompletableFuture<DispatchResult> chain = CompletableFuture.completedFuture(DispatchResult.empty());
            for (int i = lane; i < batch.size(); i += lanes) {
                DispatchEvent e = batch.get(i);
                chain = chain.thenCompose(acc -> post(e).thenApply(acc::merge));
            }
            results.add(chain);
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(v -> {
            DispatchResult merged = DispatchResult.empty();
            for (CompletableFuture<DispatchResult> r : results) {
                merged = merged.merge(r.join());
            }
            return merged;
        });
    }

    private CompletableFuture<DispatchResult> post(DispatchEvent e) {
        HttpRequest request = HttpSupport.jsonPost(endpoint, requestTimeout, JsonSupport.toBytes(payload(e)))
                .header("Authorization", "Bearer " + apiKey)
                .build();
        List<DispatchEvent> one = List.of(e);
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .handle((response, failure) -> {
                    if (failure != null) {
                        return DispatchResult.all(one, HttpSupport.outcomeOf("helicone", failure));
                    }
                    if (!HttpSupport.isSuccess(response.statusCode())) {
                        return DispatchResult.all(one, HttpSupport.outcomeOf("helicone", response.statusCode(),
                                response.headers(), response.body()));
                    }
                    String storeError = storeError(response.body());
                    if (storeError != null) {
                        return DispatchResult.all(one, DispatchResult.Outcome.transientFailure(
                                "helicone could not store the log: " + HttpSupport.excerpt(storeError), null));
                    }
                    return DispatchResult.allAccepted(one);
                });
    }

    /** Helicone answers 200 {@code {"error": ...}} when storing failed; null when the body is not that. */
    private static String storeError(String body) {
        if (body == null || !body.stripLeading().startsWith("{")) {
            return null;
        }
        try {
            JsonNode n = JsonSupport.parse(body);
            JsonNode err = n.get("error");
            return err == null || err.isNull() ? null : (err.isTextual() ? err.asText() : err.toString());
        } catch (IOException | RuntimeException notJson) {
            return null;
        }
    }

    /** The manual-logger body of one call. */
    static ObjectNode payload(DispatchEvent e) {
        ObjectNode body = JsonSupport.object();

        ObjectNode request = body.putObject("providerRequest");
        request.put("url", e.event().path());
        JsonNode input = e.input();
        ObjectNode requestJson = input != null && input.isObject() ? (ObjectNode) input : JsonSupport.object();
        if (e.event().streamed()) {
            requestJson.put("stream", true); // Helicone stores TTFT only for streamed requests
        }
        request.set("json", requestJson);
        ObjectNode meta = request.putObject("meta");
        meta.put("Helicone-Request-Id", e.runId());
        meta.put("Helicone-Property-Request-Id", e.requestId());
        if (e.event().projectId() != null) {
            meta.put("Helicone-Property-Project-Id", e.event().projectId());
        }
        if (e.event().tokenId() != null) {
            meta.put("Helicone-Property-Token-Id", e.event().tokenId());
        }

        ObjectNode response = body.putObject("providerResponse");
        response.put("status", e.event().status());
        response.putObject("headers");
        JsonNode output = e.output();
        if (output != null && output.isObject()) {
            ObjectNode json = (ObjectNode) output;
            injectUsage(json, e.usage());
            response.set("json", json);
        } else {
            response.putObject("json");
            if (output != null) {
                response.put("textBody", output.isTextual() ? output.asText() : output.toString());
            }
        }

        ObjectNode timing = body.putObject("timing");
        timing.set("startTime", time(e.startTime()));
        timing.set("endTime", time(e.endTime()));
        if (e.event().ttftMillis() != null) {
            timing.put("timeToFirstToken", e.event().ttftMillis());
        }
        return body;
    }

    private static void injectUsage(ObjectNode json, TokenUsage usage) {
        JsonNode existing = json.get("usage");
        if ((existing != null && existing.isObject() && existing.has("prompt_tokens")) || !usage.isKnown()) {
            return;
        }
        ObjectNode u = json.putObject("usage");
        int prompt = usage.prompt() != null ? usage.prompt() : 0;
        int completion = usage.completion() != null ? usage.completion() : 0;
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", completion);
        u.put("total_tokens", usage.total() != null ? usage.total() : prompt + completion);
    }

    private static ObjectNode time(Instant t) {
        ObjectNode o = JsonSupport.object();
        o.put("seconds", t.getEpochSecond());
        o.put("milliseconds", t.getNano() / 1_000_000);
        return o;
    }
}
