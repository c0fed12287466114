package dev.llmproxy.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.testing.Behavior;
import dev.llmproxy.testing.MockOpenAiUpstream;
import dev.llmproxy.testing.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code llm-proxy benchmark} in-process against the real mock upstream: counts must be exact. */
class BenchmarkCommandTest {

    private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final ObjectMapper JSON = new ObjectMapper();

    private MockOpenAiUpstream upstream;

    @BeforeEach
    void startUpstream() {
        upstream = MockOpenAiUpstream.start();
    }

    @AfterEach
    void stopUpstream() {
        upstream.close();
    }

    private TestConsole run(int expectedExit, String... args) {
        TestConsole console = new TestConsole(Map.of("PROXY_TOKEN", "sk-from-env"));
        int exit = Main.run(console.context, args);
        assertThat(exit).as("exit code; stderr: %s", console.err()).isEqualTo(expectedExit);
        return console;
    }

    private String base() {
        return "http://127.0.0.1:" + upstream.port();
    }

    @Test
    void closedLoopSendsExactlyTheRequestedNumberAndCountsThem() throws Exception {
        TestConsole console = run(0, "benchmark", "--base-url", base(), "--endpoint", "/v1/chat/completions",
                "-r", "57", "-c", "4", "--warmup", "3", "--json", BODY, "--output", "json");

        JsonNode summary = JSON.readTree(console.out());
        assertThat(summary.get("requests").asInt()).isEqualTo(57);
        assertThat(summary.get("success").asInt()).isEqualTo(57);
        assertThat(summary.get("failed").asInt()).isZero();
        assertThat(summary.get("status_counts").get("200").asInt()).isEqualTo(57);
        assertThat(summary.get("latency_us").get("count").asInt()).isEqualTo(57);
        assertThat(summary.get("throughput_rps").asDouble()).isPositive();
        // Warm-up requests are sent, just not measured.
        assertThat(upstream.requestCount()).isEqualTo(60);
        List<RecordedRequest> seen = upstream.requests();
        assertThat(seen).allSatisfy(r -> {
            assertThat(r.header("authorization")).isEqualTo("Bearer sk-from-env");
            assertThat(r.header("content-type")).isEqualTo("application/json");
            assertThat(r.body()).isEqualTo(BODY);
        });
        // Keep-alive: no more connections than the concurrency.
        assertThat(upstream.connectionsAccepted()).isLessThanOrEqualTo(4);
        assertThat(console.err()).contains("60/60");
    }

    @Test
    void textSummaryShowsPercentilesHistogramAndStatusCounts() {
        upstream.setDefaultBehavior(Behavior.status(429));
        TestConsole console = run(1, "benchmark", "--base-url", base(), "--endpoint", "/v1/chat/completions",
                "-r", "10", "--token", "sk-flag", "--json", BODY, "--cache", "--debug", "--no-progress");

        assertThat(console.out())
                .contains("Requests:     10 (success 0, failed 10)")
                .contains("p99.9")
                .contains("Latency histogram:")
                .contains("[429] 10 responses")
                .contains("Sample response [429]:")
                .contains("rate_limit_exceeded")
                .contains("Authorization: Bearer ***")
                .doesNotContain("sk-flag");
        assertThat(upstream.requests()).allSatisfy(r -> {
            assertThat(r.header("authorization")).isEqualTo("Bearer sk-flag");
            assertThat(r.header("cache-control")).isEqualTo("public, max-age=86400");
        });
        assertThat(console.err()).isEmpty();
    }

    @Test
    void streamsReportTimeToFirstByteAndChunkGaps() throws Exception {
        TestConsole console = run(0, "benchmark", "--base-url", base(), "--endpoint", "/v1/chat/completions",
                "-r", "6", "-c", "3", "--stream", "--json", BODY, "--output", "json", "--no-progress",
                "-H", MockOpenAiUpstream.BEHAVIOR_HEADER + "=sse;chunks=5;delay-ms=20");

        JsonNode summary = JSON.readTree(console.out());
        assertThat(summary.get("status_counts").get("200").asInt()).isEqualTo(6);
        assertThat(summary.get("ttft_us").get("count").asInt()).isEqualTo(6);
        assertThat(summary.get("max_chunk_gap_per_stream_us").get("count").asInt()).isEqualTo(6);
        // Chunks are 20 ms apart, so the longest gap of a stream is at least most of that.
        assertThat(summary.get("max_chunk_gap_per_stream_us").get("p50").asLong()).isGreaterThan(10_000);
        assertThat(summary.get("stalled_streams").asLong()).isZero(); // 20 ms gaps, threshold 200 ms
        assertThat(upstream.requests()).allSatisfy(r -> {
            assertThat(JSON.readTree(r.body()).get("stream").asBoolean()).isTrue();
            assertThat(r.header("accept")).isEqualTo("text/event-stream");
        });
    }

    @Test
    void openLoopSendsAtTheGivenRate() throws Exception {
        TestConsole console = run(0, "benchmark", "--base-url", base(), "--endpoint", "/v1/models",
                "--method", "GET", "-r", "40", "-c", "2", "--rate", "200", "--warmup", "10", "--output", "json",
                "--no-progress");

        JsonNode summary = JSON.readTree(console.out());
        assertThat(summary.get("status_counts").get("200").asInt()).isEqualTo(40);
        assertThat(summary.get("latency_us").get("count").asInt()).isEqualTo(40);
        assertThat(upstream.requestCount()).isEqualTo(50);
        // 40 requests at 200/s take at least the 195 ms between the first and the last start.
        assertThat(summary.get("duration_seconds").asDouble()).isGreaterThanOrEqualTo(0.19);
    }

    @Test
    void unreachableUrlIsAClearError() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        TestConsole console = run(1, "benchmark", "--base-url", "http://127.0.0.1:" + port, "--endpoint", "/v1/models",
                "--no-progress");
        assertThat(console.err()).contains("cannot connect to 127.0.0.1:" + port);
    }

    @Test
    void badFlagsAreUsageErrors() {
        assertThat(run(2, "benchmark", "--base-url", "localhost:8080", "--endpoint", "/v1/x").err())
                .contains("--base-url: expected http(s)://host[:port]");
        assertThat(run(2, "benchmark", "--base-url", base(), "--endpoint", "v1/x").err())
                .contains("--endpoint: must start with '/'");
        assertThat(run(2, "benchmark", "--base-url", base(), "--endpoint", "/v1/x", "-c", "0").err())
                .contains("--concurrency: must be 1 to 100000");
        assertThat(run(2, "benchmark", "--base-url", base(), "--endpoint", "/v1/x", "--stream", "--json", "[1").err())
                .contains("--json: not valid JSON");
        assertThat(run(2, "benchmark", "--base-url", base(), "--endpoint", "/v1/x", "--timeout", "soon").err())
                .contains("--timeout:");
        assertThat(run(2, "benchmark", "--endpoint", "/v1/x").err()).contains("--base-url");
        assertThat(upstream.requestCount()).isZero();
    }
}
