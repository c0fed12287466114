package dev.llmproxy.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.testing.Behavior;
import dev.llmproxy.testing.MockOpenAiUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Upstream health through a real proxy: a killed upstream's circuit opens, traffic moves to the
 * healthy one without failed requests, and {@code /ready} and {@code /health/details} say so.
 */
class UpstreamHealthTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private MockOpenAiUpstream a;
    private MockOpenAiUpstream b;
    private LlmProxy proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    private LlmProxy start(URI... upstreams) {
        ProviderConfig provider = new ProviderConfig("test", List.of(upstreams), List.of("/v1/"), Set.of(),
                ProviderConfig.Timeouts.DEFAULTS, Map.of(), List.of(), Set.of(), Map.of());
        return LlmProxy.builder().listen("127.0.0.1", 0).provider(provider).upstreamApiKey("sk-upstream").ioThreads(1)
                .build().start();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.localAddress().getPort() + path))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void killedUpstream_trafficMovesToTheHealthyOne_withoutFailedRequests_andItsCircuitOpens() throws Exception {
        a = MockOpenAiUpstream.start();
        b = MockOpenAiUpstream.start();
        proxy = start(a.baseUri(), b.baseUri());
        assertThat(get("/v1/models").statusCode()).isEqualTo(200);
        assertThat(a.requestCount()).isEqualTo(1);

        a.close(); // killed
        for (int i = 0; i < 20; i++) {
            assertThat(get("/v1/models").statusCode()).as("request %d", i).isEqualTo(200);
        }
        assertThat(b.requestCount()).isEqualTo(20);

        HttpResponse<String> details = get("/health/details");
        assertThat(details.statusCode()).isEqualTo(200);
        JsonNode upstreams = JSON.readTree(details.body()).get("upstreams");
        assertThat(upstreams.get(0).get("state").asText()).isEqualTo("open");
        assertThat(upstreams.get(0).get("last_failure").asText()).isEqualTo("connect failed");
        assertThat(upstreams.get(1).get("state").asText()).isEqualTo("closed");
        assertThat(get("/ready").statusCode()).isEqualTo(200);
    }

    @Test
    void onlyUpstreamFailing_opensTheCircuit_andReadyReportsNotReady() throws Exception {
        a = MockOpenAiUpstream.start();
        a.setDefaultBehavior(Behavior.status(503));
        proxy = start(a.baseUri());
        assertThat(get("/ready").statusCode()).isEqualTo(200);
        for (int i = 0; i < 5; i++) {
            assertThat(get("/v1/models").statusCode()).isEqualTo(503);
        }
        HttpResponse<String> ready = get("/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        JsonNode details = JSON.readTree(get("/health/details").body());
        assertThat(details.get("status").asText()).isEqualTo("not_ready");
        assertThat(details.get("upstreams").get(0).get("state").asText()).isEqualTo("open");
        assertThat(details.get("upstreams").get(0).get("consecutive_failures").asInt()).isEqualTo(5);
        // The proxy keeps trying rather than refusing outright when every upstream looks down.
        assertThat(get("/v1/models").statusCode()).isEqualTo(503);
        assertThat(a.requestCount()).isEqualTo(6);
    }
}
