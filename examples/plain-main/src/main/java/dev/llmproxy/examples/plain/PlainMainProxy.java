package dev.llmproxy.examples.plain;

import dev.llmproxy.core.LlmProxy;
import dev.llmproxy.core.auth.TokenRecord;
import dev.llmproxy.core.auth.TokenService;
import dev.llmproxy.core.auth.WitheringTokens;
import dev.llmproxy.core.project.NewProject;
import dev.llmproxy.core.project.Project;
import dev.llmproxy.core.ratelimit.LocalRateLimiter;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.core.store.InMemoryProjectStore;
import dev.llmproxy.core.store.InMemoryTokenStore;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Example 2: an {@link LlmProxy} started from a plain {@code main}, with withering tokens that the
 * host application issues itself into an {@link InMemoryTokenStore}: no database, no management
 * API, no environment variables read by the library. Typical for a service that already knows its
 * users and hands each a short-lived key for an LLM provider.
 *
 * <pre>
 *   OPENAI_API_KEY=sk-... java -cp ... dev.llmproxy.examples.plain.PlainMainProxy 8080 https://api.openai.com
 *   # prints a token valid for 60 minutes; then:
 *   curl localhost:8080/v1/chat/completions -H "Authorization: Bearer sk-..." -H 'Content-Type: application/json' \
 *     -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}'
 * </pre>
 */
public final class PlainMainProxy implements AutoCloseable {

    /** A token as handed to a user: the secret (shown once) and the id to revoke it by. */
    public record IssuedToken(String id, String secret, Instant expiresAt) {
        @Override
        public String toString() {
            return "IssuedToken[id=" + id + ", expiresAt=" + expiresAt + "]"; // never the secret
        }
    }

    private final Clock clock = Clock.systemUTC();
    private final InMemoryProjectStore projects = new InMemoryProjectStore(clock);
    private final InMemoryTokenStore tokens = new InMemoryTokenStore(projects, clock);
    // Store calls run here, never on an event loop (the in-memory store does not block, a JDBC one would).
    private final ExecutorService blocking = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "plain-main-store");
        t.setDaemon(true);
        return t;
    });
    private final TokenService tokenService;
    private final Project project;
    private final LlmProxy proxy;

    /**
     * Starts the proxy on {@code listen}, forwarding to {@code upstream} with {@code upstreamKey}:
     * the key belongs to a project and never leaves this process.
     */
    public PlainMainProxy(InetSocketAddress listen, URI upstream, String upstreamKey) {
        project = projects.create(new NewProject("host-app", upstreamKey));
        tokenService = new TokenService(tokens, projects, blocking, new LocalRateLimiter(),
                TokenService.Settings.DEFAULTS, clock, null);
        proxy = LlmProxy.builder()
                .listen(listen)
                .provider(ProviderConfig.openAi(upstream))
                .tokenService(tokenService)
                .build()
                .start();
    }

    /**
     * Issues a token for one of the host application's users; only its SHA-256 is stored.
     *
     * @param maxRequests lifetime quota, or null for none
     */
    public IssuedToken issueToken(Duration validFor, Long maxRequests) {
        String secret = WitheringTokens.generate();
        Instant now = clock.instant();
        TokenRecord stored = tokens.create(TokenRecord.issue(WitheringTokens.hash(secret), project.id(), now,
                now.plus(validFor), maxRequests, null));
        return new IssuedToken(stored.id(), secret, stored.expiresAt());
    }

    /** Revokes a token: its next request is refused (the token cache is told at once). */
    public boolean revoke(String tokenId) {
        boolean revoked = tokens.revoke(tokenId);
        tokenService.invalidateToken(tokenId);
        return revoked;
    }

    /** Where the proxy listens (the real port when started on port 0). */
    public InetSocketAddress address() {
        return proxy.localAddress();
    }

    @Override
    public void close() {
        proxy.stop(Duration.ofSeconds(10)).join();
        tokenService.close();
        blocking.shutdown();
    }

    /** {@code PlainMainProxy [port] [upstream-url]}; the upstream key comes from {@code OPENAI_API_KEY}. */
    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        URI upstream = URI.create(args.length > 1 ? args[1] : "https://api.openai.com");
        String key = System.getenv("OPENAI_API_KEY");
        if (key == null || key.isBlank()) {
            System.err.println("Set OPENAI_API_KEY: the key the proxy sends upstream.");
            System.exit(2);
        }
        PlainMainProxy app = new PlainMainProxy(new InetSocketAddress("127.0.0.1", port), upstream, key);
        IssuedToken token = app.issueToken(Duration.ofMinutes(60), 100L);
        System.out.println("llm-proxy listening on http://127.0.0.1:" + app.address().getPort());
        System.out.println("token for the demo user (60 minutes, 100 requests): " + token.secret());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "plain-main-shutdown"));
        stopped.await();
    }
}
