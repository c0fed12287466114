package dev.llmproxy.core.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.core.ProxySettings;
import dev.llmproxy.core.capture.WireCapture;
import dev.llmproxy.core.capture.WireCaptureConfig;
import dev.llmproxy.core.route.ProviderConfig;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Answers the proxy gives itself (policy rejections, oversized bodies) are captured with their
 * error code, and capturing them releases every buffer (paranoid leak detection runs the suite).
 */
class ProxyHandlerCaptureTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final ProviderConfig provider = new ProviderConfig("test", List.of(URI.create("http://127.0.0.1:9")),
            List.of("/v1/chat/completions"), Set.of("GET", "POST"), ProviderConfig.Timeouts.DEFAULTS,
            Map.of("model", List.of("gpt-4o")), List.of(), Set.of(), Map.of());
    private final ProxyEngine engine = new ProxyEngine(new ProxySettings(new InetSocketAddress(0), provider,
            "sk-upstream-key-for-handler-test", "/v1/", 1024, 16 * 1024, 4096, Duration.ofSeconds(30), 1, 8, 65536,
            262144, null));
    private WireCapture capture;

    @AfterEach
    void close() {
        engine.close();
        if (capture != null) {
            capture.close();
        }
    }

    private List<JsonNode> lines(int expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (capture.stats().written() < expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        List<JsonNode> out = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                for (String l : Files.readAllLines(f)) {
                    out.add(JSON.readTree(l));
                }
            }
        }
        return out;
    }

    private static FullHttpRequest post(String uri, String body) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        r.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer sk-client-secret-0123456789");
        return r;
    }

    @Test
    void localErrorsAreCaptured_andNoBufferLeaks() throws Exception {
        capture = WireCapture.start(WireCaptureConfig.builder().directory(dir).build());
        engine.wireCapture(capture);
        EmbeddedChannel ch = new EmbeddedChannel(engine.newHandler());
        ch.writeInbound(post("/v1/embeddings", "{\"model\":\"gpt-4o\"}"));
        FullHttpResponse notFound = ch.readOutbound();
        assertThat(notFound.status().code()).isEqualTo(404);
        notFound.release();
        ch.writeInbound(post("/v1/chat/completions", "{\"model\":\"gpt-5\"}"));
        FullHttpResponse badParam = ch.readOutbound();
        assertThat(badParam.status().code()).isEqualTo(400);
        String badParamBody = badParam.content().toString(StandardCharsets.UTF_8);
        badParam.release();
        ch.writeInbound(post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"pad\":\"" + "x".repeat(2000) + "\"}"));
        FullHttpResponse tooLarge = ch.readOutbound();
        assertThat(tooLarge.status().code()).isEqualTo(413);
        tooLarge.release();
        assertFalse(ch.finishAndReleaseAll());

        List<JsonNode> lines = lines(3);
        assertThat(lines).extracting(l -> l.at("/error/code").asText())
                .containsExactly("endpoint_not_found", "param_not_allowed", "request_too_large");
        JsonNode param = lines.get(1);
        assertThat(param.at("/request/body/text").asText()).isEqualTo("{\"model\":\"gpt-5\"}");
        assertThat(param.at("/response/body/text").asText()).isEqualTo(badParamBody);
        assertThat(param.at("/request/headers/authorization").asText()).isEqualTo("[REDACTED]");
        assertThat(param.get("upstream")).isNull();
        assertThat(lines.get(2).at("/request").has("body")).isFalse(); // refused before the body was read
        assertThat(Files.readString(Files.list(dir).findFirst().orElseThrow()))
                .doesNotContain("sk-client-secret-0123456789");
    }
}
