package dev.llmproxy.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.testing.MockOpenAiUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.resps.StreamEntry;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis killed with SIGKILL and restarted under load, with everything on Redis at once: the event
 * bus (Redis Streams), the response cache, per-minute rate limits (fail open) and token
 * invalidation. No client request fails, and every request's event is in the stream afterwards.
 */
class RedisOutageTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STREAM = "llmproxy-outage-test-events";

    @TempDir
    Path dir;

    private MockOpenAiUpstream upstream;
    private KillableRedis redis;
    private RunningServer server;

    @BeforeEach
    void start() throws Exception {
        upstream = MockOpenAiUpstream.start();
        redis = new KillableRedis(dir.resolve("redis")).start();
        server = new RunningServer(dir, Map.of(
                "OPENAI_API_URL", upstream.baseUri().toString(),
                "REDIS_ADDR", redis.url(),
                "LLM_PROXY_EVENT_BUS", "redis-streams",
                "REDIS_STREAM_KEY", STREAM,
                "HTTP_CACHE_BACKEND", "redis",
                "REDIS_CACHE_URL", redis.url(),
                "RATE_LIMIT_FAIL_MODE", "open"));
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        redis.close();
        upstream.close();
    }

    @Test
    void redisKilledAndRestartedUnderLoad_noRequestFailsAndNoEventIsLost() throws Exception {
        String project = server.manage("POST", "/manage/projects",
                "{\"name\":\"outage\",\"api_key\":\"sk-outage-0123456789\"}").get("id").asText();
        String token = server.manage("POST", "/manage/tokens", "{\"project_id\":\"" + project
                + "\",\"duration_minutes\":60,\"rate_limit_rpm\":1000000}").get("token").asText();

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger sent = new AtomicInteger();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        List<String> requestIds = Collections.synchronizedList(new ArrayList<>());
        List<Thread> clients = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            Thread c = new Thread(() -> {
                while (running.get()) {
                    int n = sent.incrementAndGet();
                    String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"q" + n
                            + "\"}]}";
                    try {
                        // Every other request opts into the (Redis) response cache: a lookup and a store.
                        HttpResponse<String> r = n % 2 == 0
                                ? server.send("POST", "/v1/chat/completions", body, "Content-Type", "application/json",
                                "Authorization", "Bearer " + token, "Cache-Control", "public, max-age=60")
                                : server.send("POST", "/v1/chat/completions", body, "Content-Type", "application/json",
                                "Authorization", "Bearer " + token);
                        if (r.statusCode() != 200) {
                            failures.add(r.statusCode() + " " + r.body());
                        } else {
                            requestIds.add(r.headers().firstValue("x-request-id").orElseThrow());
                        }
                    } catch (RuntimeException e) {
                        failures.add(e.toString());
                    }
                }
            }, "outage-client-" + thread);
            c.start();
            clients.add(c);
        }
        Thread.sleep(2000);
        int beforeKill = sent.get();
        redis.kill();
        Thread.sleep(3000);
        int duringOutage = sent.get() - beforeKill;
        redis.start();
        Thread.sleep(3000);
        running.set(false);
        for (Thread c : clients) {
            c.join(30_000);
        }
        System.out.printf("%d requests, %d while Redis was down%n", sent.get(), duringOutage);
        assertThat(failures).as("failed client requests").isEmpty();
        assertThat(duringOutage).as("requests served while Redis was down").isGreaterThan(10);

        // Every request's event reaches the stream once Redis is back (the publisher buffers meanwhile).
        Set<String> expected = new HashSet<>(requestIds);
        Set<String> missing = new HashSet<>(expected);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!missing.isEmpty() && System.nanoTime() < deadline) {
            try (Jedis j = redis.client()) {
                for (StreamEntry e : j.xrange(STREAM, "-", "+")) {
                    String json = e.getFields().get("event");
                    if (json != null) {
                        missing.remove(JSON.readTree(json).get("request_id").asText());
                    }
                }
            }
            if (!missing.isEmpty()) {
                Thread.sleep(500);
            }
        }
        assertThat(missing).as("events missing from the stream, of %d", expected.size()).isEmpty();
        // And the server is healthy.
        assertThat(server.chat(token).statusCode()).isEqualTo(200);
    }
}
