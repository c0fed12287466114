package dev.llmproxy.core.cache;

import dev.llmproxy.core.store.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

class CaffeineResponseCacheTest extends ResponseCacheContract {

    static final long BOUND = 1024 * 1024;

    @Override
    protected ResponseCache create(String prefix, MutableClock clock) {
        return new CaffeineResponseCache(BOUND, clock);
    }

    @Override
    protected String prefix() {
        return CacheKeys.DEFAULT_PREFIX;
    }

    private CaffeineResponseCache memory() {
        return (CaffeineResponseCache) cache();
    }

    @Test
    void writingTenTimesTheBound_staysWithinTheBound() throws Exception {
        byte[] body = new byte[10 * 1024];
        long written = 0;
        int n = 0;
        while (written < 10 * BOUND) {
            CachedResponse r = response(body, false, Duration.ofMinutes(5));
            await(cache().put(postKey("p1", "{\"n\":" + n++ + "}"), r));
            written += r.sizeBytes();
        }
        memory().cleanUp();
        CacheStats s = cache().stats();
        assertThat(memory().bytes()).isPositive().isLessThanOrEqualTo(BOUND);
        assertThat(s.bytes()).isEqualTo(memory().bytes());
        assertThat(s.stores()).isEqualTo(n);
        assertThat(s.entries()).isLessThan(n / 5);
        assertThat(s.evictions()).isEqualTo(n - s.entries());
    }

    @Test
    void getAndPut_completeBeforeReturning() {
        CacheKey k = key("p1", "/v1/models");
        CompletableFuture<Void> put = cache().put(k, response("{}", Duration.ofSeconds(60))).toCompletableFuture();
        assertThat(put).isDone();
        CompletableFuture<CachedResponse> get = cache().get(k).toCompletableFuture();
        assertThat(get).isCompletedWithValueMatching(r -> r != null && r.status() == 200);
        assertThat(memory().getNow(key("p1", "/v1/other"))).isNull();
    }

    @Test
    void anEntryHeavierThanTheWholeBound_isNotStored() throws Exception {
        CacheKey k = key("p1", "/v1/files/huge/content");
        assertThat(memory().putNow(k, response(new byte[(int) BOUND], false, Duration.ofSeconds(60)))).isFalse();
        assertThat(await(cache().get(k))).isNull();
        assertThat(cache().stats().stores()).isZero();
    }

    @Test
    void purges_areNotCountedAsEvictions() throws Exception {
        await(cache().put(key("p1", "/a"), response("{}", Duration.ofSeconds(60))));
        await(cache().purge(keys().prefix(), true));
        memory().cleanUp();
        assertThat(cache().stats().evictions()).isZero();
        assertThat(cache().stats().entries()).isZero();
        assertThat(cache().stats().bytes()).isZero();
    }

    @Test
    void maxResidence_capsHowLongAnEntryStaysInMemory() {
        try (CaffeineResponseCache capped = new CaffeineResponseCache(BOUND, Duration.ofSeconds(10), clock, Runnable::run)) {
            CacheKey k = key("p1", "/v1/models");
            capped.putNow(k, response("{}", Duration.ofHours(1)));
            assertThat(capped.expiresAfter(k.value())).hasValueSatisfying(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofSeconds(10)));
            CacheKey shortLived = key("p1", "/v1/short");
            capped.putNow(shortLived, response("{}", Duration.ofSeconds(3)));
            assertThat(capped.expiresAfter(shortLived.value())).hasValueSatisfying(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofSeconds(3)));
        }
    }
}
