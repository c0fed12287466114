package dev.llmproxy.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.testing.MockOpenAiUpstream;
import dev.llmproxy.testing.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code llm-proxy server} run in-process through {@link Main}, configured only by environment
 * variables, in front of a {@link MockOpenAiUpstream}; stopped through its shutdown hook as a
 * SIGTERM would.
 */
class ServerCommandTest {

    private static final Duration WAIT = RunningServer.WAIT;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String UPSTREAM_KEY = "sk-upstream-project-key-0123456789";

    @TempDir
    Path dir;

    private MockOpenAiUpstream upstream;

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
    void proxiesWithAProjectToken_fromAGeneratedManagementToken_untilShutdown() throws Exception {
        Path logFile = dir.resolve("logs/llm-proxy.log");
        Map<String, String> env = new HashMap<>();
        env.put("OPENAI_API_URL", upstream.baseUri().toString());
        env.put("OPENAI_API_KEY", "sk-ignored-global-key");
        env.put("LOG_FILE", logFile.toString());
        env.put("MANAGEMENT_TOKEN", null); // generated
        try (RunningServer server = new RunningServer(dir, env)) {
            HttpResponse<String> health = server.send("GET", "/health", null);
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(health.body()).get("status").asText()).isEqualTo("ok");

            // The generated management token: shown once, 43 URL-safe characters, and it works.
            String out = server.console.out();
            Matcher m = Pattern.compile("export MANAGEMENT_TOKEN=(\\S+)").matcher(out);
            assertThat(m.find()).isTrue();
            String managementToken = m.group(1);
            assertThat(managementToken).matches("[A-Za-z0-9_-]{43}");
            assertThat(out.split(Pattern.quote(managementToken), -1)).hasSize(2);
            HttpResponse<String> created = server.send("POST", "/manage/projects",
                    "{\"name\":\"demo\",\"api_key\":\"" + UPSTREAM_KEY + "\"}",
                    "Authorization", "Bearer " + managementToken);
            assertThat(created.statusCode()).isEqualTo(201);
            String projectId = JSON.readTree(created.body()).get("id").asText();
            HttpResponse<String> generated = server.send("POST", "/manage/tokens",
                    "{\"project_id\":\"" + projectId + "\",\"duration_minutes\":5}",
                    "Authorization", "Bearer " + managementToken);
            assertThat(generated.statusCode()).isEqualTo(201);
            String token = JSON.readTree(generated.body()).get("token").asText();

            HttpResponse<String> chat = server.chat(token);
            assertThat(chat.statusCode()).isEqualTo(200);
            JsonNode completion = JSON.readTree(chat.body());
            assertThat(completion.at("/choices/0/message/content").asText()).isEqualTo(MockOpenAiUpstream.contentOf(8));
            RecordedRequest seen = upstream.takeRequest(WAIT);
            assertThat(seen.header("authorization")).isEqualTo("Bearer " + UPSTREAM_KEY);

            // Storage is on: without a withering token nothing goes upstream, OPENAI_API_KEY or not.
            HttpResponse<String> anonymous = server.chat(null);
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(JSON.readTree(anonymous.body()).at("/error/code").asText()).isEqualTo("invalid_token");
            assertThat(upstream.requestCount()).isEqualTo(1);

            assertThat(server.stop()).isZero();
            assertThat(server.console.err()).isEmpty();
            String log = Files.readString(logFile);
            assertThat(log).contains("listening on", "OPENAI_API_KEY is ignored", "stopped")
                    .doesNotContain(managementToken).doesNotContain(UPSTREAM_KEY).doesNotContain(token)
                    .doesNotContain("sk-ignored-global-key");
            String audit = Files.readString(server.auditLog);
            assertThat(audit).contains("\"project.create\"", "\"token.create\"")
                    .doesNotContain(UPSTREAM_KEY).doesNotContain(token).doesNotContain(managementToken);
            String db = new String(Files.readAllBytes(server.database), StandardCharsets.ISO_8859_1);
            assertThat(db).doesNotContain(token);
        }
    }

    @Test
    void configuredManagementTokenIsNotPrinted() throws Exception {
        try (RunningServer server = new RunningServer(dir, Map.of("OPENAI_API_URL", upstream.baseUri().toString()))) {
            assertThat(server.stop()).isZero();
            assertThat(server.console.out()).doesNotContain("MANAGEMENT_TOKEN")
                    .doesNotContain(RunningServer.MANAGEMENT_TOKEN);
        }
    }

    @Test
    void encryptionKey_keepsUpstreamKeysOutOfTheDatabaseFile() throws Exception {
        Map<String, String> env = Map.of("OPENAI_API_URL", upstream.baseUri().toString(),
                "ENCRYPTION_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "REQUIRE_ENCRYPTION_KEY", "true");
        try (RunningServer server = new RunningServer(dir, env)) {
            String token = server.projectToken("enc", UPSTREAM_KEY);
            assertThat(server.chat(token).statusCode()).isEqualTo(200);
            assertThat(upstream.takeRequest(WAIT).header("authorization")).isEqualTo("Bearer " + UPSTREAM_KEY);
            assertThat(server.stop()).isZero();
            for (Path file : List.of(server.database, Path.of(server.database + "-wal"))) {
                if (Files.exists(file)) {
                    assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1))
                            .doesNotContain(UPSTREAM_KEY).doesNotContain(token);
                }
            }
        }
    }

    @Test
    void requireEncryptionKeyWithoutOne_refusesToStart() {
        TestConsole console = new TestConsole(Map.of("REQUIRE_ENCRYPTION_KEY", "true",
                "DATABASE_PATH", dir.resolve("x.db").toString()));
        assertThat(Main.run(console.context, "server")).isEqualTo(Main.EXIT_USAGE);
        assertThat(console.err()).startsWith("llm-proxy: REQUIRE_ENCRYPTION_KEY is true but ENCRYPTION_KEY is not set");
        assertThat(dir.resolve("x.db")).doesNotExist();
    }

    @Test
    void unreachablePostgres_isARuntimeFailureNamingTheSetting() {
        TestConsole console = new TestConsole(Map.of("LISTEN_ADDR", "127.0.0.1:0", "DB_DRIVER", "postgres",
                "DATABASE_URL", "postgres://proxy:hunter2@127.0.0.1:1/llmproxy", "MANAGEMENT_TOKEN",
                RunningServer.MANAGEMENT_TOKEN));
        assertThat(Main.run(console.context, "server")).isEqualTo(Main.EXIT_RUNTIME);
        assertThat(console.err()).startsWith("llm-proxy: cannot connect to the database at DATABASE_URL")
                .doesNotContain("hunter2");
        assertThat(console.out()).doesNotContain("listening on");
    }

    @Test
    void fileEventLog_receivesOneJsonLinePerProxiedRequest_andIsFlushedOnShutdown() throws Exception {
        Path events = dir.resolve("events/llm-proxy-events.jsonl");
        try (RunningServer server = new RunningServer(dir, Map.of("OPENAI_API_URL", upstream.baseUri().toString()),
                "--file-event-log", events.toString())) {
            String token = server.projectToken("events", UPSTREAM_KEY);
            for (int i = 0; i < 3; i++) {
                assertThat(server.chat(token).statusCode()).isEqualTo(200);
            }
            assertThat(server.stop()).isZero();
        }
        List<String> lines = Files.readAllLines(events);
        assertThat(lines).hasSize(3);
        for (String line : lines) {
            JsonNode event = JSON.readTree(line);
            assertThat(event.get("path").asText()).isEqualTo("/v1/chat/completions");
            assertThat(event.get("model").asText()).isEqualTo("gpt-4o-mini");
            assertThat(line).doesNotContain(UPSTREAM_KEY);
        }
    }
}
