package dev.llmproxy.bench;

import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.Delivery;
import dev.llmproxy.eventbus.Event;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBuses;
import dev.llmproxy.eventbus.Subscription;
import dev.llmproxy.eventbus.SubscriptionOptions;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How fast the proxy's side of the in-memory event bus is: {@code publish} on one thread while a
 * subscriber group drains the queue on its own thread, as in the running proxy. The target (issue
 * 5) is at least 1,000,000 publishes per second; the {@code accepted} counter is the rate that
 * reached the subscriber's queue (publishes into a full queue are reported as {@code dropped}).
 *
 * <pre>java -jar bench/target/benchmarks.jar EventBusBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class EventBusBenchmark {

    private EventBus bus;
    private Subscription drain;
    private Event event;

    @Setup(Level.Trial)
    public void setUp() {
        bus = EventBuses.load("in-memory", ComponentConfig.of(Map.of("OBSERVABILITY_BUFFER_SIZE", "65536")));
        drain = bus.subscribe(SubscriptionOptions.group("bench").withBatchSize(1024), (List<Delivery> batch) -> { });
        event = Events.typical(Instant.now());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        drain.close();
        bus.close(Duration.ofSeconds(5));
        System.out.println("in-memory bus: " + bus.stats());
    }

    /**
     * Publishes counted separately: a publish into a full queue is cheap but is a drop, so only
     * {@code accepted} is the sustainable rate at which a subscriber really receives events.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Outcome {
        public long accepted;
        public long dropped;

        @Setup(Level.Iteration)
        public void reset() {
            accepted = 0;
            dropped = 0;
        }
    }

    @Benchmark
    public boolean publish(Outcome outcome) {
        boolean ok = bus.publish(event);
        if (ok) {
            outcome.accepted++;
        } else {
            outcome.dropped++;
        }
        return ok;
    }
}
