package dev.llmproxy.core.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.core.ProxySettings;
import dev.llmproxy.core.route.ProviderConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Handler-level behaviour of {@link ProxyHandler} that never reaches an upstream: policy
 * rejections, body limits, malformed requests, preflight and pass-through of other routes.
 * Every test ends with {@code assertFalse(channel.finishAndReleaseAll())}, and the build runs
 * with paranoid leak detection, so a leaked buffer fails the suite.
 */
class ProxyHandlerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ProviderConfig provider = new ProviderConfig("test",
            List.of(URI.create("http://127.0.0.1:9")),
            List.of("/v1/chat/completions", "/v1/models"),
            Set.of("GET", "POST"),
            ProviderConfig.Timeouts.DEFAULTS,
            Map.of("model", List.of("gpt-4o", "gpt-4o-*")),
            List.of("https://app.example.com"),
            Set.of(),
            Map.of());

    private final ProxyEngine engine = new ProxyEngine(new ProxySettings(new InetSocketAddress(0), provider, "sk-upstream",
            "/v1/", 1024, 16 * 1024, 4096, Duration.ofSeconds(30), 1, 8, 65536, 262144, null));

    private final List<Object> passedOn = new ArrayList<>();

    @AfterEach
    void closeEngine() {
        engine.close();
        passedOn.forEach(ReferenceCountUtil::release);
    }

    private EmbeddedChannel channel() {
        return new EmbeddedChannel(engine.newHandler(), new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                passedOn.add(msg);
            }
        });
    }

    private static FullHttpRequest post(String uri, String json) {
        ByteBuf body = Unpooled.copiedBuffer(json, StandardCharsets.UTF_8);
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        HttpUtil.setContentLength(r, body.readableBytes());
        return r;
    }

    private static JsonNode error(FullHttpResponse response) throws Exception {
        assertThat(response.headers().get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("application/json");
        return JSON.readTree(response.content().toString(StandardCharsets.UTF_8)).get("error");
    }

    @Test
    void unknownEndpoint_gets404WithOpenAiEnvelope() throws Exception {
        EmbeddedChannel ch = channel();
        ch.writeInbound(post("/v1/secret", "{}"));
        FullHttpResponse response = ch.readOutbound();
        assertThat(response.status().code()).isEqualTo(404);
        JsonNode err = error(response);
        assertThat(err.get("code").asText()).isEqualTo("endpoint_not_found");
        assertThat(err.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(err.has("param")).isTrue();
        assertThat(response.headers().get("x-request-id")).isNotBlank();
        assertThat(response.headers().get("x-llm-proxy-overhead-us")).matches("\\d+");
        response.release();
        assertThat(ch.isActive()).as("keep-alive survives a policy rejection").isTrue();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void disallowedMethod_gets405() throws Exception {
        EmbeddedChannel ch = channel();
        ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.DELETE, "/v1/models/x"));
        FullHttpResponse response = ch.readOutbound();
        assertThat(response.status().code()).isEqualTo(405);
        assertThat(error(response).get("code").asText()).isEqualTo("method_not_allowed");
        response.release();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void paramOutsideWhitelist_gets400ParamNotAllowed() throws Exception {
        EmbeddedChannel ch = channel();
        ch.writeInbound(post("/v1/chat/completions", "{\"model\":\"gpt-3.5-turbo\",\"messages\":[]}"));
        FullHttpResponse response = ch.readOutbound();
        assertThat(response.status().code()).isEqualTo(400);
        JsonNode err = error(response);
        assertThat(err.get("code").asText()).isEqualTo("param_not_allowed");
        assertThat(err.get("message").asText()).contains("gpt-3.5-turbo");
        response.release();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void disallowedOrigin_gets403() throws Exception {
        EmbeddedChannel ch = channel();
        FullHttpRequest r = post("/v1/chat/completions", "{\"model\":\"gpt-4o\"}");
        r.headers().set(HttpHeaderNames.ORIGIN, "https://evil.example");
        ch.writeInbound(r);
        FullHttpResponse response = ch.readOutbound();
        assertThat(response.status().code()).isEqualTo(403);
        assertThat(error(response).get("code").asText()).isEqualTo("origin_not_allowed");
        assertThat(response.headers().get("access-control-allow-origin")).isNull();
        response.release();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void declaredBodyOverLimit_gets413AndCloses() throws Exception {
        EmbeddedChannel ch = channel();
        HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/chat/completions");
        HttpUtil.setContentLength(head, 5000);
        ch.writeInbound(head);
        FullHttpResponse response = ch.readOutbound();
        assertThat(response.status().code()).isEqualTo(413);
        assertThat(error(response).get("code").asText()).isEqualTo("request_too_large");
        response.release();
        assertThat(ch.isActive()).as("the unread body makes the connection unusable").isFalse();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void chunkedBodyOverLimit_gets413WhenLimitIsCrossed() throws Exception {
        EmbeddedChannel ch = channel();
        HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/chat/completions");
        HttpUtil.setTransferEncodingChunked(head, true);
        ch.writeInbound(head);
        ch.writeInbound(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[600])));
        assertThat((Object) ch.readOutbound()).isNull();
        ch.writeInbound(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[600])));
        FullHttpResponse response = ch.readOutbound();
        assertThat(response.status().code()).isEqualTo(413);
        response.release();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void otherPaths_arePassedToTheNextHandlerUntouched() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/health"));
        ch.writeInbound(post("/manage/projects", "{}"));
        assertThat(passedOn).hasSize(2);
        assertThat(((HttpRequest) passedOn.get(0)).uri()).isEqualTo("/health");
        assertThat((Object) ch.readOutbound()).isNull();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void pathTraversal_isRefusedNotPassedOn() throws Exception {
        EmbeddedChannel ch = channel();
        ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/v1/../manage/projects"));
        FullHttpResponse response = ch.readOutbound();
        assertThat(response.status().code()).isBetween(400, 404);
        assertThat(passedOn).isEmpty();
        response.release();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void preflightFromAllowedOrigin_echoesOriginAndMethods() {
        EmbeddedChannel ch = channel();
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.OPTIONS, "/v1/chat/completions");
        r.headers().set(HttpHeaderNames.ORIGIN, "https://app.example.com");
        r.headers().set(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD, "POST");
        ch.writeInbound(r);
        FullHttpResponse response = ch.readOutbound();
        assertThat(response.status().code()).isEqualTo(204);
        assertThat(response.headers().get("access-control-allow-origin")).isEqualTo("https://app.example.com");
        assertThat(response.headers().get("access-control-allow-methods")).contains("POST");
        response.release();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void preflightFromOtherOrigin_isRefused() {
        EmbeddedChannel ch = channel();
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.OPTIONS, "/v1/chat/completions");
        r.headers().set(HttpHeaderNames.ORIGIN, "https://evil.example");
        ch.writeInbound(r);
        FullHttpResponse response = ch.readOutbound();
        assertThat(response.status().code()).isEqualTo(403);
        assertThat(response.headers().get("access-control-allow-origin")).isNull();
        response.release();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void malformedRequestLine_gets400AndCloses() {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpServerCodec(), engine.newHandler());
        ch.writeInbound(Unpooled.copiedBuffer("GET /v1/models HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", StandardCharsets.US_ASCII));
        FullHttpResponse response = decodeResponse(ch);
        assertThat(response.status().code()).isEqualTo(400);
        response.release();
        assertThat(ch.isActive()).isFalse();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void pipelinedRequests_areAnsweredInOrder() throws Exception {
        EmbeddedChannel ch = channel();
        ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/v1/nope-1"),
                new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.DELETE, "/v1/models"));
        FullHttpResponse first = ch.readOutbound();
        FullHttpResponse second = ch.readOutbound();
        assertThat(first.status().code()).isEqualTo(404);
        assertThat(second.status().code()).isEqualTo(405);
        first.release();
        second.release();
        assertFalse(ch.finishAndReleaseAll());
    }

    /** Turns the bytes a server codec wrote back into one response object. */
    private static FullHttpResponse decodeResponse(EmbeddedChannel server) {
        EmbeddedChannel client = new EmbeddedChannel(new HttpClientCodec(), new HttpObjectAggregator(1 << 20));
        // The client codec needs to have "sent" a request to know how to parse the answer.
        client.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"));
        ReferenceCountUtil.release(client.readOutbound());
        ByteBuf out;
        while ((out = server.readOutbound()) != null) {
            client.writeInbound(out);
        }
        FullHttpResponse response = client.readInbound();
        client.finishAndReleaseAll();
        return response;
    }
}
