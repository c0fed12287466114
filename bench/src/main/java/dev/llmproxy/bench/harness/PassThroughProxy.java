package dev.llmproxy.bench.harness;

import dev.llmproxy.core.LlmProxy;
import dev.llmproxy.core.route.ProviderConfig;

import java.net.URI;
import java.util.concurrent.CountDownLatch;

/**
 * The harness's "pass-through" configuration of our proxy: the same {@code llmproxy-core} engine
 * the server runs (same Netty pipeline, request policy, header rewriting, pooled keep-alive
 * upstream connections, {@code X-LLM-Proxy-Overhead-Us}), with every feature off — no token check
 * (a fixed upstream key replaces {@code Authorization}), no rate limit, no response cache, no
 * metrics, no event bus, no usage records, no audit. The server cannot be configured without
 * projects and tokens, hence this small launcher over the library's builder.
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.llmproxy.bench.harness.PassThroughProxy --port 0 --upstream http://127.0.0.1:9000</pre>
 *
 * Prints {@code listening on 127.0.0.1:PORT} once bound; runs until killed.
 */
public final class PassThroughProxy {

    private PassThroughProxy() {
    }

    public static void main(String[] args) throws InterruptedException {
        int port = 0;
        URI upstream = null;
        int ioThreads = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--upstream" -> upstream = URI.create(args[++i]);
                case "--io-threads" -> ioThreads = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: PassThroughProxy --upstream http://host:port [--port N] [--io-threads N]");
                    System.exit(2);
                }
            }
        }
        if (upstream == null) {
            System.err.println("PassThroughProxy: --upstream is required");
            System.exit(2);
        }
        LlmProxy proxy = LlmProxy.builder().listen("127.0.0.1", port).provider(ProviderConfig.openAi(upstream))
                .upstreamApiKey("sk-bench-upstream").ioThreads(ioThreads).metrics(false).build().start();
        System.out.println("listening on 127.0.0.1:" + proxy.localAddress().getPort());
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(proxy::close));
        new CountDownLatch(1).await();
    }
}
