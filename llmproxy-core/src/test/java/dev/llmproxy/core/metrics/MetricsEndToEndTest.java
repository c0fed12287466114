package dev.llmproxy.core.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.core.LlmProxy;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBuses;
import dev.llmproxy.testing.MockOpenAiUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** After N requests the counters and histograms hold exactly N, in both exposition formats. */
class MetricsEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private MockOpenAiUpstream upstream;
    private EventBus bus;
    private LlmProxy proxy;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() {
        upstream = MockOpenAiUpstream.start();
        bus = EventBuses.load("in-memory", ComponentConfig.of(Map.of()));
        proxy = LlmProxy.builder().listen("127.0.0.1", 0).provider(ProviderConfig.openAi(upstream.baseUri()))
                .upstreamApiKey("sk-upstream").eventBus(bus).build().start();
    }

    @AfterEach
    void stop() {
        proxy.close();
        bus.close(Duration.ofSeconds(2));
        upstream.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.localAddress().getPort() + path))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> chat() throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.localAddress().getPort()
                        + "/v1/chat/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o\",\"messages\":[]}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static double sample(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(text);
        assertThat(m.find()).as("series %s in%n%s", series, text).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void countersAndHistograms_holdExactlyTheRequestsMade() throws Exception {
        int n = 7;
        for (int i = 0; i < n; i++) {
            assertThat(chat().statusCode()).isEqualTo(200);
        }
        assertThat(get("/v1/not-allowed").statusCode()).isEqualTo(404); // a proxy error, counted too

        HttpResponse<String> prom = get("/metrics/prometheus");
        // Events and token counts are finished off the event loop just after each answer went
        // out (ExchangeCompletions): scrape again until the last one is in (no timing asserted).
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (!prom.body().contains("llm_proxy_events_published_total " + (double) n) && System.nanoTime() < deadline) {
            Thread.sleep(10);
            prom = get("/metrics/prometheus");
        }
        assertThat(prom.statusCode()).isEqualTo(200);
        assertThat(prom.headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
        String text = prom.body();
        assertThat(sample(text, "llm_proxy_requests_total")).isEqualTo(n + 1);
        assertThat(sample(text, "llm_proxy_errors_total")).isEqualTo(1);
        assertThat(sample(text, "llm_requests_total{provider=\"openai\",status=\"200\",}")).isEqualTo(n);
        assertThat(sample(text, "llm_requests_total{provider=\"openai\",status=\"404\",}")).isEqualTo(1);
        assertThat(sample(text, "llm_request_duration_seconds_count{provider=\"openai\",}")).isEqualTo(n + 1);
        assertThat(sample(text, "llm_time_to_first_token_seconds_count{provider=\"openai\",}")).as("upstream answers only").isEqualTo(n);
        // Every observation lands in exactly one bucket: +Inf holds them all, and the sum is real time.
        assertThat(sample(text, "llm_request_duration_seconds_bucket{provider=\"openai\",le=\"+Inf\",}")).isEqualTo(n + 1);
        assertThat(sample(text, "llm_time_to_first_token_seconds_bucket{provider=\"openai\",le=\"+Inf\",}")).isEqualTo(n);
        assertThat(sample(text, "llm_request_duration_seconds_sum{provider=\"openai\",}")).isPositive();
        assertThat(sample(text, "llm_request_duration_seconds_bucket{provider=\"openai\",le=\"300.0\",}")).isEqualTo(n + 1);
        assertThat(sample(text, "llm_proxy_errors_by_code_total{code=\"endpoint_not_found\",}")).isEqualTo(1);
        assertThat(sample(text, "llm_proxy_events_published_total")).isEqualTo(n);
        assertThat(sample(text, "llm_proxy_uptime_seconds")).isPositive();
        assertThat(sample(text, "llm_proxy_goroutines")).isPositive();
        // The mock reports usage on every completion: tokens are counted per model.
        assertThat(sample(text, "llm_tokens_total{project=\"none\",model=\"gpt-4o\",type=\"completion\",}")).isPositive();
        assertThat(text).doesNotContain("/v1/chat/completions").doesNotContain("sk-upstream");

        JsonNode json = JSON.readTree(get("/metrics").body());
        assertThat(json.get("request_count").asLong()).isEqualTo(n + 1);
        assertThat(json.get("error_count").asLong()).isEqualTo(1);
        assertThat(json.has("uptime_seconds")).isTrue();
        assertThat(json.has("cache_hits")).isTrue();
    }

    @Test
    void metricsOff_endpointsAnswer404() throws Exception {
        proxy.close();
        proxy = LlmProxy.builder().listen("127.0.0.1", 0).provider(ProviderConfig.openAi(upstream.baseUri()))
                .metrics(false).build().start();
        assertThat(get("/metrics").statusCode()).isEqualTo(404);
        assertThat(get("/metrics/prometheus").statusCode()).isEqualTo(404);
    }
}
