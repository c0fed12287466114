package dev.llmproxy.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.testing.MockOpenAiUpstream;
import dev.llmproxy.testing.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code llm-proxy server} run in-process through {@link Main}, configured only by environment
 * variables, in front of a {@link MockOpenAiUpstream}; stopped through its shutdown hook as a
 * SIGTERM would.
 */
class ServerCommandTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private MockOpenAiUpstream upstream;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void startUpstream() {
        upstream = MockOpenAiUpstream.start();
    }

    @AfterEach
    void stopUpstream() {
        upstream.close();
        Logging.apply(LogSettings.DEFAULTS);
    }

    @Test
    void servesHealthAndProxiesChatCompletionsUntilShutdown() throws Exception {
        Path logFile = dir.resolve("logs/llm-proxy.log");
        Map<String, String> env = new HashMap<>();
        env.put("LISTEN_ADDR", "127.0.0.1:0");
        env.put("OPENAI_API_URL", upstream.baseUri().toString());
        env.put("OPENAI_API_KEY", "sk-upstream-test-key");
        env.put("LOG_FILE", logFile.toString());
        TestConsole console = new TestConsole(env);
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> Main.run(console.context, "server"));

        Matcher listening = console.awaitOut("^llm-proxy listening on http://127\\.0\\.0\\.1:(\\d+)$", WAIT);
        URI base = URI.create("http://127.0.0.1:" + listening.group(1));

        HttpResponse<String> health = client.send(HttpRequest.newBuilder(base.resolve("/health")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(health.body()).get("status").asText()).isEqualTo("ok");

        HttpResponse<String> chat = client.send(HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer client-key")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(chat.statusCode()).isEqualTo(200);
        JsonNode completion = JSON.readTree(chat.body());
        assertThat(completion.get("object").asText()).isEqualTo("chat.completion");
        assertThat(completion.get("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(completion.at("/choices/0/message/content").asText()).isEqualTo(MockOpenAiUpstream.contentOf(8));
        RecordedRequest seen = upstream.takeRequest(WAIT);
        assertThat(seen.path()).isEqualTo("/v1/chat/completions");
        assertThat(seen.header("authorization")).isEqualTo("Bearer sk-upstream-test-key");

        // The generated management token: shown once, 43 URL-safe characters, never logged.
        String out = console.out();
        Matcher token = Pattern.compile("export MANAGEMENT_TOKEN=(\\S+)").matcher(out);
        assertThat(token.find()).isTrue();
        String value = token.group(1);
        assertThat(value).matches("[A-Za-z0-9_-]{43}");
        assertThat(out.split(Pattern.quote(value), -1)).hasSize(2);
        assertThat(out.indexOf("export MANAGEMENT_TOKEN=")).isLessThan(out.indexOf("llm-proxy listening on"));

        console.shutdown();
        assertThat(exit.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isZero();
        assertThat(console.err()).isEmpty();

        String log = Files.readString(logFile);
        assertThat(log).contains("listening on", "stopped").doesNotContain(value).doesNotContain("sk-upstream-test-key");
    }

    @Test
    void configuredManagementTokenIsNotPrinted() throws Exception {
        TestConsole console = new TestConsole(Map.of("LISTEN_ADDR", "127.0.0.1:0", "OPENAI_API_URL",
                upstream.baseUri().toString(), "MANAGEMENT_TOKEN", "configured-management-token-value"));
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> Main.run(console.context, "server"));
        console.awaitOut("^llm-proxy listening on ", WAIT);
        console.shutdown();
        assertThat(exit.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isZero();
        assertThat(console.out()).doesNotContain("MANAGEMENT_TOKEN").doesNotContain("configured-management-token-value");
    }

    @Test
    void fileEventLog_receivesOneJsonLinePerProxiedRequest_andIsFlushedOnShutdown() throws Exception {
        Path events = dir.resolve("events/llm-proxy-events.jsonl");
        TestConsole console = new TestConsole(Map.of("LISTEN_ADDR", "127.0.0.1:0", "OPENAI_API_URL",
                upstream.baseUri().toString(), "OPENAI_API_KEY", "sk-upstream-test-key",
                "MANAGEMENT_TOKEN", "configured-management-token-value"));
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
                () -> Main.run(console.context, "server", "--file-event-log", events.toString()));
        Matcher listening = console.awaitOut("^llm-proxy listening on http://127\\.0\\.0\\.1:(\\d+)$", WAIT);
        URI base = URI.create("http://127.0.0.1:" + listening.group(1));
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> chat = client.send(HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"messages\":[]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(chat.statusCode()).isEqualTo(200);
        }
        console.shutdown();
        assertThat(exit.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isZero();

        List<String> lines = Files.readAllLines(events);
        assertThat(lines).hasSize(3);
        for (String line : lines) {
            JsonNode event = JSON.readTree(line);
            assertThat(event.get("path").asText()).isEqualTo("/v1/chat/completions");
            assertThat(event.get("model").asText()).isEqualTo("gpt-4o-mini");
            assertThat(line).doesNotContain("sk-upstream-test-key");
        }
    }
}
