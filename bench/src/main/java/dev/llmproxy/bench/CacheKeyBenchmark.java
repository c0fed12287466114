package dev.llmproxy.bench;

import dev.llmproxy.core.cache.CacheKey;
import dev.llmproxy.core.cache.CacheKeys;
import dev.llmproxy.core.cache.CachePolicy;
import dev.llmproxy.core.cache.CacheScope;
import dev.llmproxy.core.cache.CachedResponse;
import dev.llmproxy.core.cache.CaffeineResponseCache;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * What the response cache costs a request before any I/O: the key of an opted-in chat request
 * (canonical-JSON SHA-256 of the body), the lookup decision, and an in-memory hit. {@code messages}
 * sets the request size (1 message ≈ 0.3 KiB, 50 ≈ 12 KiB). The end-to-end comparison of a hit
 * with a miss through the proxy is the lead's load test; this isolates the library's share.
 *
 * <pre>java -jar bench/target/benchmarks.jar CacheKeyBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CacheKeyBenchmark {

    @Param({"1", "50"})
    public int messages;

    private final CacheKeys keys = new CacheKeys(CacheKeys.DEFAULT_PREFIX);
    private final CachePolicy policy = CachePolicy.defaults();
    private final CacheScope scope = CacheScope.project("3f2c1a9e-8b7d-4c6e-9f10-112233445566");
    private HttpHeaders headers;
    private byte[] body;
    private byte[] unseen;
    private CaffeineResponseCache cache;

    @Setup(Level.Trial)
    public void setUp() {
        StringBuilder b = new StringBuilder("{\"model\":\"gpt-4o-mini\",\"temperature\":0.2,\"messages\":[");
        for (int i = 0; i < messages; i++) {
            b.append(i == 0 ? "" : ",").append("{\"role\":\"").append(i % 2 == 0 ? "user" : "assistant")
                    .append("\",\"content\":\"").append("Tell me something about the number ").append(i)
                    .append(". ".repeat(1)).append("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do "
                            + "eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam.")
                    .append("\"}");
        }
        b.append("],\"stream\":false}");
        body = b.toString().getBytes(StandardCharsets.UTF_8);
        unseen = (b.substring(0, b.length() - 1) + ",\"user\":\"00000000\"}").getBytes(StandardCharsets.UTF_8);
        headers = new DefaultHttpHeaders()
                .set("Content-Type", "application/json")
                .set("Accept", "application/json")
                .set("Accept-Encoding", "gzip, deflate, br")
                .set("Cache-Control", "public, max-age=300")
                .set("Authorization", "Bearer sk-bench");
        cache = new CaffeineResponseCache(CaffeineResponseCache.DEFAULT_MAX_BYTES, Clock.systemUTC());
        byte[] answer = ("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":"
                + "{\"role\":\"assistant\",\"content\":\"" + "x".repeat(800) + "\"}}],\"usage\":{\"total_tokens\":240}}")
                .getBytes(StandardCharsets.UTF_8);
        cache.putNow(key(), CachedResponse.of(200, new DefaultHttpHeaders().set("Content-Type", "application/json"),
                answer, false, Clock.systemUTC().instant(), Duration.ofHours(1)));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cache.close();
    }

    private CacheKey key() {
        return keys.forRequest(scope, HttpMethod.POST, "/v1/chat/completions", headers, body);
    }

    /** The key alone: canonical JSON and SHA-256 of the body, plus the readable form. */
    @Benchmark
    public CacheKey key_only() {
        return key();
    }

    private int variant;

    /**
     * A body never seen before (a miss, or the first request of a conversation): the full canonical
     * JSON parse and SHA-256, plus remembering the result. {@link #key_only} repeats one body, as
     * a client getting hits does.
     */
    @Benchmark
    public CacheKey key_unseen_body() {
        // Overwrite the 8 digits of "user" so every call hashes new bytes.
        int v = variant++;
        for (int i = 0, at = unseen.length - 3; i < 8; i++, at--, v /= 10) {
            unseen[at] = (byte) ('0' + v % 10);
        }
        return keys.forRequest(scope, HttpMethod.POST, "/v1/chat/completions", headers, unseen);
    }

    /** Everything a hit costs before writing the answer: decision, key, lookup. */
    @Benchmark
    public CachedResponse decide_key_and_hit() {
        if (!policy.lookupDecision(HttpMethod.POST, headers).lookup()) {
            throw new IllegalStateException("benchmark request is not cacheable");
        }
        CachedResponse r = cache.getNow(key());
        if (r == null) {
            throw new IllegalStateException("benchmark entry missing");
        }
        return r;
    }
}
