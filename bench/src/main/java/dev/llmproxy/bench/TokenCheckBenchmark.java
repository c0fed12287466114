package dev.llmproxy.bench;

import dev.llmproxy.core.auth.AuthResult;
import dev.llmproxy.core.auth.TokenRecord;
import dev.llmproxy.core.auth.TokenService;
import dev.llmproxy.core.auth.WitheringTokens;
import dev.llmproxy.core.project.NewProject;
import dev.llmproxy.core.project.Project;
import dev.llmproxy.core.ratelimit.LocalRateLimiter;
import dev.llmproxy.core.store.InMemoryProjectStore;
import dev.llmproxy.core.store.InMemoryTokenStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * What the token check adds to a request once the token is cached (issue 3 target: under 5 µs):
 * parse the header, SHA-256 the token, look it up, check expiry/revocation/project, and — per
 * {@code kind} — nothing more ({@code unlimited}), a per-minute limit ({@code rpm}, set high
 * enough never to refuse) or a lifetime quota spent from the local lease ({@code quota}).
 *
 * <pre>java -jar bench/target/benchmarks.jar TokenCheckBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TokenCheckBenchmark {

    @Param({"unlimited", "rpm", "quota"})
    public String kind;

    private ExecutorService blocking;
    private TokenService service;
    private String header;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        blocking = Executors.newFixedThreadPool(2);
        InMemoryProjectStore projects = new InMemoryProjectStore(Clock.systemUTC());
        InMemoryTokenStore tokens = new InMemoryTokenStore(projects, Clock.systemUTC());
        Project project = projects.create(new NewProject("bench", "sk-proj-bench-upstream-key-000000"));
        String token = WitheringTokens.generate();
        Long max = kind.equals("quota") ? Long.MAX_VALUE / 2 : null;
        Integer rpm = kind.equals("rpm") ? Integer.MAX_VALUE : null;
        tokens.create(TokenRecord.issue(WitheringTokens.hash(token), project.id(), Clock.systemUTC().instant(), null,
                max, rpm));
        service = new TokenService(tokens, projects, blocking, new LocalRateLimiter(),
                new TokenService.Settings(java.time.Duration.ofMinutes(10), 1000, java.time.Duration.ofSeconds(30),
                        1_000_000, java.time.Duration.ofSeconds(1)),
                Clock.systemUTC(), null);
        header = "Bearer " + token;
        AuthResult first = service.authorize(header).toCompletableFuture().get(); // load into the cache
        if (!first.isAllowed()) {
            throw new IllegalStateException("benchmark token refused: " + first);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        service.close();
        blocking.shutdownNow();
    }

    @Benchmark
    public AuthResult authorizeCachedToken() {
        return service.authorize(header).toCompletableFuture().getNow(null);
    }
}
