package dev.llmproxy.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.testing.MockOpenAiUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code llm-proxy server} with {@code WIRE_CAPTURE_ENABLED=true}: traffic lands in
 * {@code WIRE_CAPTURE_DIR}, the management token is redacted without any extra setting, the
 * counters are on {@code /metrics/prometheus}, shutdown writes what is queued, and
 * {@code capture inspect} reads the result.
 */
class WireCaptureServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROVIDER_KEY = "sk-proj-server-capture-test-provider-key-0123";

    @TempDir
    Path dir;

    @Test
    void serverCapturesTraffic_withoutSecrets() throws Exception {
        Path captureDir = dir.resolve("capture");
        String token;
        try (MockOpenAiUpstream upstream = MockOpenAiUpstream.start();
             RunningServer server = new RunningServer(dir, Map.of("OPENAI_API_URL", upstream.baseUri().toString(),
                     "WIRE_CAPTURE_ENABLED", "true", "WIRE_CAPTURE_DIR", captureDir.toString()))) {
            token = server.projectToken("capture", PROVIDER_KEY);
            assertThat(server.chat(token).statusCode()).isEqualTo(200);
            assertThat(server.chat(null).statusCode()).isEqualTo(401);
            String leaky = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"the admin token is "
                    + RunningServer.MANAGEMENT_TOKEN + "\"}]}";
            HttpResponse<String> third = server.send("POST", "/v1/chat/completions", leaky,
                    "Content-Type", "application/json", "Authorization", "Bearer " + token);
            assertThat(third.statusCode()).isEqualTo(200);
            String metrics = server.send("GET", "/metrics/prometheus", null).body();
            assertThat(metrics).contains("llm_proxy_wire_capture_written_total")
                    .contains("llm_proxy_wire_capture_dropped_total{reason=\"queue_full\",} 0.0");
            assertThat(server.stop()).isZero(); // shutdown writes whatever is still queued
        }

        StringBuilder raw = new StringBuilder();
        try (Stream<Path> files = Files.list(captureDir)) {
            for (Path f : files.toList()) {
                raw.append(Files.readString(f, StandardCharsets.UTF_8));
            }
        }
        assertThat(raw.toString().lines().count()).isEqualTo(3);
        for (String secret : List.of(token, PROVIDER_KEY, RunningServer.MANAGEMENT_TOKEN)) {
            assertThat(raw.toString()).doesNotContain(secret);
        }

        TestConsole console = new TestConsole(Map.of());
        assertThat(Main.run(console.context, "capture", "inspect", "--json", captureDir.toString())).isZero();
        JsonNode summary = JSON.readTree(console.out());
        assertThat(summary.get("exchanges").asLong()).isEqualTo(3);
        assertThat(summary.at("/by_status/200").asLong()).isEqualTo(2);
        assertThat(summary.at("/by_status/401").asLong()).isEqualTo(1);
        assertThat(summary.get("proxy_errors").asLong()).isEqualTo(1);
    }
}
