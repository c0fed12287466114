package dev.llmproxy.bench;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.List;

/**
 * JMH profiler reporting the benchmark process's CPU time per operation ({@code cpu.time/op},
 * nanoseconds). On a shared, busy machine wall-clock averages mostly measure how long the
 * benchmark thread waited for a core; CPU time counts only the time it ran, so before/after
 * comparisons stay meaningful there. It includes every thread of the fork (JIT and GC too), so it
 * is an upper bound for single-threaded benchmarks once they are warm.
 *
 * <pre>java -jar bench/target/benchmarks.jar CacheKeyBenchmark -prof dev.llmproxy.bench.CpuTimeProfiler</pre>
 */
public final class CpuTimeProfiler implements InternalProfiler {

    private long startCpuNanos;

    @Override
    public String getDescription() {
        return "process CPU time per operation (robust against a busy machine)";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        startCpuNanos = processCpuNanos();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
                                                       IterationResult result) {
        long cpu = processCpuNanos() - startCpuNanos;
        long ops = result.getMetadata().getMeasuredOps();
        double perOp = ops == 0 ? Double.NaN : (double) cpu / ops;
        return List.of(new ScalarResult("cpu.time/op", perOp, "ns/op", AggregationPolicy.AVG));
    }

    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
            return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
        }
        return 0;
    }
}
