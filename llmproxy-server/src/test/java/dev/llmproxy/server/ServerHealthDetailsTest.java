package dev.llmproxy.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.eventbus.testing.RedisTestSupport;
import dev.llmproxy.eventbus.testing.TcpProxy;
import dev.llmproxy.testing.MockOpenAiUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /health/details} and {@code /ready} of a real {@code llm-proxy server}: real SQLite, real
 * Redis ({@code REDIS_ADDR}, reached through a TCP proxy that the test can cut), the in-memory
 * event bus and cache, and an upstream probed every 200 ms.
 */
class ServerHealthDetailsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final RedisTestSupport redis = new RedisTestSupport();

    @TempDir
    Path dir;

    private MockOpenAiUpstream upstream;
    private TcpProxy redisLink;
    private RunningServer server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (redisLink != null) {
            redisLink.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private JsonNode details() throws Exception {
        return JSON.readTree(server.send("GET", "/health/details", null).body());
    }

    private JsonNode await(Predicate<JsonNode> condition, String what) throws Exception {
        long deadline = System.nanoTime() + RunningServer.WAIT.toNanos();
        JsonNode d = details();
        while (!condition.test(d)) {
            assertThat(System.nanoTime()).as("waiting for %s; last: %s", what, d).isLessThan(deadline);
            Thread.sleep(100);
            d = details();
        }
        return d;
    }

    @Test
    void detailsShowDatabaseRedisEventBusCacheAndUpstream_andReadyFollowsRedis() throws Exception {
        upstream = MockOpenAiUpstream.start();
        redisLink = new TcpProxy(redis.host(), redis.port());
        server = new RunningServer(dir, Map.of("OPENAI_API_URL", upstream.baseUri().toString(),
                "REDIS_ADDR", redis.url("127.0.0.1", redisLink.port()),
                "UPSTREAM_PROBE_ENABLED", "true", "UPSTREAM_PROBE_INTERVAL", "200ms"));
        String token = server.projectToken("health", "sk-health-0123456789");
        assertThat(server.chat(token).statusCode()).isEqualTo(200);
        // A GET is cacheable: one cache miss (the POST above bypassed the cache).
        assertThat(server.send("GET", "/v1/models", null, "Authorization", "Bearer " + token).statusCode())
                .isEqualTo(200);

        // Events are published off the event loop just after each answer: wait for both as well.
        JsonNode d = await(x -> x.get("upstreams").get(0).get("last_probe").isObject()
                && x.get("components").get("event_bus").get("published").asLong() >= 2, "a first probe and both events");
        assertThat(server.send("GET", "/ready", null).statusCode()).isEqualTo(200);
        assertThat(d.get("status").asText()).isEqualTo("ok");
        JsonNode c = d.get("components");
        assertThat(c.get("database").get("status").asText()).isEqualTo("up");
        assertThat(c.get("database").get("driver").asText()).isEqualTo("sqlite");
        assertThat(c.get("database").get("required").asBoolean()).isTrue();
        assertThat(c.get("database").get("latency_ms").asDouble()).isGreaterThanOrEqualTo(0);
        assertThat(c.get("database").get("checked_at").asText()).isNotEmpty();
        assertThat(c.get("redis").get("status").asText()).isEqualTo("up");
        assertThat(c.get("redis").get("endpoint").asText()).contains("127.0.0.1:" + redisLink.port());
        assertThat(c.get("redis").get("latency_ms").asDouble()).isGreaterThanOrEqualTo(0);
        assertThat(c.get("event_bus").get("type").asText()).isEqualTo("in-memory");
        assertThat(c.get("event_bus").get("published").asLong()).isEqualTo(2);
        assertThat(c.get("event_bus").get("dropped").asLong()).isZero();
        assertThat(c.get("event_bus").has("queue_depth")).isTrue();
        assertThat(c.get("response_cache").get("backend").asText()).isEqualTo("in-memory");
        assertThat(c.get("response_cache").get("misses").asLong()).isEqualTo(1);
        JsonNode u = d.get("upstreams").get(0);
        assertThat(u.get("upstream").asText()).isEqualTo("127.0.0.1:" + upstream.port());
        assertThat(u.get("state").asText()).isEqualTo("closed");
        assertThat(u.get("last_probe").get("result").asText()).isEqualTo("success");
        assertThat(d.get("probes_enabled").asBoolean()).isTrue();
        String prom = server.send("GET", "/metrics/prometheus", null).body();
        assertThat(prom).contains("llm_proxy_component_up{component=\"database\",} 1.0")
                .contains("llm_proxy_component_up{component=\"redis\",} 1.0")
                .contains("llm_proxy_upstream_up{upstream=\"127.0.0.1:" + upstream.port() + "\",} 1.0");
        // Nothing secret in the report.
        String raw = server.send("GET", "/health/details", null).body();
        assertThat(raw).doesNotContain("sk-health-0123456789").doesNotContain(token)
                .doesNotContain(RunningServer.MANAGEMENT_TOKEN);

        redisLink.stop(); // Redis unreachable: required, so not ready
        JsonNode down = await(x -> x.get("components").get("redis").get("status").asText().equals("down"),
                "the Redis check to fail");
        assertThat(down.get("components").get("redis").get("error").asText()).isNotEmpty();
        assertThat(down.get("components").get("redis").get("endpoint").asText()).contains(":" + redisLink.port());
        assertThat(down.get("status").asText()).isEqualTo("not_ready");
        HttpResponse<String> ready = server.send("GET", "/ready", null);
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(down.get("components").get("database").get("status").asText()).isEqualTo("up");

        redisLink.start();
        await(x -> x.get("components").get("redis").get("status").asText().equals("up"), "Redis to be back");
        assertThat(server.send("GET", "/ready", null).statusCode()).isEqualTo(200);
    }

    @Test
    void probesOff_detailsSayNoProbeRan_andTheUpstreamIsStillReported() throws Exception {
        upstream = MockOpenAiUpstream.start();
        server = new RunningServer(dir, Map.of("OPENAI_API_URL", upstream.baseUri().toString(),
                "UPSTREAM_PROBE_ENABLED", "false"));
        JsonNode d = details();
        assertThat(d.get("probes_enabled").asBoolean()).isFalse();
        assertThat(d.get("upstreams").get(0).get("last_probe").isNull()).isTrue();
        assertThat(d.get("components").has("redis")).isFalse();
        assertThat(d.get("components").get("database").get("status").asText()).isEqualTo("up");
        assertThat(upstream.requestCount()).isZero();
    }
}
