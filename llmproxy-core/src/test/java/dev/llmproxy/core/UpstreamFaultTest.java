package dev.llmproxy.core;

import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.testing.Behavior;
import dev.llmproxy.testing.MockOpenAiUpstream;
import dev.llmproxy.testing.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Upstream faults in sequence on one proxy (reset before and during a stream, stall before the
 * head and mid-stream, garbage, an early close): each gives the client a clean error or a visibly
 * truncated stream, and afterwards the pool recovers (normal requests succeed over reused
 * connections). Plus backpressure: a client that does not read a long stream makes the proxy stop
 * reading the upstream, so what is buffered stays bounded.
 */
class UpstreamFaultTest {

    private MockOpenAiUpstream upstream;
    private LlmProxy proxy;

    @BeforeEach
    void start() {
        upstream = MockOpenAiUpstream.start();
        proxy = proxyFor(upstream.baseUri());
    }

    @AfterEach
    void stop() {
        proxy.close();
        upstream.close();
    }

    private static LlmProxy proxyFor(URI upstreamUri) {
        return proxyFor(upstreamUri, LlmProxy.Builder.DEFAULT_CLIENT_IDLE_TIMEOUT);
    }

    private static LlmProxy proxyFor(URI upstreamUri, Duration clientIdle) {
        return proxyFor(upstreamUri, clientIdle, Duration.ofMillis(800));
    }

    private static LlmProxy proxyFor(URI upstreamUri, Duration clientIdle, Duration idleBetweenChunks) {
        ProviderConfig provider = ProviderConfig.openAi(upstreamUri).withTimeouts(new ProviderConfig.Timeouts(
                Duration.ofSeconds(2), Duration.ofMillis(800), idleBetweenChunks, Duration.ofSeconds(30)));
        return LlmProxy.builder().listen("127.0.0.1", 0).provider(provider).upstreamApiKey("sk-upstream")
                .clientIdleTimeout(clientIdle).ioThreads(1).build().start();
    }

    private static String chat(boolean stream) {
        String body = "{\"model\":\"gpt-4o\",\"stream\":" + stream + ",\"messages\":[]}";
        return "POST /v1/chat/completions HTTP/1.1\r\nHost: proxy\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body;
    }

    /** What the client saw: a complete response, or the connection ending inside one. */
    private RawHttp.Response attempt(String request) {
        try (RawHttp http = RawHttp.connect(proxy.localAddress().getPort(), Duration.ofSeconds(10))) {
            return http.send(request).read();
        } catch (UncheckedIOException truncated) {
            return null;
        }
    }

    @Test
    void everyFault_givesACleanErrorOrATruncatedStream_andThePoolRecovers() {
        record Fault(String name, Supplier<Behavior> behavior, boolean stream, Integer status) {
        }
        List<Fault> faults = List.of(
                new Fault("reset before the head", Behavior::reset, false, 502),
                new Fault("garbage", Behavior::garbage, false, 502),
                new Fault("stall before the head", Behavior::stall, false, 504),
                new Fault("reset mid-stream", () -> Behavior.resetAfterChunks(3, Duration.ofMillis(5)), true, null),
                new Fault("stall mid-stream", () -> Behavior.stallAfterChunks(3, Duration.ofMillis(5)), true, null),
                new Fault("close early", Behavior::closeEarly, false, null));
        for (Fault fault : faults) {
            upstream.enqueue(fault.behavior().get());
            RawHttp.Response r = attempt(chat(fault.stream()));
            if (fault.status() != null) {
                assertThat(r).as(fault.name()).isNotNull();
                assertThat(r.status()).as(fault.name()).isEqualTo(fault.status());
                assertThat(HostileFixture.json(r.body()).at("/error/code").asText()).as(fault.name()).isNotEmpty();
                assertThat(r.body()).doesNotContainIgnoringCase("exception");
            } else if (r != null) {
                // A complete response must not pretend to be the whole answer.
                assertThat(r.body()).as(fault.name()).doesNotContain("[DONE]");
                assertThat(r.status()).as(fault.name()).isNotEqualTo(200);
            }
            // The pool recovers: normal requests succeed, and they share pooled connections.
            int accepted = upstream.connectionsAccepted();
            for (int i = 0; i < 5; i++) {
                try (RawHttp http = RawHttp.connect(proxy.localAddress().getPort())) {
                    RawHttp.Response ok = http.send(chat(i % 2 == 0)).read();
                    assertThat(ok.status()).as("after %s", fault.name()).isEqualTo(200);
                }
            }
            assertThat(upstream.connectionsAccepted() - accepted).as("new upstream connections after %s", fault.name())
                    .isLessThanOrEqualTo(1);
        }
    }

    @Test
    void slowClient_makesTheProxyStopReadingTheUpstream() throws Exception {
        long total = 256L * 1024 * 1024;
        AtomicLong written = new AtomicLong();
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread upstreamThread = new Thread(() -> serveEndlessStream(server, total, written), "firehose-upstream");
            upstreamThread.setDaemon(true);
            upstreamThread.start();
            proxy.close();
            // Idle-between-chunks 2 s: the 4 s stall below spans two idle checks, both while reads
            // are paused (paused reads must not count as idle), and the resume lands near the second
            // one (IdleClockTest has that race exactly). 2 s rather than less so that a
            // stop-the-world pause of this JVM, which also stops the in-process upstream, cannot by
            // itself look like an idle upstream once streaming resumes.
            proxy = proxyFor(URI.create("http://127.0.0.1:" + server.getLocalPort()),
                    LlmProxy.Builder.DEFAULT_CLIENT_IDLE_TIMEOUT, Duration.ofSeconds(2));
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.localAddress().getPort())) {
                client.setReceiveBufferSize(64 * 1024);
                client.getOutputStream().write(chat(true).getBytes(StandardCharsets.ISO_8859_1));
                InputStream in = client.getInputStream();
                in.readNBytes(1024); // the stream has started; now stop reading
                Thread.sleep(3000);
                long stalledAt = written.get();
                Thread.sleep(1000);
                System.out.printf("upstream wrote %d KiB while the client read 1 KiB%n", stalledAt / 1024);
                // Socket buffers on both sides plus the proxy's 64 KiB high-water mark; nowhere near the total.
                assertThat(stalledAt).as("bytes the upstream could write into a stalled proxy")
                        .isLessThan(32L * 1024 * 1024);
                assertThat(written.get() - stalledAt).as("the upstream is held back, not still streaming")
                        .isLessThan(1024 * 1024);
                // Reading again drains the whole stream, intact.
                byte[] buf = new byte[256 * 1024];
                long read = 1024;
                client.setSoTimeout(20_000);
                int n;
                while (read < total && (n = in.read(buf)) > 0) {
                    read += n;
                }
                assertThat(read).isGreaterThanOrEqualTo(total);
            }
            upstreamThread.join(10_000);
        }
    }

    @Test
    void clientThatStopsReading_isClosedAfterTheIdleTimeout_andTheUpstreamWithIt() throws Exception {
        long total = 256L * 1024 * 1024;
        AtomicLong written = new AtomicLong();
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread upstreamThread = new Thread(() -> serveEndlessStream(server, total, written), "firehose-upstream");
            upstreamThread.setDaemon(true);
            upstreamThread.start();
            proxy.close();
            proxy = proxyFor(URI.create("http://127.0.0.1:" + server.getLocalPort()), Duration.ofSeconds(1));
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.localAddress().getPort())) {
                client.setReceiveBufferSize(64 * 1024);
                client.getOutputStream().write(chat(true).getBytes(StandardCharsets.ISO_8859_1));
                client.getInputStream().readNBytes(1024);
                // Never read again: the proxy must not hold the upstream (and its spend) for ever.
                upstreamThread.join(15_000);
                assertThat(upstreamThread.isAlive()).as("upstream connection closed by the proxy").isFalse();
                assertThat(written.get()).isLessThan(total);
            }
        }
    }

    /** A blocking upstream: its writes block as soon as nobody reads, so {@code written} is the truth. */
    private static void serveEndlessStream(ServerSocket server, long total, AtomicLong written) {
        try (Socket s = server.accept()) {
            InputStream in = s.getInputStream();
            int matched = 0;
            while (matched < 4) { // the request head; the small body follows and is ignored
                int b = in.read();
                if (b < 0) {
                    return;
                }
                matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: " + total + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            byte[] chunk = ("data: " + "x".repeat(64 * 1024 - 8) + "\n\n").getBytes(StandardCharsets.ISO_8859_1);
            long sent = 0;
            while (sent < total) {
                int n = (int) Math.min(chunk.length, total - sent);
                out.write(chunk, 0, n);
                sent += n;
                written.set(sent);
            }
            out.flush();
            Thread.sleep(2000);
        } catch (IOException | InterruptedException e) {
            // the proxy closed: the test decides whether that was expected
        }
    }
}
