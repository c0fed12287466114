package dev.llmproxy.core;

import dev.llmproxy.core.auth.RedisInvalidationBus;
import dev.llmproxy.core.auth.TokenRecord;
import dev.llmproxy.core.auth.TokenService;
import dev.llmproxy.core.auth.WitheringTokens;
import dev.llmproxy.core.project.NewProject;
import dev.llmproxy.core.project.Project;
import dev.llmproxy.core.project.ProjectUpdate;
import dev.llmproxy.core.ratelimit.LocalRateLimiter;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.core.store.MutableClock;
import dev.llmproxy.core.store.PostgresDatabase;
import dev.llmproxy.core.store.Stores;
import dev.llmproxy.eventbus.testing.RedisTestSupport;
import dev.llmproxy.testing.MockOpenAiUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two proxy instances sharing one PostgreSQL database and one Redis, as in a scaled-out
 * deployment: a revocation or deactivation made through one is enforced by the other within a
 * second, and a lifetime quota is never exceeded across both.
 */
class MultiInstanceTest {

    @RegisterExtension
    static final PostgresDatabase pg = new PostgresDatabase();

    @RegisterExtension
    final RedisTestSupport redis = new RedisTestSupport();

    private final MutableClock clock = new MutableClock(Instant.now());
    private final ExecutorService blocking = Executors.newFixedThreadPool(8);
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private MockOpenAiUpstream upstream;
    private Stores stores;
    private Instance a;
    private Instance b;
    private Project project;

    private record Instance(TokenService tokens, LlmProxy proxy) {
        URI url() {
            return URI.create("http://127.0.0.1:" + proxy.localAddress().getPort() + "/v1/chat/completions");
        }
    }

    @BeforeEach
    void start() {
        upstream = MockOpenAiUpstream.start();
        stores = pg.stores(clock);
        a = instance();
        b = instance();
        project = stores.projects().create(new NewProject("shared-" + System.nanoTime(), "sk-proj-shared-upstream-key"));
    }

    private Instance instance() {
        RedisInvalidationBus bus = new RedisInvalidationBus(redis.host(), redis.port(), redis.database(), null,
                redis.key("invalidations"));
        TokenService tokens = new TokenService(stores.tokens(), stores.projects(), blocking, new LocalRateLimiter(),
                TokenService.Settings.DEFAULTS, clock, bus);
        LlmProxy proxy = LlmProxy.builder().listen("127.0.0.1", 0).provider(ProviderConfig.openAi(upstream.baseUri()))
                .tokenService(tokens).build().start();
        closeables.add(proxy);
        closeables.add(tokens);
        closeables.add(bus);
        return new Instance(tokens, proxy);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        blocking.shutdownNow();
        upstream.close();
    }

    private int call(Instance instance, String token) throws Exception {
        return client.send(HttpRequest.newBuilder(instance.url()).header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o\",\"messages\":[]}")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private String issue(Long maxRequests) {
        String token = WitheringTokens.generate();
        stores.tokens().create(TokenRecord.issue(WitheringTokens.hash(token), project.id(), clock.instant(), null,
                maxRequests, null));
        return token;
    }

    /** Milliseconds until {@code instance} answers {@code expected} for {@code token}, or fails after 5 s. */
    private long millisUntil(Instance instance, String token, int expected, long since) throws Exception {
        while (System.nanoTime() - since < 5_000_000_000L) {
            if (call(instance, token) == expected) {
                return (System.nanoTime() - since) / 1_000_000;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("instance never answered " + expected);
    }

    @Test
    void revocationThroughOneInstance_isEnforcedByTheOtherWithinOneSecond() throws Exception {
        String token = issue(null);
        assertThat(call(a, token)).isEqualTo(200);
        assertThat(call(b, token)).isEqualTo(200); // both have it cached now

        String id = stores.tokens().findByHash(WitheringTokens.hash(token)).orElseThrow().id();
        long t0 = System.nanoTime();
        stores.tokens().revoke(id);
        a.tokens().invalidateToken(id); // what instance A's management API does
        long ms = millisUntil(b, token, 401, t0);
        System.out.printf("revocation via instance A enforced by instance B after %d ms%n", ms);
        assertThat(ms).isLessThan(1000);
        assertThat(call(a, token)).isEqualTo(401);
    }

    @Test
    void deactivationThroughOneInstance_isEnforcedByTheOtherWithinOneSecond() throws Exception {
        String token = issue(null);
        assertThat(call(b, token)).isEqualTo(200);
        long t0 = System.nanoTime();
        stores.projects().update(project.id(), ProjectUpdate.none().withActive(false));
        a.tokens().invalidateProject(project.id());
        long ms = millisUntil(b, token, 403, t0);
        System.out.printf("deactivation via instance A enforced by instance B after %d ms%n", ms);
        assertThat(ms).isLessThan(1000);
    }

    @Test
    void quotaAcrossInstances_isNeverExceeded() throws Exception {
        String token = issue(20L);
        int ok = 0;
        for (int i = 0; i < 100; i++) {
            ok += call(i % 2 == 0 ? a : b, token) == 200 ? 1 : 0;
        }
        assertThat(ok).isEqualTo(20);
        assertThat(upstream.requestCount()).isEqualTo(20);
    }
}
