package dev.llmproxy.bench;

import dev.llmproxy.core.store.Database;
import dev.llmproxy.core.store.DatabaseConfig;
import dev.llmproxy.core.store.JdbcUsageStore;
import dev.llmproxy.core.usage.UsageRecord;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the usage writer's store does per batch: {@link JdbcUsageStore#insertAll} of {@code batch}
 * records into a fresh SQLite file (WAL, the V2 schema with its two indexes), as one transaction.
 * The score is per batch; divide by {@code batch} for the cost of a record. Under light load the
 * writer commits every millisecond or so, i.e. small batches (c=1 at ~8,000 requests/s: ~10), so
 * the fixed cost of a transaction is what a request pays there; under load batches grow.
 *
 * <pre>java -jar bench/target/benchmarks.jar UsageInsertBenchmark -prof dev.llmproxy.bench.CpuTimeProfiler</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class UsageInsertBenchmark {

    @Param({"1", "10", "100"})
    public int batch;

    private Path dir;
    private Database db;
    private JdbcUsageStore store;
    private final String project = UUID.randomUUID().toString();
    private final String token = UUID.randomUUID().toString();
    private String[] requestIds;
    private Instant clock;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("usage-insert-bench");
        db = Database.open(DatabaseConfig.sqlite(dir.resolve("llm-proxy.db")));
        store = new JdbcUsageStore(db);
        requestIds = new String[batch];
        for (int i = 0; i < batch; i++) {
            requestIds[i] = UUID.randomUUID().toString();
        }
        clock = Instant.now();
    }

    /** A batch with later timestamps than the previous one, as the writer's are (appends to the indexes). */
    private List<UsageRecord> nextBatch() {
        List<UsageRecord> out = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            clock = clock.plusNanos(100_000);
            out.add(new UsageRecord(requestIds[i], clock, project, token,
                    "POST", "/v1/chat/completions", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", 200, false, "MISS",
                    24, 38, 62, 0, false, 1, null, 3_960, true, 0, null));
        }
        return out;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        db.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Benchmark
    public void insert_batch() {
        store.insertAll(nextBatch());
    }
}
