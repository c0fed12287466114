package dev.llmproxy.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.core.route.UpstreamProbeConfig;
import dev.llmproxy.testing.MockOpenAiUpstream;
import dev.llmproxy.testing.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Active probes through a real proxy and two real mock upstreams: a killed upstream's circuit is
 * opened by probes alone (no client request), traffic goes to the other one without a failed
 * request, both down makes {@code /ready} 503, and bringing the upstream back on the same port
 * closes its circuit through a probe.
 */
class UpstreamProbeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private MockOpenAiUpstream a;
    private MockOpenAiUpstream b;
    private LlmProxy proxy;

    @AfterEach
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {proxy, a, b}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    private LlmProxy start(UpstreamProbeConfig probes, URI... upstreams) {
        ProviderConfig provider = new ProviderConfig("test", List.of(upstreams), List.of("/v1/"), Set.of(),
                ProviderConfig.Timeouts.DEFAULTS, Map.of(), List.of(), Set.of(), Map.of(), probes);
        return LlmProxy.builder().listen("127.0.0.1", 0).provider(provider).upstreamApiKey("sk-upstream-secret")
                .ioThreads(1).build().start();
    }

    private static UpstreamProbeConfig fastProbes() {
        return UpstreamProbeConfig.DEFAULTS.withInterval(Duration.ofMillis(150)).withTimeout(Duration.ofSeconds(1));
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

    private JsonNode upstream(int index) throws Exception {
        return JSON.readTree(get("/health/details").body()).get("upstreams").get(index);
    }

    /** Polls {@code /health/details} until upstream {@code index} matches. */
    private JsonNode awaitUpstream(int index, Predicate<JsonNode> condition, String what) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode u = upstream(index);
        while (!condition.test(u)) {
            assertThat(System.nanoTime()).as("waiting for %s; last: %s", what, u).isLessThan(deadline);
            Thread.sleep(50);
            u = upstream(index);
        }
        return u;
    }

    private void awaitReady(int status) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (get("/ready").statusCode() != status) {
            assertThat(System.nanoTime()).as("waiting for /ready %d", status).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static long chats(MockOpenAiUpstream m) {
        return m.requests().stream().map(RecordedRequest::path).filter("/v1/chat/completions"::equals).count();
    }

    @Test
    void probesOpenAKilledUpstreamsCircuit_withoutClientTraffic_andCloseItWhenItComesBack() throws Exception {
        a = MockOpenAiUpstream.start();
        b = MockOpenAiUpstream.start();
        int portA = a.port();
        proxy = start(fastProbes(), a.baseUri(), b.baseUri());

        // Both probed and healthy; the probe is a plain GET /v1/models without the provider key.
        awaitUpstream(0, u -> u.get("last_probe").isObject(), "a first probe of a");
        awaitUpstream(1, u -> u.get("last_probe").isObject(), "a first probe of b");
        RecordedRequest probe = a.requests().get(0);
        assertThat(probe.method()).isEqualTo("GET");
        assertThat(probe.path()).isEqualTo("/v1/models");
        assertThat(probe.header("Authorization")).isNull();
        assertThat(upstream(0).get("state").asText()).isEqualTo("closed");
        assertThat(upstream(0).get("last_probe").get("result").asText()).isEqualTo("success");
        assertThat(upstream(0).get("last_probe").get("status").asInt()).isEqualTo(200);

        a.close(); // killed: no client request follows, only probes notice
        JsonNode down = awaitUpstream(0, u -> u.get("state").asText().equals("open"), "probes to open a's circuit");
        assertThat(down.get("available").asBoolean()).isFalse();
        assertThat(down.get("last_probe").get("result").asText()).isEqualTo("failure");
        assertThat(down.get("last_probe").get("error").asText()).isEqualTo("connect failed");
        assertThat(down.get("last_probe").get("consecutive_failures").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(down.get("consecutive_failures").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(down.get("last_failure").asText()).isEqualTo("probe: connect failed");
        assertThat(down.get("last_failure_at").asText()).isNotEmpty();
        assertThat(down.get("last_probe").get("at").asText()).isNotEmpty();
        assertThat(get("/ready").statusCode()).isEqualTo(200);
        String metrics = get("/metrics/prometheus").body();
        assertThat(metrics).contains("llm_proxy_upstream_up{upstream=\"127.0.0.1:" + portA + "\",} 0.0")
                .contains("llm_proxy_upstream_up{upstream=\"127.0.0.1:" + b.port() + "\",} 1.0")
                .contains("llm_proxy_upstream_circuit_state{upstream=\"127.0.0.1:" + portA + "\",} 2.0");

        for (int i = 0; i < 20; i++) {
            assertThat(chat().statusCode()).as("request %d", i).isEqualTo(200);
        }
        assertThat(chats(b)).isEqualTo(20);
        // Skipped, not tried: every failure recorded for a is a probe's (a probe finishing between the
        // two reads may add one), none is a client request's.
        JsonNode afterTraffic = upstream(0);
        assertThat(afterTraffic.get("total_failures").asLong() - afterTraffic.get("last_probe").get("failures").asLong())
                .as("failures of a from client requests").isBetween(0L, 1L);

        b.close(); // both down
        awaitUpstream(1, u -> u.get("state").asText().equals("open"), "probes to open b's circuit");
        awaitReady(503);
        JsonNode details = JSON.readTree(get("/health/details").body());
        assertThat(details.get("status").asText()).isEqualTo("not_ready");
        assertThat(details.get("checks").get("upstream_available").asBoolean()).isFalse();

        a = MockOpenAiUpstream.start(portA); // back on the same port
        JsonNode back = awaitUpstream(0, u -> u.get("state").asText().equals("closed"), "a probe to close a's circuit");
        assertThat(back.get("last_probe").get("result").asText()).isEqualTo("success");
        assertThat(back.get("consecutive_failures").asInt()).isZero();
        awaitReady(200);
        for (int i = 0; i < 5; i++) {
            assertThat(chat().statusCode()).as("request %d after recovery", i).isEqualTo(200);
        }
        assertThat(chats(a)).isEqualTo(5);
    }

    @Test
    void a5xxProbeFails_butA4xxProbeMeansReachable_andTheKeyIsSentOnlyWhenConfigured() throws Exception {
        a = MockOpenAiUpstream.start();
        a.setDefaultBehavior(dev.llmproxy.testing.Behavior.status(401));
        UpstreamProbeConfig withKey = new UpstreamProbeConfig(true, "/v1/models", "GET", Duration.ofMillis(150),
                Duration.ofSeconds(1), 2, UpstreamProbeConfig.DEFAULT_HEALTHY, true);
        proxy = start(withKey, a.baseUri());
        JsonNode u = awaitUpstream(0, x -> x.get("last_probe").isObject(), "a first probe");
        assertThat(u.get("last_probe").get("status").asInt()).isEqualTo(401);
        assertThat(u.get("last_probe").get("result").asText()).isEqualTo("success");
        assertThat(u.get("state").asText()).isEqualTo("closed");
        assertThat(a.requests().get(0).header("Authorization")).isEqualTo("Bearer sk-upstream-secret");

        a.setDefaultBehavior(dev.llmproxy.testing.Behavior.status(503));
        JsonNode open = awaitUpstream(0, x -> x.get("state").asText().equals("open"), "5xx probes to open the circuit");
        assertThat(open.get("last_probe").get("error").asText()).isEqualTo("HTTP 503");
        awaitReady(503);
        // The secret never shows up in the health report.
        assertThat(get("/health/details").body()).doesNotContain("sk-upstream-secret");
    }

    @Test
    void aProbeThatGetsNoAnswerInTime_failsWithATimeout() throws Exception {
        a = MockOpenAiUpstream.start();
        a.setDefaultBehavior(dev.llmproxy.testing.Behavior.stall());
        UpstreamProbeConfig quick = fastProbes().withTimeout(Duration.ofMillis(300));
        proxy = start(quick, a.baseUri());
        JsonNode u = awaitUpstream(0, x -> x.get("state").asText().equals("open"), "timed-out probes to open it");
        assertThat(u.get("last_probe").get("error").asText()).isEqualTo("timed out after 300 ms");
        assertThat(u.get("last_probe").get("latency_ms").asDouble()).isGreaterThanOrEqualTo(250);
    }
}
