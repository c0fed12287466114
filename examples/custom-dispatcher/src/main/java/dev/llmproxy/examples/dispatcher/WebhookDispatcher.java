package dev.llmproxy.examples.dispatcher;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmproxy.dispatch.DispatchEvent;
import dev.llmproxy.dispatch.DispatchResult;
import dev.llmproxy.dispatch.Dispatcher;
import dev.llmproxy.dispatch.DispatcherConfig;
import dev.llmproxy.dispatch.JsonSupport;
import dev.llmproxy.dispatch.http.HttpSupport;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Sends a whole batch in one request: {@code POST <endpoint>} with
 * {@code {"events":[<rich record>, ...]}} ({@link DispatchEvent#toJson()}). The webhook either
 * takes the batch or not, so the result covers every event alike: 2xx accepted; 5xx, 429 and
 * connection failures transient (the service retries the batch); other answers permanent.
 * {@link HttpSupport} does the classification and keeps failure reasons free of secrets.
 */
final class WebhookDispatcher implements Dispatcher {

    private final URI endpoint;
    private final String apiKey;
    private final Duration timeout;
    private final HttpClient client = HttpSupport.newClient(DispatcherConfig.DEFAULT_CONNECT_TIMEOUT);

    WebhookDispatcher(URI endpoint, String apiKey, Duration timeout) {
        this.endpoint = endpoint;
        this.apiKey = apiKey;
        this.timeout = timeout;
    }

    @Override
    public CompletionStage<DispatchResult> send(List<DispatchEvent> batch) {
        ObjectNode body = JsonSupport.object();
        ArrayNode events = body.putArray("events");
        batch.forEach(e -> events.add(e.toJson()));
        HttpRequest.Builder request = HttpSupport.jsonPost(endpoint, timeout, JsonSupport.toBytes(body));
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        return client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
                .handle((response, failure) -> {
                    if (failure != null) {
                        return DispatchResult.all(batch, HttpSupport.outcomeOf("webhook", failure));
                    }
                    if (HttpSupport.isSuccess(response.statusCode())) {
                        return DispatchResult.allAccepted(batch);
                    }
                    return DispatchResult.all(batch, HttpSupport.outcomeOf("webhook", response.statusCode(),
                            response.headers(), response.body()));
                });
    }
}
