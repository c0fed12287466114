package dev.llmproxy.core.manage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.core.store.InMemoryProjectStore;
import dev.llmproxy.core.store.InMemoryTokenStore;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * {@link ManagementHandler} on an {@link EmbeddedChannel}: pass-through of other routes, body
 * limits, pipelining order and executor refusal. The blocking executor is a queue the test runs by
 * hand, so "the store call is in progress" is a state the test can look at. Every test ends with
 * {@code assertFalse(channel.finishAndReleaseAll())} under paranoid leak detection.
 */
class ManagementHandlerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String AUTH = "Bearer " + ManagementFixture.MANAGEMENT_TOKEN;

    private final ArrayDeque<Runnable> blockingTasks = new ArrayDeque<>();
    private final List<Object> passedOn = new ArrayList<>();
    private EmbeddedChannel channel;

    private EmbeddedChannel channel(Executor executor) {
        InMemoryProjectStore projects = new InMemoryProjectStore();
        ManagementApi api = ManagementApi.builder().projects(projects).tokens(new InMemoryTokenStore(projects))
                .managementToken(ManagementFixture.MANAGEMENT_TOKEN).executor(executor).maxBodyBytes(1024).build();
        channel = new EmbeddedChannel(api.newHandler(), new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                passedOn.add(msg); // released in cleanUp
            }
        });
        return channel;
    }

    @AfterEach
    void cleanUp() {
        passedOn.forEach(ReferenceCountUtil::release);
    }

    private void runBlockingTasks() {
        Runnable r;
        while ((r = blockingTasks.poll()) != null) {
            r.run();
        }
        channel.runPendingTasks();
    }

    private static FullHttpRequest manage(HttpMethod method, String uri, String body) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.AUTHORIZATION, AUTH);
        HttpUtil.setContentLength(r, r.content().readableBytes());
        return r;
    }

    private static JsonNode json(FullHttpResponse r) throws Exception {
        try {
            return JSON.readTree(r.content().toString(StandardCharsets.UTF_8));
        } finally {
            r.release();
        }
    }

    @Test
    void otherPaths_passToTheNextHandlerUnchanged_withTheirBody() {
        EmbeddedChannel ch = channel(blockingTasks::add);
        HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/chat/completions");
        HttpContent part = new DefaultHttpContent(Unpooled.copiedBuffer("{\"a\":", StandardCharsets.UTF_8));
        LastHttpContent last = new DefaultLastHttpContent(Unpooled.copiedBuffer("1}", StandardCharsets.UTF_8));
        ch.writeInbound(head, part, last);
        FullHttpRequest health = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/health");
        ch.writeInbound(health);
        // "/managed" is not "/manage/": not ours either.
        FullHttpRequest lookalike = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/managed");
        ch.writeInbound(lookalike);

        assertThat(passedOn).containsExactly(head, part, last, health, lookalike);
        assertThat(part.refCnt()).isEqualTo(1);
        assertThat(blockingTasks).isEmpty();
        assertThat((Object) ch.readOutbound()).isNull();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void managementRequest_runsOnTheBlockingExecutor_andIsAnsweredOnTheEventLoop() throws Exception {
        EmbeddedChannel ch = channel(blockingTasks::add);
        HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/manage/projects");
        head.headers().set(HttpHeaderNames.AUTHORIZATION, AUTH);
        head.headers().set("X-Request-ID", "req-1");
        ch.writeInbound(head, new DefaultHttpContent(Unpooled.copiedBuffer("{\"name\":\"a\",", StandardCharsets.UTF_8)),
                new DefaultLastHttpContent(Unpooled.copiedBuffer("\"api_key\":\"sk-abcdefghijklmnopqrstu\"}",
                        StandardCharsets.UTF_8)));
        assertThat((Object) ch.readOutbound()).as("no answer before the store call ran").isNull();
        assertThat(blockingTasks).hasSize(1);

        runBlockingTasks();
        FullHttpResponse r = ch.readOutbound();
        assertThat(r.status().code()).isEqualTo(201);
        assertThat(r.headers().get("X-Request-ID")).isEqualTo("req-1");
        assertThat(r.headers().get(HttpHeaderNames.CACHE_CONTROL)).isEqualTo("no-store");
        assertThat(json(r).get("name").asText()).isEqualTo("a");
        assertThat(passedOn).isEmpty();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void pipelinedRequests_areAnsweredInOrder_evenWhenTheSecondIsNotOurs() throws Exception {
        EmbeddedChannel ch = channel(blockingTasks::add);
        ch.writeInbound(manage(HttpMethod.GET, "/manage/projects", ""));
        FullHttpRequest health = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/health");
        ch.writeInbound(health);
        ch.writeInbound(manage(HttpMethod.GET, "/manage/tokens", ""));
        assertThat(passedOn).as("held back until the first answer is written").isEmpty();

        runBlockingTasks();
        FullHttpResponse first = ch.readOutbound();
        assertThat(json(first).has("projects")).isTrue();
        assertThat(passedOn).containsExactly(health);
        runBlockingTasks();
        FullHttpResponse third = ch.readOutbound();
        assertThat(json(third).has("tokens")).isTrue();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void declaredBodyBeyondTheLimit_is413_andTheConnectionCloses() throws Exception {
        EmbeddedChannel ch = channel(blockingTasks::add);
        HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/manage/projects");
        HttpUtil.setContentLength(head, 5000);
        ch.writeInbound(head);
        FullHttpResponse r = ch.readOutbound();
        assertThat(r.status().code()).isEqualTo(413);
        assertThat(json(r).at("/error/code").asText()).isEqualTo("request_too_large");
        assertThat(ch.isOpen()).isFalse();
        assertThat(blockingTasks).isEmpty();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void streamedBodyBeyondTheLimit_is413() throws Exception {
        EmbeddedChannel ch = channel(blockingTasks::add);
        HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/manage/projects");
        HttpUtil.setTransferEncodingChunked(head, true);
        ch.writeInbound(head);
        ch.writeInbound(new DefaultHttpContent(Unpooled.copiedBuffer(new byte[800])));
        assertThat((Object) ch.readOutbound()).isNull();
        ch.writeInbound(new DefaultHttpContent(Unpooled.copiedBuffer(new byte[800])));
        FullHttpResponse r = ch.readOutbound();
        assertThat(r.status().code()).isEqualTo(413);
        r.release();
        assertThat(blockingTasks).isEmpty();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void malformedQueryString_is400() throws Exception {
        EmbeddedChannel ch = channel(blockingTasks::add);
        ch.writeInbound(manage(HttpMethod.GET, "/manage/projects?page=%zz", ""));
        runBlockingTasks(); // the query is decoded with the rest of the request, off the event loop
        FullHttpResponse r = ch.readOutbound();
        assertThat(r.status().code()).isEqualTo(400);
        var error = json(r).at("/error");
        assertThat(error.at("/code").asText()).isEqualTo("invalid_request");
        assertThat(error.at("/message").asText()).isEqualTo("Malformed query string");
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void refusedByTheExecutor_is503() throws Exception {
        EmbeddedChannel ch = channel(task -> {
            throw new RejectedExecutionException("saturated");
        });
        ch.writeInbound(manage(HttpMethod.GET, "/manage/projects", ""));
        FullHttpResponse r = ch.readOutbound();
        assertThat(r.status().code()).isEqualTo(503);
        assertThat(json(r).at("/error/code").asText()).isEqualTo("service_unavailable");
        assertThat(ch.isOpen()).isTrue();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void headRequest_getsHeadersWithoutABody() {
        EmbeddedChannel ch = channel(blockingTasks::add);
        ch.writeInbound(manage(HttpMethod.HEAD, "/manage/projects", ""));
        runBlockingTasks();
        FullHttpResponse r = ch.readOutbound();
        assertThat(r.status().code()).isEqualTo(405);
        assertThat(r.headers().get(HttpHeaderNames.ALLOW)).isEqualTo("GET, POST");
        assertThat(r.headers().getInt(HttpHeaderNames.CONTENT_LENGTH)).isPositive();
        assertThat(r.content().readableBytes()).isZero();
        r.release();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void connectionCloseRequest_isAnsweredThenClosed() throws Exception {
        EmbeddedChannel ch = channel(blockingTasks::add);
        FullHttpRequest req = manage(HttpMethod.GET, "/manage/projects", "");
        req.headers().set(HttpHeaderNames.CONNECTION, "close");
        ch.writeInbound(req);
        runBlockingTasks();
        FullHttpResponse r = ch.readOutbound();
        assertThat(r.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
        assertThat(json(r).has("projects")).isTrue();
        assertThat(ch.isOpen()).isFalse();
        assertFalse(ch.finishAndReleaseAll());
    }
}
