package dev.llmproxy.core.cache;

import dev.llmproxy.core.store.MutableClock;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every {@link ResponseCache} must do. Subclasses supply the cache (and the key prefix it
 * owns); the clock is shared so tests can expire entries without waiting.
 */
abstract class ResponseCacheContract {

    protected final MutableClock clock = MutableClock.atSomeInstant();
    private ResponseCache cache;
    private CacheKeys keys;

    /** A new cache owning keys under {@code prefix}, stamping and expiring entries with {@code clock}. */
    protected abstract ResponseCache create(String prefix, MutableClock clock);

    /** The key prefix the cache under test owns. */
    protected abstract String prefix();

    protected ResponseCache cache() {
        if (cache == null) {
            keys = new CacheKeys(prefix());
            cache = create(prefix(), clock);
        }
        return cache;
    }

    protected CacheKeys keys() {
        cache();
        return keys;
    }

    @AfterEach
    void closeCache() {
        if (cache != null) {
            cache.close();
        }
    }

    protected CacheKey key(String project, String path) {
        return keys().forRequest(CacheScope.project(project), HttpMethod.valueOf("GET"), path, new DefaultHttpHeaders(), (byte[]) null);
    }

    protected CacheKey postKey(String project, String body) {
        return keys().forRequest(CacheScope.project(project), HttpMethod.valueOf("POST"), "/v1/chat/completions",
                new DefaultHttpHeaders().set("Content-Type", "application/json"), body.getBytes(StandardCharsets.UTF_8));
    }

    protected CachedResponse response(String body, Duration ttl) {
        return response(body.getBytes(StandardCharsets.UTF_8), false, ttl);
    }

    protected CachedResponse response(byte[] body, boolean streamed, Duration ttl) {
        HttpHeaders h = new DefaultHttpHeaders().set("Content-Type", streamed ? "text/event-stream" : "application/json");
        return CachedResponse.of(200, h, body, streamed, clock.instant(), ttl);
    }

    protected static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void missThenStoreThenHit_andCounted() throws Exception {
        CacheKey k = postKey("p1", "{\"model\":\"m\"}");
        assertThat(await(cache().get(k))).isNull();
        await(cache().put(k, response("{\"id\":\"chatcmpl-1\"}", Duration.ofSeconds(60))));
        CachedResponse hit = await(cache().get(k));
        assertThat(hit).isNotNull();
        assertThat(new String(hit.body(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":\"chatcmpl-1\"}");
        assertThat(hit.header("content-type")).isEqualTo("application/json");
        CacheStats s = cache().stats();
        assertThat(s.hits()).isEqualTo(1);
        assertThat(s.misses()).isEqualTo(1);
        assertThat(s.stores()).isEqualTo(1);
        assertThat(s.errors()).isZero();
    }

    @Test
    void binaryAndSseBodies_roundTripByteIdentical() throws Exception {
        byte[] binary = new byte[200_000];
        ThreadLocalRandom.current().nextBytes(binary);
        byte[] sse = ("data: {\"choices\":[{\"delta\":{\"content\":\"h\u00e9\"}}]}\n\n"
                + "data: {\"choices\":[],\"usage\":{\"total_tokens\":3}}\n\ndata: [DONE]\n\n").getBytes(StandardCharsets.UTF_8);
        CacheKey kb = key("p1", "/v1/files/file-1/content");
        CacheKey ks = postKey("p1", "{\"stream\":true}");
        await(cache().put(kb, response(binary, false, Duration.ofSeconds(60))));
        await(cache().put(ks, response(sse, true, Duration.ofSeconds(60))));
        CachedResponse b = await(cache().get(kb));
        CachedResponse s = await(cache().get(ks));
        assertThat(b.body()).isEqualTo(binary);
        assertThat(b.streamed()).isFalse();
        assertThat(s.body()).isEqualTo(sse);
        assertThat(s.streamed()).isTrue();
        assertThat(s.chunks()).hasSize(3).allSatisfy(io.netty.buffer.ByteBuf::release);
    }

    @Test
    void expiredEntries_areNeverReturned_norStored() throws Exception {
        CacheKey k = key("p1", "/v1/models");
        await(cache().put(k, response("{}", Duration.ofSeconds(10))));
        clock.advance(Duration.ofSeconds(9));
        assertThat(await(cache().get(k))).isNotNull();
        clock.advance(Duration.ofSeconds(1));
        assertThat(await(cache().get(k))).isNull();

        CacheKey stale = key("p1", "/v1/stale");
        CachedResponse old = response("{}", Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(2));
        await(cache().put(stale, old));
        assertThat(await(cache().get(stale))).isNull();
    }

    @Test
    void put_replacesTheEntry() throws Exception {
        CacheKey k = key("p1", "/v1/models");
        await(cache().put(k, response("{\"v\":1}", Duration.ofSeconds(60))));
        await(cache().put(k, response("{\"v\":2}", Duration.ofSeconds(60))));
        assertThat(new String(await(cache().get(k)).body(), StandardCharsets.UTF_8)).isEqualTo("{\"v\":2}");
    }

    @Test
    void purgeExactKey() throws Exception {
        CacheKey a = key("p1", "/v1/models");
        CacheKey b = key("p1", "/v1/models/gpt-4o");
        await(cache().put(a, response("{}", Duration.ofSeconds(60))));
        await(cache().put(b, response("{}", Duration.ofSeconds(60))));
        assertThat(await(cache().purge(a.toString(), false))).isEqualTo(1);
        assertThat(await(cache().purge(a.toString(), false))).isZero();
        assertThat(await(cache().get(a))).isNull();
        assertThat(await(cache().get(b))).isNotNull();
    }

    @Test
    void purgeByPrefix_emptiesOneProjectOnly() throws Exception {
        for (int i = 0; i < 7; i++) {
            await(cache().put(postKey("project-a", "{\"n\":" + i + "}"), response("{}", Duration.ofSeconds(60))));
        }
        await(cache().put(key("project-a", "/v1/models"), response("{}", Duration.ofSeconds(60))));
        for (int i = 0; i < 3; i++) {
            await(cache().put(postKey("project-b", "{\"n\":" + i + "}"), response("{}", Duration.ofSeconds(60))));
        }
        // "project-a" is a prefix of "project-ab" as text; the scope prefix ends with ':' so it is not a key prefix.
        await(cache().put(postKey("project-ab", "{\"n\":0}"), response("{}", Duration.ofSeconds(60))));

        String onlyGets = keys().scopePrefix(CacheScope.project("project-a")) + "GET:";
        assertThat(await(cache().purge(onlyGets, true))).isEqualTo(1);
        assertThat(await(cache().purge(keys().scopePrefix(CacheScope.project("project-a")), true))).isEqualTo(7);
        for (int i = 0; i < 7; i++) {
            assertThat(await(cache().get(postKey("project-a", "{\"n\":" + i + "}")))).isNull();
        }
        for (int i = 0; i < 3; i++) {
            assertThat(await(cache().get(postKey("project-b", "{\"n\":" + i + "}")))).isNotNull();
        }
        assertThat(await(cache().get(postKey("project-ab", "{\"n\":0}")))).isNotNull();
    }

    @Test
    void purgePrefix_treatsGlobCharactersLiterally() throws Exception {
        CacheKey k = key("p1", "/v1/models");
        await(cache().put(k, response("{}", Duration.ofSeconds(60))));
        assertThat(await(cache().purge(keys().prefix() + "*", true))).isZero();
        assertThat(await(cache().purge(keys().prefix() + "p?", true))).isZero();
        assertThat(await(cache().get(k))).isNotNull();
        // The GET key contains "*/*" (the Accept default): an exact purge of it works.
        assertThat(k.toString()).contains("*/*");
        assertThat(await(cache().purge(k.toString(), true))).isEqualTo(1);
    }

    @Test
    void close_makesFurtherCallsMissesAndNoOps() throws Exception {
        CacheKey k = key("p1", "/v1/models");
        await(cache().put(k, response("{}", Duration.ofSeconds(60))));
        cache().close();
        assertThat(await(cache().get(k))).isNull();
        await(cache().put(k, response("{}", Duration.ofSeconds(60))));
    }
}
