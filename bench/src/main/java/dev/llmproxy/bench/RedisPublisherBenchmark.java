package dev.llmproxy.bench;

import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.Event;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBuses;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import redis.clients.jedis.Jedis;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * End-to-end throughput of the Redis Streams publisher: each invocation publishes
 * {@value #BATCH} events and waits until the background publisher has written all of them to
 * the stream ({@code XADD} pipelines). The score is events per second reaching Redis; the target
 * (issue 5) is at least 50,000. Needs a Redis at {@code redis} (default
 * {@code redis://127.0.0.1:6379/0}); the benchmark's stream key is deleted afterwards.
 *
 * <pre>java -jar bench/target/benchmarks.jar RedisPublisherBenchmark -p redis=redis://127.0.0.1:6379/0</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class RedisPublisherBenchmark {

    static final int BATCH = 10_000;

    @Param("redis://127.0.0.1:6379/0")
    public String redis;

    private EventBus bus;
    private Event event;
    private String streamKey;

    @Setup(Level.Trial)
    public void setUp() {
        streamKey = "llmproxy-bench:" + UUID.randomUUID() + ":events";
        bus = EventBuses.load("redis-streams", ComponentConfig.of(Map.of(
                "REDIS_ADDR", redis,
                "REDIS_STREAM_KEY", streamKey,
                "REDIS_STREAM_MAX_LEN", "100000",
                "OBSERVABILITY_BUFFER_SIZE", String.valueOf(2 * BATCH))));
        event = Events.typical(Instant.now());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        System.out.println("redis-streams bus: " + bus.stats());
        bus.close(Duration.ofSeconds(10));
        URI uri = URI.create(redis);
        try (Jedis jedis = new Jedis(uri)) {
            jedis.del(streamKey);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long publishAndFlush() {
        long target = bus.stats().published() + BATCH;
        for (int i = 0; i < BATCH; i++) {
            while (!bus.publish(event)) {
                LockSupport.parkNanos(10_000); // buffer full: let the publisher catch up (never drop here)
            }
        }
        while (bus.stats().published() < target) {
            LockSupport.parkNanos(50_000);
        }
        return target;
    }
}
