package dev.llmproxy.bench;

import dev.llmproxy.core.LlmProxy;
import dev.llmproxy.core.cache.ResponseCache;
import dev.llmproxy.core.cache.ResponseCacheConfig;
import dev.llmproxy.core.cache.ResponseCaches;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.testing.MockOpenAiUpstream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Issue 4's target, side by side in one run: a request answered from the in-memory cache
 * ({@code hit}) against the same request going to a local, 0 ms upstream ({@code miss}: no cache
 * opt-in, so the proxy forwards it). One keep-alive connection per benchmark thread, a minimal
 * blocking HTTP/1.1 client so the client's own cost stays small; proxy and mock upstream run in
 * this JVM on loopback. The hit must be at least 5× faster.
 *
 * <pre>java -jar bench/target/benchmarks.jar CacheHitBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CacheHitBenchmark {

    private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private MockOpenAiUpstream upstream;
    private ExecutorService blocking;
    private ResponseCache cache;
    private LlmProxy proxy;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        upstream = MockOpenAiUpstream.start();
        blocking = Executors.newFixedThreadPool(2);
        ResponseCacheConfig config = ResponseCacheConfig.defaults();
        cache = ResponseCaches.create(config, blocking, Clock.systemUTC());
        proxy = LlmProxy.builder().listen("127.0.0.1", 0).provider(ProviderConfig.openAi(upstream.baseUri()))
                .upstreamApiKey("sk-bench").ioThreads(1).responseCache(cache, config).metrics(false).build().start();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        proxy.close();
        cache.close();
        blocking.shutdownNow();
        upstream.close();
    }

    /** One keep-alive connection per benchmark thread. */
    @State(Scope.Thread)
    public static class Connection {
        Socket socket;
        OutputStream out;
        InputStream in;
        byte[] hitRequest;
        byte[] missRequest;
        byte[] healthRequest;

        @Setup(Level.Trial)
        public void open(CacheHitBenchmark b) throws IOException {
            socket = new Socket("127.0.0.1", b.proxy.localAddress().getPort());
            socket.setTcpNoDelay(true);
            out = socket.getOutputStream();
            in = new java.io.BufferedInputStream(socket.getInputStream(), 64 * 1024);
            hitRequest = request("Cache-Control: public, max-age=600\r\n");
            missRequest = request("");
            healthRequest = "GET /health HTTP/1.1\r\nHost: bench\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            exchange(hitRequest); // store it
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            socket.close();
        }

        private static byte[] request(String extraHeaders) {
            return ("POST /v1/chat/completions HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                    + extraHeaders + "Content-Length: " + BODY.length() + "\r\n\r\n" + BODY)
                    .getBytes(StandardCharsets.US_ASCII);
        }

        /** Sends one request and reads its (Content-Length framed) answer; returns the body length. */
        int exchange(byte[] request) throws IOException {
            return exchange(request, null);
        }

        int exchange(byte[] request, String expectCache) throws IOException {
            out.write(request);
            out.flush();
            StringBuilder head = new StringBuilder(512);
            int c;
            while ((c = in.read()) >= 0) {
                head.append((char) c);
                int n = head.length();
                if (n >= 4 && head.charAt(n - 1) == '\n' && head.charAt(n - 2) == '\r' && head.charAt(n - 3) == '\n') {
                    break;
                }
            }
            int at = indexOfIgnoreCase(head, "content-length:");
            if (!head.toString().startsWith("HTTP/1.1 200") || at < 0) {
                throw new IOException("unexpected answer: " + head);
            }
            if (expectCache != null && indexOfIgnoreCase(head, "x-proxy-cache: " + expectCache) < 0) {
                throw new IOException("expected x-proxy-cache: " + expectCache + " in " + head);
            }
            int end = head.indexOf("\r\n", at);
            int length = Integer.parseInt(head.substring(at + 15, end).trim());
            in.readNBytes(length);
            return length;
        }

        private static int indexOfIgnoreCase(CharSequence s, String what) {
            return s.toString().toLowerCase().indexOf(what);
        }
    }

    @Benchmark
    public int hit(Connection c) throws IOException {
        return c.exchange(c.hitRequest, "hit");
    }

    /** The floor: the cheapest round trip this server answers (a local endpoint, no cache, no upstream). */
    @Benchmark
    public int floor(Connection c) throws IOException {
        return c.exchange(c.healthRequest, null);
    }

    @Benchmark
    public int miss(Connection c) throws IOException {
        return c.exchange(c.missRequest, "bypass");
    }
}
