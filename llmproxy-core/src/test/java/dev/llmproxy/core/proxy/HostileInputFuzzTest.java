package dev.llmproxy.core.proxy;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.llmproxy.core.cache.CachedResponse;
import dev.llmproxy.core.openai.OpenAiJson;
import dev.llmproxy.core.route.PolicyViolation;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.core.route.RequestPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz targets (Jazzer) for the code that reads what clients and upstreams send before anything
 * else can check it: the request path and policy, and the SSE/JSON readers.
 *
 * <p>In a normal build ({@code ./mvnw verify}) these run in Jazzer's regression mode: only the
 * inputs under {@code src/test/resources/dev/llmproxy/core/proxy/HostileInputFuzzTestInputs/},
 * in a second. To fuzz, one target per run, for its {@code maxDuration} (CI does this, see
 * {@code .ci/run}; raise {@code maxDuration} locally for longer sessions):
 *
 * <pre>
 * JAZZER_FUZZ=1 ./mvnw -B -pl llmproxy-core -am test -Dtest='HostileInputFuzzTest#requestPath' \
 *     -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * A finding is written under the inputs directory above and then replays in every build.
 */
class HostileInputFuzzTest {

    private static final RequestPolicy POLICY = new RequestPolicy(new ProviderConfig("fuzz",
            List.of(URI.create("http://127.0.0.1:9")), ProviderConfig.OPENAI_ENDPOINTS,
            Set.of("GET", "POST", "DELETE"), ProviderConfig.Timeouts.DEFAULTS,
            Map.of("model", List.of("gpt-*"), "temperature", List.of("0*", "1")),
            List.of("https://app.example"), Set.of(), Map.of("fast", "gpt-4o-mini")));

    /**
     * Request target → path → policy. Never throws; a path the policy calls safe cannot be turned
     * into another path by normalisation (so {@code /v1/../manage} can never pass), and a path
     * outside {@code /v1/} never passes the endpoint allowlist.
     */
    @FuzzTest(maxDuration = "30s")
    void requestPath(FuzzedDataProvider data) {
        String method = data.pickValue(new String[] {"GET", "POST", "DELETE", "PUT", "OPTIONS", "get"});
        String uri = data.consumeString(300);
        HttpHeaders headers = new DefaultHttpHeaders(false);
        if (data.consumeBoolean()) {
            headers.add("origin", data.consumeString(40));
        }
        byte[] body = data.consumeRemainingAsBytes();

        String path = RequestTargets.rawPath(uri);
        if (path == null) {
            return;
        }
        PolicyViolation violation = POLICY.checkRequest(method, path, headers);
        boolean safe = RequestPolicy.isSafePath(path);
        if (safe) {
            String lower = path.toLowerCase(Locale.ROOT);
            assertThat(lower).doesNotContain("/../", "/./", "//", "\\", "%2f", "%5c", "%2e", "%00");
            assertThat(path).doesNotEndWith("/..").doesNotEndWith("/.");
            try {
                String normalised = new URI(null, null, path, null).normalize().getRawPath();
                assertThat(normalised).as("normalising a safe path changes nothing").isEqualTo(
                        new URI(null, null, path, null).getRawPath());
            } catch (URISyntaxException notAUri) {
                // java.net.URI rejects some characters the policy allows (it is stricter); fine
            }
        }
        if (violation == null) {
            assertThat(safe).as("a path that passes is safe: %s", path).isTrue();
            assertThat(path).startsWith("/v1/");
        }
        ByteBuf buf = Unpooled.wrappedBuffer(body);
        try {
            POLICY.checkBody(method, "application/json", buf); // never throws, never moves the buffer
            assertThat(buf.readerIndex()).isZero();
        } finally {
            buf.release();
        }
        OpenAiJson.sniffRequest(body, 0, body.length);
    }

    /**
     * The upstream's SSE and JSON as the proxy reads them (usage, model, cached replay). Never
     * throws; a stored stream replays byte for byte, split at event boundaries.
     */
    @FuzzTest(maxDuration = "30s")
    void sseParser(byte[] stream) {
        OpenAiJson.readSseResponse(stream, 0, stream.length);
        OpenAiJson.readJsonResponse(stream, 0, stream.length);
        HttpHeaders h = new DefaultHttpHeaders();
        h.set("content-type", "text/event-stream");
        CachedResponse cached = CachedResponse.of(200, h, stream, true, Instant.EPOCH, Duration.ofMinutes(1));
        ByteArrayOutputStream replayed = new ByteArrayOutputStream();
        for (ByteBuf chunk : cached.chunks()) {
            try {
                byte[] b = new byte[chunk.readableBytes()];
                chunk.readBytes(b);
                replayed.writeBytes(b);
            } finally {
                chunk.release();
            }
        }
        assertThat(replayed.toByteArray()).isEqualTo(stream);
    }
}
