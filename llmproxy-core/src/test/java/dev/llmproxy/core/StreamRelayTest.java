package dev.llmproxy.core;

import dev.llmproxy.core.auth.TokenRecord;
import dev.llmproxy.core.auth.TokenService;
import dev.llmproxy.core.auth.WitheringTokens;
import dev.llmproxy.core.cache.ResponseCache;
import dev.llmproxy.core.cache.ResponseCacheConfig;
import dev.llmproxy.core.cache.ResponseCaches;
import dev.llmproxy.core.project.NewProject;
import dev.llmproxy.core.project.Project;
import dev.llmproxy.core.ratelimit.LocalRateLimiter;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.core.store.InMemoryProjectStore;
import dev.llmproxy.core.store.InMemoryTokenStore;
import dev.llmproxy.core.store.InMemoryUsageStore;
import dev.llmproxy.core.usage.PriceTable;
import dev.llmproxy.core.usage.UsageRecords;
import dev.llmproxy.core.usage.UsageWriter;
import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBuses;
import dev.llmproxy.testing.Behavior;
import dev.llmproxy.testing.MockOpenAiUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streaming relay with every feature on (token check with quota and per-minute limit, response
 * cache, in-memory event bus, usage tracking, metrics): whatever the upstream has sent reaches the
 * client at once, without waiting for the upstream's next chunk or the end of the stream. The
 * cache's capture, the event recorder and the usage reader only copy what passes; none of them may
 * hold a chunk back.
 */
class StreamRelayTest {

    private final ExecutorService blocking = Executors.newFixedThreadPool(2);
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private MockOpenAiUpstream upstream;
    private LlmProxy proxy;
    private String token;

    @BeforeEach
    void start() {
        upstream = MockOpenAiUpstream.start();
        InMemoryProjectStore projects = new InMemoryProjectStore(Clock.systemUTC());
        InMemoryTokenStore tokenStore = new InMemoryTokenStore(projects, Clock.systemUTC());
        TokenService tokens = new TokenService(tokenStore, projects, blocking, new LocalRateLimiter(),
                TokenService.Settings.DEFAULTS, Clock.systemUTC(), null);
        Project project = projects.create(new NewProject("stream", "sk-proj-stream-upstream-key-000"));
        token = WitheringTokens.generate();
        tokenStore.create(TokenRecord.issue(WitheringTokens.hash(token), project.id(), Clock.systemUTC().instant(), null,
                1_000_000L, 100_000));
        ResponseCacheConfig cacheConfig = ResponseCacheConfig.builder().build();
        ResponseCache cache = ResponseCaches.create(cacheConfig, blocking, Clock.systemUTC());
        EventBus bus = EventBuses.load("in-memory", ComponentConfig.of(Map.of()));
        UsageWriter usage = new UsageWriter(new InMemoryUsageStore(), new UsageRecords(PriceTable.builtIn()), 1000, 100,
                null, Clock.systemUTC());
        proxy = LlmProxy.builder().listen("127.0.0.1", 0).provider(ProviderConfig.openAi(upstream.baseUri()))
                .tokenService(tokens).responseCache(cache, cacheConfig).eventBus(bus).usageWriter(usage).metrics(true)
                .build().start();
        closeables.add(proxy);
        closeables.add(usage::close);
        closeables.add(tokens);
        closeables.add(cache::close);
        closeables.add(() -> bus.close(Duration.ofSeconds(2)));
        closeables.add(upstream);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        blocking.shutdownNow();
    }

    /**
     * The upstream sends the head, the role chunk and one content chunk, then nothing more (its
     * connection stays open, far inside the idle-between-chunks timeout). The client must get all
     * of it: a proxy that flushed only on the next chunk, held the head back until some later
     * content, or buffered for the cache or the usage reader would leave the client waiting here.
     * The socket timeout only bounds the test; it is not a latency threshold.
     */
    @ParameterizedTest(name = "cache opt-in: {0}")
    @ValueSource(booleans = {false, true})
    void whatTheUpstreamSent_reachesTheClientBeforeTheUpstreamSendsMore(boolean cacheOptIn) throws Exception {
        upstream.enqueue(Behavior.stallAfterChunks(1));
        String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        try (Socket s = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Accept: text/event-stream\r\nAuthorization: Bearer " + token + "\r\n"
                    + (cacheOptIn ? "Cache-Control: public, max-age=60\r\n" : "")
                    + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            String received = readUntil(s.getInputStream(), MockOpenAiUpstream.chunkText(0));
            assertThat(received).startsWith("HTTP/1.1 200");
            assertThat(received).contains("\"role\":\"assistant\"");
            assertThat(received).contains(MockOpenAiUpstream.chunkText(0));
            assertThat(received).doesNotContain("[DONE]");
        }
    }

    /** Reads until {@code marker} and the end of its SSE event (a blank line) have arrived. */
    private static String readUntil(InputStream in, String marker) throws Exception {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        while (true) {
            String text = seen.toString(StandardCharsets.UTF_8);
            int at = text.indexOf(marker);
            if (at >= 0 && text.indexOf("\n\n", at) >= 0) {
                return text;
            }
            int n = in.read(buf); // SocketTimeoutException if the proxy holds the data back
            assertThat(n).as("connection open; so far: %s", text).isPositive();
            seen.write(buf, 0, n);
        }
    }
}
