package dev.llmproxy.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmproxy.core.LlmProxy;
import dev.llmproxy.core.capture.WireCaptureConfig;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.testing.MockOpenAiUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code llm-proxy capture inspect} in-process: summary figures, filters, malformed lines, gzip, output forms. */
class CaptureInspectTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    @TempDir
    Path dir;

    @AfterEach
    void resetLogging() {
        Logging.apply(LogSettings.DEFAULTS);
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        TestConsole console = new TestConsole(Map.of());
        int exit = Main.run(console.context, args);
        return new Run(exit, console.out(), console.err());
    }

    /** A capture line in the documented format (docs/wire-capture.md). */
    private static String line(int i, String path, String model, String project, int status, double durationMs,
                               boolean truncated, String errorCode) throws Exception {
        ObjectNode x = JSON.createObjectNode();
        x.put("v", 1);
        x.put("request_id", "req-" + i);
        x.put("started_at", T0.plusSeconds(60L * i).toString());
        x.put("ended_at", T0.plusSeconds(60L * i).plusMillis((long) durationMs).toString());
        x.put("duration_ms", durationMs);
        x.put("method", "POST");
        x.put("path", path);
        if (model != null) {
            x.put("model", model);
        }
        x.put("stream", false);
        x.put("project_id", project);
        x.put("truncated", truncated);
        if (errorCode != null) {
            x.putObject("error").put("code", errorCode).put("message", "m");
        }
        x.putObject("request").putObject("headers").put("content-type", "application/json");
        ObjectNode response = x.putObject("response");
        response.put("status", status);
        response.putObject("body").put("text", "{}").put("bytes", 2).put("captured_bytes", 2).put("truncated", false);
        return JSON.writeValueAsString(x) + "\n";
    }

    /**
     * 100 exchanges: durations 1..100 ms; i % 10 == 0 → 500 on /v1/embeddings, i % 10 == 1 → 429,
     * others 200 on /v1/chat/completions; models alternate a/b; projects p1 for i < 50, else p2;
     * every 25th truncated; i == 7 a proxy error. Split over a plain and a gzip file, with a
     * malformed line in the middle of the plain one.
     */
    private List<Path> writeFixture() throws Exception {
        StringBuilder first = new StringBuilder();
        StringBuilder second = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            boolean embeddings = i % 10 == 0;
            int status = embeddings ? 500 : i % 10 == 1 ? 429 : 200;
            String l = line(i, embeddings ? "/v1/embeddings?x=1" : "/v1/chat/completions", i % 2 == 0 ? "a" : "b",
                    i < 50 ? "p1" : "p2", status, i + 1, i % 25 == 0, i == 7 ? "invalid_token" : null);
            (i < 50 ? first : second).append(l);
            if (i == 20) {
                first.append("{\"request_id\": \"cut-off-by-a-crash\n");
            }
        }
        Path plain = dir.resolve("capture-20261122T100000.000Z-p1-000001.jsonl");
        Files.writeString(plain, first);
        Path gz = dir.resolve("capture-20261122T105000.000Z-p1-000002.jsonl.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(second.toString().getBytes(StandardCharsets.UTF_8));
        }
        return List.of(plain, gz);
    }

    @Test
    void summary_countsEverything_andReportsTheMalformedLine() throws Exception {
        List<Path> files = writeFixture();
        Run r = run("capture", "inspect", files.get(0).toString(), files.get(1).toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("warning: " + files.get(0) + ":22: not a capture record");
        assertThat(r.out())
                .contains("files:           2 (101 lines, 1 malformed and skipped)")
                .contains("exchanges:       100")
                .contains("time range:      2026-11-22T10:00:00Z .. 2026-11-22T11:39:00Z")
                .contains("latency ms:      p50 50.0  p95 95.0  p99 99.0  max 100.0")
                .contains("errors:          20 (4xx, 5xx or no response), 1 answered by the proxy itself")
                .contains("truncated:       4")
                .containsPattern("by status:\\n  200  80\\n  429  10\\n  500  10\\n")
                .containsPattern("by path:\\n  /v1/chat/completions  90\\n  /v1/embeddings        10\\n")
                .containsPattern("by model:\\n  a  50\\n  b  50\\n")
                .contains("invalid_token  1");
    }

    @Test
    void aDirectoryIsReadInTimeOrder_andJsonOutputHasTheSameFigures() throws Exception {
        writeFixture();
        Run r = run("capture", "inspect", "--json", dir.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode s = JSON.readTree(r.out());
        assertThat(s.get("exchanges").asLong()).isEqualTo(100);
        assertThat(s.get("malformed_lines").asLong()).isEqualTo(1);
        assertThat(s.at("/latency_ms/p50").asDouble()).isEqualTo(50.0);
        assertThat(s.at("/latency_ms/p99").asDouble()).isEqualTo(99.0);
        assertThat(s.at("/by_status/429").asLong()).isEqualTo(10);
        assertThat(s.at("/by_project/p2").asLong()).isEqualTo(50);
        assertThat(s.get("first_started_at").asText()).isEqualTo("2026-11-22T10:00:00Z");
    }

    @Test
    void filtersNarrowTheSummary() throws Exception {
        writeFixture();
        assertThat(exchanges("--status", "5xx")).isEqualTo(10);
        assertThat(exchanges("--status", "429,500")).isEqualTo(20);
        assertThat(exchanges("--status", "200")).isEqualTo(80);
        assertThat(exchanges("--path", "/v1/embed*")).isEqualTo(10);
        assertThat(exchanges("--path", "/v1/*/completions")).isEqualTo(90);
        assertThat(exchanges("--model", "b")).isEqualTo(50);
        assertThat(exchanges("--project", "p1", "--model", "a")).isEqualTo(25);
        assertThat(exchanges("--request-id", "req-42")).isEqualTo(1);
        assertThat(exchanges("--since", "2026-11-22T11:00:00Z")).isEqualTo(40);
        assertThat(exchanges("--since", "2026-11-22T10:10:00Z", "--until", "2026-11-22T10:20:00Z")).isEqualTo(10);
        assertThat(exchanges("--since", "2026-11-23")).isZero();
    }

    private long exchanges(String... filters) throws Exception {
        List<String> args = new ArrayList<>(List.of("capture", "inspect", "--json"));
        args.addAll(List.of(filters));
        args.add(dir.toString());
        Run r = run(args.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        return JSON.readTree(r.out()).get("exchanges").asLong();
    }

    @Test
    void show_printsTheMatchingExchanges() throws Exception {
        writeFixture();
        Run pretty = run("capture", "inspect", "--show", "--request-id", "req-60", dir.toString());
        assertThat(pretty.exit()).as(pretty.err()).isZero();
        assertThat(pretty.out()).contains("=== req-60  POST /v1/embeddings?x=1  -> 500  61.0 ms")
                .contains("\"request_id\" : \"req-60\"").contains("exchanges:       1");

        Run lines = run("capture", "inspect", "--show", "--json", "--status", "429", "--limit", "3", dir.toString());
        assertThat(lines.exit()).as(lines.err()).isZero();
        String[] out = lines.out().strip().split("\n");
        assertThat(out).hasSize(3);
        for (String l : out) {
            assertThat(JSON.readTree(l).at("/response/status").asInt()).isEqualTo(429);
        }
    }

    @Test
    void badOptionsAndMissingFiles_areClearErrors() throws Exception {
        writeFixture();
        Run badStatus = run("capture", "inspect", "--status", "2xxx", dir.toString());
        assertThat(badStatus.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(badStatus.err()).contains("--status: expected a status like 200, 429, 4xx, 5xx or none, got '2xxx'");
        Run badTime = run("capture", "inspect", "--since", "yesterday", dir.toString());
        assertThat(badTime.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(badTime.err()).contains("--since: expected a time like");
        Run missing = run("capture", "inspect", dir.resolve("nope.jsonl").toString());
        assertThat(missing.exit()).isEqualTo(Main.EXIT_RUNTIME);
        assertThat(missing.err()).contains("nope.jsonl: no such file or directory");
        Run noFile = run("capture", "inspect");
        assertThat(noFile.exit()).isEqualTo(Main.EXIT_USAGE);
    }

    @Test
    void progressGoesToStderr() throws Exception {
        writeFixture();
        Run r = run("capture", "inspect", "--progress", dir.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.err()).contains("read capture-20261122T105000.000Z-p1-000002.jsonl.gz: 100% (50 lines)");
        assertThat(r.out()).doesNotContain("read capture-");
    }

    /** The whole path: a real proxy captures real traffic, and inspect reads what it wrote. */
    @Test
    void inspectsWhatARealProxyCaptured() throws Exception {
        Path captureDir = dir.resolve("live");
        try (MockOpenAiUpstream upstream = MockOpenAiUpstream.start();
             LlmProxy proxy = LlmProxy.builder().listen("127.0.0.1", 0)
                     .provider(ProviderConfig.openAi(upstream.baseUri())).upstreamApiKey("sk-upstream-key-0123456789")
                     .wireCapture(WireCaptureConfig.builder().directory(captureDir).build()).build().start()) {
            HttpClient client = HttpClient.newHttpClient();
            for (int i = 0; i < 5; i++) {
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                + proxy.localAddress().getPort() + "/v1/chat/completions"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"stream\":" + (i % 2 == 0)
                                + ",\"messages\":[]}"));
                if (i == 4) {
                    b.header(MockOpenAiUpstream.BEHAVIOR_HEADER, "status=429");
                }
                HttpResponse<String> response = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).isEqualTo(i == 4 ? 429 : 200);
            }
            assertThat(proxy.wireCapture().drain(Duration.ofSeconds(10))).isTrue();
        }
        Run r = run("capture", "inspect", "--json", captureDir.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode s = JSON.readTree(r.out());
        assertThat(s.get("exchanges").asLong()).isEqualTo(5);
        assertThat(s.get("streamed").asLong()).isEqualTo(3); // i = 0, 2, 4 asked for a stream (4 got a 429)
        assertThat(s.at("/by_status/200").asLong()).isEqualTo(4);
        assertThat(s.at("/by_status/429").asLong()).isEqualTo(1);
        assertThat(s.at("/by_model/gpt-4o-mini").asLong()).isEqualTo(5);
        assertThat(s.get("malformed_lines").asLong()).isZero();
        assertThat(Files.readString(Files.list(captureDir).findFirst().orElseThrow()))
                .doesNotContain("sk-upstream-key-0123456789");
    }
}
