package dev.llmproxy.core;

import dev.llmproxy.core.auth.TokenRecord;
import dev.llmproxy.core.auth.TokenService;
import dev.llmproxy.core.auth.WitheringTokens;
import dev.llmproxy.core.cache.CacheBackend;
import dev.llmproxy.core.cache.CacheScope;
import dev.llmproxy.core.cache.ResponseCache;
import dev.llmproxy.core.cache.ResponseCacheConfig;
import dev.llmproxy.core.cache.ResponseCaches;
import dev.llmproxy.core.project.NewProject;
import dev.llmproxy.core.project.Project;
import dev.llmproxy.core.ratelimit.LocalRateLimiter;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.core.store.InMemoryProjectStore;
import dev.llmproxy.core.store.InMemoryTokenStore;
import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBuses;
import dev.llmproxy.eventbus.PullSubscription;
import dev.llmproxy.eventbus.SubscriptionOptions;
import dev.llmproxy.eventbus.testing.RedisTestSupport;
import dev.llmproxy.eventbus.testing.TcpProxy;
import dev.llmproxy.testing.Behavior;
import dev.llmproxy.testing.MockOpenAiUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The response cache through a real proxy, a real mock upstream and, for the {@code redis}
 * backend, a real Redis: hits never reach the upstream, keys are per project and insensitive to
 * JSON key order, streams are stored only when complete and replayed as streams, and a Redis
 * outage turns hits into misses without failing a request.
 */
class CacheEndToEndTest {

    @RegisterExtension
    final RedisTestSupport redis = new RedisTestSupport();

    private final ExecutorService blocking = Executors.newFixedThreadPool(4);
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private MockOpenAiUpstream upstream;
    private InMemoryProjectStore projects;
    private InMemoryTokenStore tokenStore;
    private TokenService tokens;
    private ResponseCache cache;
    private EventBus bus;
    private PullSubscription events;
    private LlmProxy proxy;
    private TcpProxy redisLink;
    /** Answers the test expects the cache to have stored by now. */
    private long storesExpected;

    private void start(String backend) throws Exception {
        upstream = MockOpenAiUpstream.start();
        projects = new InMemoryProjectStore(Clock.systemUTC());
        tokenStore = new InMemoryTokenStore(projects, Clock.systemUTC());
        tokens = new TokenService(tokenStore, projects, blocking, new LocalRateLimiter(), TokenService.Settings.DEFAULTS,
                Clock.systemUTC(), null);
        ResponseCacheConfig.Builder config = ResponseCacheConfig.builder();
        if (backend.equals("redis")) {
            redisLink = new TcpProxy(redis.host(), redis.port());
            redisLink.start();
            config.backend(CacheBackend.REDIS).redisUrl(redis.url("127.0.0.1", redisLink.port()))
                    .keyPrefix(redis.prefix() + "cache:");
        }
        ResponseCacheConfig cfg = config.build();
        cache = ResponseCaches.create(cfg, blocking, Clock.systemUTC());
        bus = EventBuses.load("in-memory", ComponentConfig.of(Map.of()));
        events = bus.subscribe(SubscriptionOptions.group("test"));
        proxy = LlmProxy.builder().listen("127.0.0.1", 0).provider(ProviderConfig.openAi(upstream.baseUri()))
                .tokenService(tokens).responseCache(cache, cfg).eventBus(bus).build().start();
        closeables.add(proxy);
        closeables.add(tokens);
        closeables.add(cache::close);
        closeables.add(() -> bus.close(Duration.ofSeconds(2)));
        closeables.add(upstream);
        if (redisLink != null) {
            closeables.add(redisLink);
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        blocking.shutdownNow();
    }

    private String token(Project project, Long maxRequests) {
        String token = WitheringTokens.generate();
        tokenStore.create(TokenRecord.issue(WitheringTokens.hash(token), project.id(), Clock.systemUTC().instant(), null,
                maxRequests, null));
        return token;
    }

    private Project project(String name) {
        return projects.create(new NewProject(name, "sk-proj-" + name + "-upstream-key-000"));
    }

    private HttpResponse<String> post(String token, String body, String cacheControl) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.localAddress().getPort()
                        + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (cacheControl != null) {
            b.header("Cache-Control", cacheControl);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String status(HttpResponse<?> r) {
        return r.headers().firstValue("x-proxy-cache").orElse("none");
    }

    private static final String CHAT = "{\"model\":\"gpt-4o\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String CHAT_REORDERED = "{ \"messages\" : [ {\"content\":\"hi\", \"role\":\"user\"} ],"
            + " \"temperature\":0, \"model\":\"gpt-4o\" }";
    private static final String OPT_IN = "public, max-age=60";

    @ParameterizedTest
    @ValueSource(strings = {"in-memory", "redis"})
    void optedInPost_secondRequestIsAHit_evenWithKeysReordered_andTheUpstreamIsCalledOnce(String backend)
            throws Exception {
        start(backend);
        String token = token(project("alpha"), null);
        HttpResponse<String> first = post(token, CHAT, OPT_IN);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(status(first)).isEqualTo("miss");
        assertThat(first.headers().firstValue("x-proxy-cache-key").orElseThrow())
                .contains(":POST:/v1/chat/completions").contains("body-").doesNotContain(token);

        storesExpected = 1;
        HttpResponse<String> second = waitForHit(() -> post(token, CHAT_REORDERED, OPT_IN));
        assertThat(second.body()).isEqualTo(first.body());
        assertThat(second.headers().firstValue("cache-status").orElse("")).contains("hit");
        assertThat(second.headers().firstValue("x-request-id")).isNotEqualTo(first.headers().firstValue("x-request-id"));
        assertThat(upstream.requestCount()).isEqualTo(1);

        String metrics = proxy.metrics().scrape();
        assertThat(metrics).containsPattern("(?m)^llm_proxy_cache_hits_total 1\\.0$")
                .containsPattern("(?m)^llm_proxy_cache_misses_total 1\\.0$")
                .containsPattern("(?m)^llm_proxy_cache_stores_total 1\\.0$")
                .contains("llm_proxy_cache_errors_total 0.0");
        if (backend.equals("in-memory")) {
            assertThat(metrics).containsPattern("(?m)^llm_proxy_cache_entries 1\\.0$");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"in-memory", "redis"})
    void anotherProjectsIdenticalRequest_misses(String backend) throws Exception {
        start(backend);
        String alpha = token(project("alpha"), null);
        String beta = token(project("beta"), null);
        post(alpha, CHAT, OPT_IN);
        storesExpected = 1;
        waitForHit(() -> post(alpha, CHAT, OPT_IN));
        HttpResponse<String> other = post(beta, CHAT, OPT_IN);
        assertThat(status(other)).isEqualTo("miss");
        assertThat(upstream.requestCount()).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"in-memory", "redis"})
    void withoutOptIn_orWithNoStore_nothingIsStored(String backend) throws Exception {
        start(backend);
        String token = token(project("alpha"), null);
        assertThat(status(post(token, CHAT, null))).isEqualTo("bypass");
        assertThat(status(post(token, CHAT, null))).isEqualTo("bypass");
        assertThat(status(post(token, CHAT, "no-store"))).isEqualTo("bypass");
        Thread.sleep(200);
        assertThat(status(post(token, CHAT, OPT_IN))).as("nothing was stored before").isEqualTo("miss");
        assertThat(upstream.requestCount()).isEqualTo(4);
    }

    @ParameterizedTest
    @ValueSource(strings = {"in-memory", "redis"})
    void streamedAnswer_isReplayedAsTheSameSseEvents_andAnInterruptedStreamIsNotStored(String backend)
            throws Exception {
        start(backend);
        String token = token(project("alpha"), null);
        String streamBody = "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"s\"}]}";

        upstream.enqueue(Behavior.resetAfterChunks(3, Duration.ofMillis(5)));
        try {
            post(token, streamBody, OPT_IN);
        } catch (java.io.IOException expected) {
            // the client saw the stream break
        }
        Thread.sleep(200);
        HttpResponse<String> complete = post(token, streamBody, OPT_IN);
        assertThat(status(complete)).as("the interrupted stream was not stored").isEqualTo("miss");
        assertThat(complete.body()).endsWith("data: [DONE]\n\n");

        storesExpected = 1;
        HttpResponse<String> replay = waitForHit(() -> post(token, streamBody, OPT_IN));
        assertThat(replay.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        assertThat(replay.body()).isEqualTo(complete.body());
        assertThat(upstream.requestCount()).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"in-memory", "redis"})
    void hits_publishNoEvent_doNotCountAgainstTheQuota_andAreCountedPerToken(String backend) throws Exception {
        start(backend);
        String token = token(project("alpha"), 2L);
        assertThat(post(token, CHAT, OPT_IN).statusCode()).isEqualTo(200);
        storesExpected = 1;
        for (int i = 0; i < 5; i++) {
            assertThat(waitForHit(() -> post(token, CHAT, OPT_IN)).statusCode()).isEqualTo(200);
        }
        assertThat(events.poll(10, Duration.ofMillis(300))).as("one event: the miss").hasSize(1);
        assertThat(events.poll(10, Duration.ofMillis(300))).isEmpty();
        // The quota of 2 still has one request left for a real upstream call.
        assertThat(post(token, "{\"model\":\"gpt-4o\",\"messages\":[]}", null).statusCode()).isEqualTo(200);
        assertThat(post(token, "{\"model\":\"gpt-4o\",\"messages\":[1]}", null).statusCode()).isEqualTo(429);
        tokens.flushUsage();
        assertThat(tokenStore.findByHash(WitheringTokens.hash(token)).orElseThrow().cacheHitCount()).isGreaterThanOrEqualTo(5);
    }

    @ParameterizedTest
    @ValueSource(strings = {"in-memory", "redis"})
    void purgeByProjectPrefix_emptiesThatProjectOnly(String backend) throws Exception {
        start(backend);
        Project a = project("alpha");
        Project b = project("beta");
        String ta = token(a, null);
        String tb = token(b, null);
        post(ta, CHAT, OPT_IN);
        post(tb, CHAT, OPT_IN);
        storesExpected = 2;
        waitForHit(() -> post(ta, CHAT, OPT_IN));
        waitForHit(() -> post(tb, CHAT, OPT_IN));

        ResponseCacheConfig cfg = backend.equals("redis")
                ? ResponseCacheConfig.builder().keyPrefix(redis.prefix() + "cache:").build() : ResponseCacheConfig.defaults();
        long removed = cache.purge(cfg.keys().scopePrefix(CacheScope.project(a.id())), true).toCompletableFuture().get();
        assertThat(removed).isEqualTo(1);
        assertThat(status(post(ta, CHAT, OPT_IN))).isEqualTo("miss");
        assertThat(status(post(tb, CHAT, OPT_IN))).isEqualTo("hit");
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis"})
    void redisGoneMidTest_requestsStillSucceedAsMisses(String backend) throws Exception {
        start(backend);
        String token = token(project("alpha"), null);
        post(token, CHAT, OPT_IN);
        storesExpected = 1;
        waitForHit(() -> post(token, CHAT, OPT_IN));
        redisLink.stop();
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = post(token, CHAT, OPT_IN);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(status(r)).isEqualTo("miss");
        }
        assertThat(cache.stats().errors()).isPositive();
    }

    private interface Call {
        HttpResponse<String> run() throws Exception;
    }

    /**
     * Waits until the cache has stored as many answers as expected so far (a Redis store completes
     * on another thread), then makes the call once and returns its answer, which must be a hit.
     */
    private HttpResponse<String> waitForHit(Call call) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (cache.stats().stores() < storesExpected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        HttpResponse<String> r = call.run();
        assertThat(status(r)).as("served from the cache").isEqualTo("hit");
        return r;
    }
}
