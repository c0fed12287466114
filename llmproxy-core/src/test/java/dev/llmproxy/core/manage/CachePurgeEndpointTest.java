package dev.llmproxy.core.manage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.core.LlmProxy;
import dev.llmproxy.core.cache.CacheKey;
import dev.llmproxy.core.cache.CacheScope;
import dev.llmproxy.core.cache.CachedResponse;
import dev.llmproxy.core.cache.ResponseCache;
import dev.llmproxy.core.cache.ResponseCacheConfig;
import dev.llmproxy.core.cache.ResponseCaches;
import dev.llmproxy.core.store.InMemoryAuditStore;
import dev.llmproxy.core.store.InMemoryProjectStore;
import dev.llmproxy.core.store.InMemoryTokenStore;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code POST /manage/cache/purge} against a real in-memory cache behind a real server. */
class CachePurgeEndpointTest {

    private static final String MANAGEMENT_TOKEN = "management-token-for-purge-test";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ExecutorService blocking = Executors.newFixedThreadPool(2);
    private final HttpClient client = HttpClient.newHttpClient();
    private final ResponseCacheConfig config = ResponseCacheConfig.defaults();
    private ResponseCache cache;
    private LlmProxy proxy;

    @BeforeEach
    void start() {
        cache = ResponseCaches.create(config, blocking, Clock.systemUTC());
        InMemoryProjectStore projects = new InMemoryProjectStore(Clock.systemUTC());
        ManagementApi api = ManagementApi.builder().projects(projects)
                .tokens(new InMemoryTokenStore(projects, Clock.systemUTC())).auditStore(new InMemoryAuditStore())
                .managementToken(MANAGEMENT_TOKEN).executor(blocking).responseCache(cache, config.keys()).build();
        proxy = LlmProxy.builder().listen("127.0.0.1", 0).route(api::newHandler).build().start();
    }

    @AfterEach
    void stop() {
        proxy.close();
        cache.close();
        blocking.shutdownNow();
    }

    private CacheKey store(String project, String body) throws Exception {
        CacheKey key = config.keys().forRequest(CacheScope.project(project), HttpMethod.POST, "/v1/chat/completions",
                new DefaultHttpHeaders().set("content-type", "application/json"), body.getBytes(StandardCharsets.UTF_8));
        cache.put(key, CachedResponse.of(200, new DefaultHttpHeaders().set("content-type", "application/json"),
                "{}".getBytes(StandardCharsets.UTF_8), false, Instant.now(), Duration.ofMinutes(5)))
                .toCompletableFuture().get();
        return key;
    }

    private HttpResponse<String> purge(String json) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.localAddress().getPort()
                        + "/manage/cache/purge")).header("Authorization", "Bearer " + MANAGEMENT_TOKEN)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private boolean cached(CacheKey key) throws Exception {
        return cache.get(key).toCompletableFuture().get() != null;
    }

    @Test
    void purgeByProject_removesThatProjectsEntriesOnly() throws Exception {
        CacheKey a1 = store("proj-a", "{\"n\":1}");
        CacheKey a2 = store("proj-a", "{\"n\":2}");
        CacheKey b1 = store("proj-b", "{\"n\":1}");
        HttpResponse<String> r = purge("{\"project_id\":\"proj-a\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("purged").asLong()).isEqualTo(2);
        assertThat(cached(a1)).isFalse();
        assertThat(cached(a2)).isFalse();
        assertThat(cached(b1)).isTrue();
    }

    @Test
    void purgeByExactKey_removesOneEntry() throws Exception {
        CacheKey a1 = store("proj-a", "{\"n\":1}");
        CacheKey a2 = store("proj-a", "{\"n\":2}");
        HttpResponse<String> r = purge("{\"key\":\"" + a1 + "\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).get("purged").asLong()).isEqualTo(1);
        assertThat(cached(a1)).isFalse();
        assertThat(cached(a2)).isTrue();
    }

    @Test
    void badPurgeRequests_get400AndPurgeNothing() throws Exception {
        CacheKey a1 = store("proj-a", "{\"n\":1}");
        for (String bad : new String[] {"{}", "{\"key\":\"x\",\"prefix\":\"y\"}", "{\"everything\":true}", "not json"}) {
            HttpResponse<String> r = purge(bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).at("/error/code").asText()).isNotBlank();
        }
        assertThat(cached(a1)).isTrue();
    }
}
