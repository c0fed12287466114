package dev.llmproxy.core.cache;

import dev.llmproxy.core.cache.CachePolicy.Lookup;
import dev.llmproxy.core.cache.CachePolicy.Reason;
import dev.llmproxy.core.cache.CachePolicy.StoreDecision;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static io.netty.handler.codec.http.HttpMethod.DELETE;
import static io.netty.handler.codec.http.HttpMethod.GET;
import static io.netty.handler.codec.http.HttpMethod.HEAD;
import static io.netty.handler.codec.http.HttpMethod.PATCH;
import static io.netty.handler.codec.http.HttpMethod.POST;
import static io.netty.handler.codec.http.HttpMethod.PUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CachePolicyTest {

    static final Instant NOW = Instant.parse("2025-01-02T03:04:05Z");
    final CachePolicy policy = CachePolicy.defaults();

    static HttpHeaders h(String... nameValues) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (int i = 0; i < nameValues.length; i += 2) {
            h.add(nameValues[i], nameValues[i + 1]);
        }
        return h;
    }

    static final HttpHeaders NONE = h();
    static final HttpHeaders OPT_IN = h("Cache-Control", "public, max-age=120");

    StoreDecision store(HttpMethod method, HttpHeaders request, int status, HttpHeaders response) {
        return policy.storeDecision(method, request, status, response, 100, true, NOW);
    }

    // Lookup decisions

    @Test
    void getAndHead_areLookedUp() {
        assertThat(policy.lookupDecision(GET, NONE)).isEqualTo(Lookup.LOOKUP);
        assertThat(policy.lookupDecision(HEAD, NONE)).isEqualTo(Lookup.LOOKUP);
        assertThat(Lookup.LOOKUP.lookup()).isTrue();
        assertThat(Lookup.LOOKUP.mayStore()).isTrue();
    }

    @Test
    void otherMethods_bypass() {
        for (HttpMethod m : new HttpMethod[]{PUT, PATCH, DELETE, HttpMethod.OPTIONS}) {
            assertThat(policy.lookupDecision(m, OPT_IN)).as(m.name()).isEqualTo(Lookup.BYPASS);
        }
        assertThat(Lookup.BYPASS.lookup()).isFalse();
        assertThat(Lookup.BYPASS.mayStore()).isFalse();
    }

    @Test
    void post_onlyWithClientOptIn() {
        assertThat(policy.lookupDecision(POST, NONE)).isEqualTo(Lookup.BYPASS);
        assertThat(policy.lookupDecision(POST, OPT_IN)).isEqualTo(Lookup.LOOKUP);
        assertThat(policy.lookupDecision(POST, h("Cache-Control", "s-maxage=60"))).isEqualTo(Lookup.LOOKUP);
        assertThat(policy.lookupDecision(POST, h("cache-control", "PUBLIC", "Cache-Control", "Max-Age=60")))
                .isEqualTo(Lookup.LOOKUP);
        // max-age without public is an ordinary freshness request, not an opt-in.
        assertThat(policy.lookupDecision(POST, h("Cache-Control", "max-age=60"))).isEqualTo(Lookup.BYPASS);
        assertThat(policy.lookupDecision(POST, h("Cache-Control", "public"))).isEqualTo(Lookup.BYPASS);
        assertThat(policy.lookupDecision(POST, h("Cache-Control", "public, max-age=0"))).isEqualTo(Lookup.BYPASS);
        assertThat(policy.lookupDecision(POST, h("Cache-Control", "public, max-age=12abc"))).isEqualTo(Lookup.BYPASS);
    }

    @Test
    void requestNoStore_bypasses() {
        assertThat(policy.lookupDecision(GET, h("Cache-Control", "no-store"))).isEqualTo(Lookup.BYPASS);
        assertThat(policy.lookupDecision(POST, h("Cache-Control", "public, max-age=60, no-store")))
                .isEqualTo(Lookup.BYPASS);
    }

    @Test
    void noCacheOrMaxAgeZero_refreshes_skipsTheReadButMayStore() {
        assertThat(policy.lookupDecision(GET, h("Cache-Control", "no-cache"))).isEqualTo(Lookup.REFRESH);
        assertThat(policy.lookupDecision(GET, h("Cache-Control", "max-age=0"))).isEqualTo(Lookup.REFRESH);
        assertThat(policy.lookupDecision(POST, h("Cache-Control", "public, s-maxage=60, no-cache")))
                .isEqualTo(Lookup.REFRESH);
        assertThat(policy.lookupDecision(GET, h("Pragma", "no-cache"))).isEqualTo(Lookup.REFRESH);
        // Cache-Control wins over the HTTP/1.0 Pragma.
        assertThat(policy.lookupDecision(GET, h("Pragma", "no-cache", "Cache-Control", "max-age=30")))
                .isEqualTo(Lookup.LOOKUP);
        assertThat(Lookup.REFRESH.lookup()).isFalse();
        assertThat(Lookup.REFRESH.mayStore()).isTrue();
        assertThat(store(GET, h("Cache-Control", "no-cache"), 200, NONE).store()).isTrue();
    }

    @Test
    void rangeRequests_bypass() {
        assertThat(policy.lookupDecision(GET, h("Range", "bytes=0-10"))).isEqualTo(Lookup.BYPASS);
        assertThat(store(GET, h("Range", "bytes=0-10"), 200, NONE).reason()).isEqualTo(Reason.RANGE);
    }

    // Store decisions

    @Test
    void get_withoutUpstreamDirectives_usesTheDefaultTtl() {
        assertThat(store(GET, NONE, 200, NONE)).isEqualTo(StoreDecision.store(Duration.ofSeconds(300)));
        CachePolicy custom = new CachePolicy(Duration.ofSeconds(42), 1024, Duration.ofDays(1));
        assertThat(custom.storeDecision(HEAD, NONE, 200, NONE, 0, true, NOW).ttl()).isEqualTo(Duration.ofSeconds(42));
    }

    @Test
    void defaultTtlZero_storesOnlyWithAnExplicitLifetime() {
        CachePolicy explicitOnly = new CachePolicy(Duration.ZERO, 1024, Duration.ofDays(1));
        assertThat(explicitOnly.storeDecision(GET, NONE, 200, NONE, 10, true, NOW))
                .isEqualTo(StoreDecision.dontStore(Reason.NO_LIFETIME));
        assertThat(explicitOnly.storeDecision(GET, NONE, 200, h("Cache-Control", "max-age=5"), 10, true, NOW).ttl())
                .isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void get_upstreamLifetime_sMaxAgeThenMaxAgeThenExpires_minusAge() {
        assertThat(store(GET, NONE, 200, h("Cache-Control", "max-age=60")).ttl()).isEqualTo(Duration.ofSeconds(60));
        assertThat(store(GET, NONE, 200, h("Cache-Control", "max-age=60, s-maxage=30")).ttl())
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(store(GET, NONE, 200, h("Expires", "Thu, 02 Jan 2025 03:05:05 GMT", "Date", "Thu, 02 Jan 2025 03:04:35 GMT")).ttl())
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(store(GET, NONE, 200, h("Expires", "Thu, 02 Jan 2025 03:05:05 GMT")).ttl())
                .as("without Date, Expires counts from now").isEqualTo(Duration.ofSeconds(60));
        assertThat(store(GET, NONE, 200, h("Cache-Control", "max-age=60", "Expires", "Thu, 01 Jan 1970 00:00:00 GMT")).ttl())
                .as("max-age beats Expires").isEqualTo(Duration.ofSeconds(60));
        assertThat(store(GET, NONE, 200, h("Cache-Control", "max-age=60", "Age", "45")).ttl())
                .isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void get_noLifetime_isNotStored() {
        assertThat(store(GET, NONE, 200, h("Cache-Control", "max-age=0")).reason()).isEqualTo(Reason.NO_LIFETIME);
        assertThat(store(GET, NONE, 200, h("Cache-Control", "max-age=soon")).reason()).isEqualTo(Reason.NO_LIFETIME);
        assertThat(store(GET, NONE, 200, h("Expires", "Wed, 01 Jan 2025 00:00:00 GMT")).reason()).isEqualTo(Reason.NO_LIFETIME);
        assertThat(store(GET, NONE, 200, h("Expires", "0")).reason()).isEqualTo(Reason.NO_LIFETIME);
        assertThat(store(GET, NONE, 200, h("Cache-Control", "max-age=60", "Age", "60")).reason()).isEqualTo(Reason.NO_LIFETIME);
    }

    @Test
    void lifetime_isCappedAtMaxTtl() {
        assertThat(store(GET, NONE, 200, h("Cache-Control", "max-age=99999999")).ttl()).isEqualTo(Duration.ofDays(1));
        assertThat(store(POST, h("Cache-Control", "public, max-age=31536000"), 200, NONE).ttl()).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void only2xx_except206() {
        for (int status : new int[]{200, 201, 203, 204, 299}) {
            assertThat(store(GET, NONE, status, NONE).store()).as("%d", status).isTrue();
        }
        for (int status : new int[]{101, 206, 301, 304, 400, 404, 429, 500, 503}) {
            assertThat(store(GET, NONE, status, NONE).reason()).as("%d", status).isEqualTo(Reason.STATUS);
        }
    }

    @Test
    void incompleteBodies_andStreams_areNeverStored() {
        assertThat(policy.storeDecision(POST, OPT_IN, 200, h("Content-Type", "text/event-stream"), 100, false, NOW))
                .isEqualTo(StoreDecision.dontStore(Reason.INCOMPLETE));
        assertThat(policy.storeDecision(GET, NONE, 200, NONE, 100, false, NOW).reason()).isEqualTo(Reason.INCOMPLETE);
    }

    @Test
    void objectsAboveMaxObjectBytes_areNotStored() {
        long max = CachePolicy.DEFAULT_MAX_OBJECT_BYTES;
        assertThat(policy.storeDecision(GET, NONE, 200, NONE, max, true, NOW).store()).isTrue();
        assertThat(policy.storeDecision(GET, NONE, 200, NONE, max + 1, true, NOW).reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(policy.storeDecision(GET, NONE, 200, NONE, -1, true, NOW).reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(policy.maxObjectBytes()).isEqualTo(1_048_576);
    }

    @Test
    void noStore_private_andGetNoCache_areHonoured() {
        assertThat(store(GET, h("Cache-Control", "no-store"), 200, NONE).reason()).isEqualTo(Reason.REQUEST_NO_STORE);
        assertThat(store(GET, NONE, 200, h("Cache-Control", "no-store")).reason()).isEqualTo(Reason.RESPONSE_NO_STORE);
        assertThat(store(POST, OPT_IN, 200, h("Cache-Control", "no-store")).reason()).isEqualTo(Reason.RESPONSE_NO_STORE);
        assertThat(store(GET, NONE, 200, h("Cache-Control", "private, max-age=60")).reason()).isEqualTo(Reason.PRIVATE);
        assertThat(store(POST, OPT_IN, 200, h("Cache-Control", "private=\"x-user\"")).reason()).isEqualTo(Reason.PRIVATE);
        assertThat(store(GET, NONE, 200, h("Cache-Control", "no-cache")).reason()).isEqualTo(Reason.NO_CACHE);
    }

    @Test
    void post_storesOnlyWhenOptedIn_forTheClientsLifetime() {
        assertThat(store(POST, NONE, 200, NONE).reason()).isEqualTo(Reason.NOT_OPTED_IN);
        assertThat(store(POST, h("Cache-Control", "max-age=60"), 200, NONE).reason()).isEqualTo(Reason.NOT_OPTED_IN);
        assertThat(store(POST, OPT_IN, 200, NONE).ttl()).isEqualTo(Duration.ofSeconds(120));
        assertThat(store(POST, h("Cache-Control", "public, max-age=120, s-maxage=30"), 200, NONE).ttl())
                .as("s-maxage wins").isEqualTo(Duration.ofSeconds(30));
        assertThat(store(POST, OPT_IN, 200, h("Cache-Control", "max-age=10")).ttl())
                .as("an upstream lifetime lowers it").isEqualTo(Duration.ofSeconds(10));
        assertThat(store(POST, OPT_IN, 200, h("Cache-Control", "max-age=0")).reason()).isEqualTo(Reason.NO_LIFETIME);
    }

    @Test
    void optedInStream_isStoredDespiteTheUpstreamsNoCache() {
        HttpHeaders sse = h("Content-Type", "text/event-stream", "Cache-Control", "no-cache");
        assertThat(policy.storeDecision(POST, OPT_IN, 200, sse, 5000, true, NOW))
                .isEqualTo(StoreDecision.store(Duration.ofSeconds(120)));
    }

    @Test
    void vary_onTheKeyedHeadersOrOrigin_isStored_anythingElseIsNot() {
        assertThat(store(GET, NONE, 200, h("Vary", "Origin")).store()).isTrue();
        assertThat(store(GET, NONE, 200, h("Vary", "Accept, Accept-Encoding", "Vary", "origin")).store()).isTrue();
        assertThat(store(POST, OPT_IN, 200, h("Vary", "Authorization, OpenAI-Beta")).store()).isTrue();
        assertThat(store(GET, NONE, 200, h("Vary", "*")).reason()).isEqualTo(Reason.VARY);
        assertThat(store(GET, NONE, 200, h("Vary", "Origin, Cookie")).reason()).isEqualTo(Reason.VARY);
        assertThat(store(GET, NONE, 200, h("Vary", "Accept-Language")).reason()).isEqualTo(Reason.VARY);
    }

    @Test
    void setCookie_doesNotPreventStoring() {
        assertThat(store(GET, NONE, 200, h("Set-Cookie", "__cf_bm=x; path=/")).store()).isTrue();
    }

    @Test
    void otherMethods_areNeverStored() {
        assertThat(store(PUT, OPT_IN, 200, h("Cache-Control", "public, max-age=60")).reason()).isEqualTo(Reason.METHOD);
    }

    // Serving a found entry

    final CachedResponse entry = CachedResponse.of(200, h("ETag", "\"v1\"", "Last-Modified", "Thu, 02 Jan 2025 03:00:00 GMT"),
            new byte[]{1}, false, NOW, Duration.ofSeconds(100));

    @Test
    void servable_untilExpiry_andWithinTheClientsMaxAgeAndMinFresh() {
        assertThat(policy.servable(NONE, entry, NOW.plusSeconds(99))).isTrue();
        assertThat(policy.servable(NONE, entry, NOW.plusSeconds(100))).isFalse();
        assertThat(policy.servable(NONE, null, NOW)).isFalse();
        assertThat(policy.servable(h("Cache-Control", "max-age=30"), entry, NOW.plusSeconds(30))).isTrue();
        assertThat(policy.servable(h("Cache-Control", "max-age=30"), entry, NOW.plusSeconds(31))).isFalse();
        assertThat(policy.servable(h("Cache-Control", "min-fresh=50"), entry, NOW.plusSeconds(50))).isTrue();
        assertThat(policy.servable(h("Cache-Control", "min-fresh=50"), entry, NOW.plusSeconds(51))).isFalse();
    }

    @Test
    void ifNoneMatch_weakComparison_lists_andStar() {
        assertThat(policy.isNotModified(GET, h("If-None-Match", "\"v1\""), entry)).isTrue();
        assertThat(policy.isNotModified(GET, h("If-None-Match", "W/\"v1\""), entry)).isTrue();
        assertThat(policy.isNotModified(HEAD, h("If-None-Match", "\"a,b\", W/\"v1\""), entry)).isTrue();
        assertThat(policy.isNotModified(GET, h("If-None-Match", "\"x\"", "If-None-Match", "\"v1\""), entry)).isTrue();
        assertThat(policy.isNotModified(GET, h("If-None-Match", "*"), entry)).isTrue();
        assertThat(policy.isNotModified(GET, h("If-None-Match", "\"v2\", \"v1x\""), entry)).isFalse();
        assertThat(policy.isNotModified(GET, h("If-None-Match", "v1"), entry)).isFalse();
        assertThat(policy.isNotModified(GET, NONE, entry)).isFalse();

        CachedResponse weak = CachedResponse.of(200, h("ETag", "W/\"w\""), new byte[0], false, NOW, Duration.ofSeconds(1));
        assertThat(policy.isNotModified(GET, h("If-None-Match", "\"w\""), weak)).isTrue();
    }

    @Test
    void computedEtag_revalidates() {
        CachedResponse noTag = CachedResponse.of(200, NONE, "{\"a\":1}".getBytes(), false, NOW, Duration.ofSeconds(10));
        assertThat(policy.isNotModified(GET, h("If-None-Match", noTag.etag()), noTag)).isTrue();
    }

    @Test
    void ifModifiedSince_onlyWithoutIfNoneMatch() {
        assertThat(policy.isNotModified(GET, h("If-Modified-Since", "Thu, 02 Jan 2025 03:00:00 GMT"), entry)).isTrue();
        assertThat(policy.isNotModified(GET, h("If-Modified-Since", "Thu, 02 Jan 2025 02:59:59 GMT"), entry)).isFalse();
        assertThat(policy.isNotModified(GET, h("If-Modified-Since", "garbage"), entry)).isFalse();
        assertThat(policy.isNotModified(GET, h("If-None-Match", "\"other\"",
                "If-Modified-Since", "Thu, 02 Jan 2025 04:00:00 GMT"), entry)).isFalse();
    }

    @Test
    void post_isNeverAnswered304() {
        assertThat(policy.isNotModified(POST, h("If-None-Match", "*"), entry)).isFalse();
    }

    @Test
    void age_isWholeSecondsSinceStored_neverNegative() {
        assertThat(CachePolicy.age(NOW.plusMillis(2999), entry)).isEqualTo(2);
        assertThat(CachePolicy.age(NOW.minusSeconds(5), entry)).isZero();
    }

    @Test
    void cacheStatus_headerValues() {
        assertThat(CacheStatus.HIT.label()).isEqualTo("hit");
        assertThat(CacheStatus.HIT.cacheStatus()).isEqualTo("llm-proxy; hit");
        assertThat(CacheStatus.CONDITIONAL_HIT.cacheStatus()).isEqualTo("llm-proxy; conditional-hit");
        assertThat(CacheStatus.MISS.label()).isEqualTo("miss");
        assertThat(CacheStatus.STORED.cacheStatus()).isEqualTo("llm-proxy; stored");
        assertThat(CacheStatus.BYPASS.label()).isEqualTo("bypass");
        assertThat(CacheStatus.CONDITIONAL_HIT.servedFromCache()).isTrue();
        assertThat(CacheStatus.STORED.servedFromCache()).isFalse();
        assertThat(CacheStatus.X_PROXY_CACHE_KEY.toString()).isEqualTo("x-proxy-cache-key");
    }

    @Test
    void cacheControl_parsing_isConservative() {
        CacheControl cc = CacheControl.of(h("Cache-Control", "max-age=60, community=\"UCI,no-store\", max-age=30"));
        assertThat(cc.maxAge()).as("a repeated directive keeps the smaller value").isEqualTo(30);
        assertThat(cc.noStore()).as("commas inside quotes do not split").isFalse();
        assertThat(CacheControl.of(h("Cache-Control", "max-age=\"15\"")).maxAge()).isEqualTo(15);
        assertThat(CacheControl.of(h("Cache-Control", "max-age=-5")).maxAge()).isZero();
        assertThat(CacheControl.of(h("Cache-Control", "max-age=99999999999999999999999")).maxAge())
                .isEqualTo(CacheControl.MAX_SECONDS);
        assertThat(CacheControl.of(NONE)).isEqualTo(CacheControl.NONE);
    }

    @Test
    void constructor_validates() {
        assertThatThrownBy(() -> new CachePolicy(Duration.ofSeconds(-1), 1, Duration.ofDays(1)))
                .hasMessageContaining("defaultTtl");
        assertThatThrownBy(() -> new CachePolicy(Duration.ZERO, 0, Duration.ofDays(1))).hasMessageContaining("maxObjectBytes");
        assertThatThrownBy(() -> new CachePolicy(Duration.ZERO, 1, Duration.ZERO)).hasMessageContaining("maxTtl");
    }
}
