package dev.llmproxy.core;

import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.eventbus.Delivery;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBusConfig;
import dev.llmproxy.eventbus.EventBuses;
import dev.llmproxy.eventbus.PullSubscription;
import dev.llmproxy.eventbus.SubscriptionOptions;
import dev.llmproxy.eventbus.testing.RedisTestSupport;
import dev.llmproxy.eventbus.testing.TcpProxy;
import dev.llmproxy.testing.MockOpenAiUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proxy publishing to a real Redis Streams bus (the machine's Redis via {@code REDIS_URL}, or
 * an embedded redis-server): every event arrives, and the request path never waits on Redis.
 */
class RedisInstrumentationTest {

    @RegisterExtension
    static final RedisTestSupport redis = new RedisTestSupport();

    private static MockOpenAiUpstream upstream;

    @BeforeAll
    static void startUpstream() {
        upstream = MockOpenAiUpstream.start();
    }

    @AfterAll
    static void stopUpstream() {
        upstream.close();
    }

    private static LlmProxy proxy(EventBus bus) {
        return LlmProxy.builder().listen("127.0.0.1", 0).provider(ProviderConfig.openAi(upstream.baseUri()))
                .upstreamApiKey("sk-upstream").eventBus(bus).build().start();
    }

    private static int call(HttpClient client, LlmProxy proxy, String requestId) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.localAddress().getPort()
                        + "/v1/chat/completions"))
                .header("Content-Type", "application/json").header("X-Request-ID", requestId)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o\",\"messages\":[]}")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void tenThousandProxiedRequests_areAllReadByAConsumerGroup() throws Exception {
        int n = 10_000;
        EventBus bus = EventBuses.load("redis-streams", redis.config(EventBusConfig.REDIS_STREAM_MAX_LEN, "0",
                EventBusConfig.OBSERVABILITY_BUFFER_SIZE, "20000"));
        PullSubscription sub = bus.subscribe(SubscriptionOptions.group("dispatchers").withBatchSize(500));
        LlmProxy proxy = proxy(bus);
        try {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                    int ok = 0;
                    for (int i = thread; i < n; i += 8) {
                        ok += call(client, proxy, "req-" + i) == 200 ? 1 : 0;
                    }
                    return ok;
                }));
            }
            int ok = 0;
            for (Future<Integer> f : results) {
                ok += f.get(120, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertThat(ok).isEqualTo(n);

            Set<String> seen = ConcurrentHashMap.newKeySet();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (seen.size() < n && System.nanoTime() < deadline) {
                List<Delivery> batch = sub.poll(500, Duration.ofMillis(500));
                batch.forEach(d -> seen.add(d.event().requestId()));
                sub.ack(batch);
            }
            assertThat(seen).hasSize(n);
            assertThat(bus.stats().dropped()).isZero();
        } finally {
            proxy.close();
            sub.close();
            bus.close(Duration.ofSeconds(5));
        }
    }

    @Test
    void redisUnreachable_requestLatencyIsUnchanged_andOverflowIsCountedThenDelivered() throws Exception {
        try (TcpProxy link = new TcpProxy(redis.host(), redis.port())) {
            link.start();
            EventBus bus = EventBuses.load("redis-streams", redis.configFor("127.0.0.1", link.port(),
                    EventBusConfig.OBSERVABILITY_BUFFER_SIZE, "100", EventBusConfig.REDIS_STREAM_MAX_LEN, "0"));
            LlmProxy proxy = proxy(bus);
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            try {
                for (int i = 0; i < 50; i++) {
                    call(client, proxy, "warm-" + i); // JIT and connection warm-up
                }
                long[] up = timeRequests(client, proxy, "up-", 200);

                link.stop(); // Redis is gone for the publisher
                long[] down = timeRequests(client, proxy, "down-", 300);

                double upMedianMs = up[up.length / 2] / 1e6;
                double downMedianMs = down[down.length / 2] / 1e6;
                System.out.printf("median request latency: Redis reachable %.3f ms, Redis unreachable %.3f ms%n",
                        upMedianMs, downMedianMs);
                // Generous bound: the point is "no waiting on Redis", which would show as seconds.
                assertThat(downMedianMs).isLessThan(upMedianMs * 5 + 20);
                assertThat(down[down.length - 1] / 1e6).as("slowest request while Redis is down").isLessThan(2000);
                assertThat(bus.stats().dropped()).as("events beyond the buffer are counted").isPositive();

                link.start();
                PullSubscription sub = bus.subscribe(SubscriptionOptions.group("after-outage").withBatchSize(500));
                Set<String> seen = new HashSet<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (System.nanoTime() < deadline && seen.stream().noneMatch(id -> id.startsWith("down-"))) {
                    List<Delivery> batch = sub.poll(500, Duration.ofMillis(500));
                    batch.forEach(d -> seen.add(d.event().requestId()));
                    sub.ack(batch);
                }
                assertThat(seen).as("buffered events arrive once Redis is back")
                        .anyMatch(id -> id.startsWith("down-"));
                sub.close();
            } finally {
                proxy.close();
                bus.close(Duration.ofSeconds(5));
            }
        }
    }

    private static long[] timeRequests(HttpClient client, LlmProxy proxy, String prefix, int n) throws Exception {
        long[] nanos = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            assertThat(call(client, proxy, prefix + i)).isEqualTo(200);
            nanos[i] = System.nanoTime() - t0;
        }
        Arrays.sort(nanos);
        return nanos;
    }
}
