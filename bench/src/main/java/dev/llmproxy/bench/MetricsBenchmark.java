package dev.llmproxy.bench;

import dev.llmproxy.core.metrics.PrometheusMetrics;
import io.prometheus.client.CollectorRegistry;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * What Prometheus metrics cost per forwarded request: {@code request_completed} (status counter,
 * duration and time-to-first-token histograms) and {@code tokens} (prompt and completion counters
 * of a project and model). The labelled children are cached, so neither builds a label list.
 *
 * <pre>java -jar bench/target/benchmarks.jar MetricsBenchmark -prof gc -prof dev.llmproxy.bench.CpuTimeProfiler</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MetricsBenchmark {

    private PrometheusMetrics metrics;

    @Setup(Level.Trial)
    public void setUp() {
        metrics = new PrometheusMetrics(new CollectorRegistry(), "openai", null);
    }

    @Benchmark
    public void request_completed() {
        metrics.requestCompleted(200, 41_000, 30_000, true);
    }

    @Benchmark
    public void tokens() {
        metrics.tokens("proj-1", "gpt-4o-mini", 21, 38);
    }
}
