package dev.llmproxy.bench;

import dev.llmproxy.core.usage.PriceTable;
import dev.llmproxy.core.usage.UsageObservation;
import dev.llmproxy.core.usage.UsageRecord;
import dev.llmproxy.core.usage.UsageRecords;
import dev.llmproxy.eventbus.Body;
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

import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * What the usage writer does per finished exchange: {@link UsageRecords#toRecord} of a typical
 * non-streamed chat completion (OpenAI's current answer shape, with {@code prompt_tokens_details}
 * and {@code completion_tokens_details}), the upstream facts as the proxy hands them over (model
 * and usage it read while relaying).
 *
 * <pre>java -jar bench/target/benchmarks.jar UsageRecordBenchmark -prof gc -prof dev.llmproxy.bench.CpuTimeProfiler</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class UsageRecordBenchmark {

    static final String REQUEST = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":"
            + "\"You are a helpful assistant.\"},{\"role\":\"user\",\"content\":\"Summarise the plot of Hamlet in"
            + " two sentences.\"}],\"temperature\":0.2}";
    static final String RESPONSE = "{\"id\":\"chatcmpl-123\",\"object\":\"chat.completion\",\"created\":1700000000,"
            + "\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_bench\",\"choices\":[{\"index\":0,"
            + "\"message\":{\"role\":\"assistant\",\"content\":"
            + "\"Prince Hamlet seeks revenge on his uncle Claudius, who murdered Hamlet's father to seize the throne."
            + " His hesitation and feigned madness lead to a tragic chain of deaths, including his own.\","
            + "\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":24,"
            + "\"completion_tokens\":38,\"total_tokens\":62,\"prompt_tokens_details\":{\"cached_tokens\":0,"
            + "\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
            + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}";

    private UsageRecords records;
    private UsageObservation observation;

    @Setup(Level.Trial)
    public void setUp() {
        records = new UsageRecords(PriceTable.builtIn());
        UsageObservation.Upstream up = new UsageObservation.Upstream(200, Body.of(RESPONSE), null, false,
                "gpt-4o-mini-2024-07-18", 24, 38, 62);
        observation = new UsageObservation("7f9c2b1e-3d4a-4c5b-9e6f-0a1b2c3d4e5f",
                Instant.parse("2026-11-22T20:00:00Z"), "proj-1", "tok-1", "POST", "/v1/chat/completions",
                Body.of(REQUEST), 200, false, "MISS", 812_000_000L, 240_000_000L, null, up);
    }

    @Benchmark
    public UsageRecord to_record() {
        return records.toRecord(observation);
    }
}
