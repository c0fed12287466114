package dev.llmproxy.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.Event;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBuses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code llm-proxy dispatcher} run in-process with an in-memory bus the test publishes to (the
 * command's bus factory is replaced), stopped through its shutdown hook as a SIGTERM would.
 */
class DispatcherCommandTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private EventBus bus;
    private final List<String> busNames = new ArrayList<>();
    private final List<ComponentConfig> busConfigs = new ArrayList<>();

    @BeforeEach
    void bus() {
        bus = EventBuses.load("in-memory", ComponentConfig.empty());
    }

    @AfterEach
    void close() {
        bus.close(Duration.ofSeconds(1));
        Logging.apply(LogSettings.DEFAULTS);
    }

    private DispatcherCommand command(TestConsole console) {
        return new DispatcherCommand(console.context, (name, config) -> {
            busNames.add(name);
            busConfigs.add(config);
            return bus;
        });
    }

    private CompletableFuture<Integer> start(TestConsole console, String... args) {
        return CompletableFuture.supplyAsync(() -> new CommandLine(command(console)).execute(args));
    }

    private int runToExit(TestConsole console, String... args) throws Exception {
        return start(console, args).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static Event chat(String id) {
        return Event.builder().requestId(id).timestamp(Instant.parse("2025-01-01T10:00:00Z")).method("POST")
                .path("/v1/chat/completions").status(200).durationMillis(12)
                .requestBody("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                        .getBytes(StandardCharsets.UTF_8), 1 << 16)
                .responseHeaders(Map.of("Content-Type", "application/json"))
                .responseBody("{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"hello\"}}]}"
                        .getBytes(StandardCharsets.UTF_8), 1 << 16)
                .build();
    }

    @Test
    void fileService_writesEveryEvent_servesHealth_andStopsCleanlyOnSigterm() throws Exception {
        Path file = dir.resolve("out/events.jsonl");
        Path pid = dir.resolve("run/dispatcher.pid");
        TestConsole console = new TestConsole(Map.of("LLM_PROXY_EVENT_BUS", "in-memory",
                "REDIS_STREAM_KEY", "custom-stream", "LLM_PROXY_API_KEY", "never-printed-key"));
        CompletableFuture<Integer> exit = start(console, "--service", "file", "--file", file.toString(),
                "--batch-size", "5", "--flush-interval", "50ms", "--buffer", "500", "--health-listen", "127.0.0.1:0",
                "--pid-file", pid.toString());

        Matcher running = console.awaitOut("^dispatcher 'file' running: event bus in-memory, group dispatcher-file,"
                + " consumer \\S+, health on http://127\\.0\\.0\\.1:(\\d+)/health$", WAIT);
        assertThat(Files.readString(pid).strip()).isEqualTo(String.valueOf(ProcessHandle.current().pid()));
        assertThat(console.err()).contains("warning: event bus 'in-memory' lives inside this process");
        assertThat(busNames).containsExactly("in-memory");
        assertThat(busConfigs.get(0).string("REDIS_STREAM_KEY", null)).isEqualTo("custom-stream");
        assertThat(busConfigs.get(0).string("OBSERVABILITY_BUFFER_SIZE", null)).isEqualTo("500");

        for (int i = 0; i < 12; i++) {
            assertThat(bus.publish(chat("req-" + i))).isTrue();
        }
        URI health = URI.create("http://127.0.0.1:" + running.group(1) + "/health");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode report;
        do {
            Thread.sleep(20);
            report = JSON.readTree(client.send(HttpRequest.newBuilder(health).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
        } while (report.get("sent").asLong() < 12 && System.nanoTime() < deadline);
        assertThat(report.get("status").asText()).isEqualTo("ok");
        assertThat(report.get("service").asText()).isEqualTo("file");
        assertThat(report.get("sent").asLong()).isEqualTo(12);
        assertThat(report.get("pending").asInt()).isZero();

        console.shutdown();
        assertThat(exit.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isZero();
        assertThat(pid).doesNotExist();
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(12);
        assertThat(JSON.readTree(lines.get(0)).at("/metadata/request_id").asText()).isEqualTo("req-0");
        assertThat(console.out() + console.err()).doesNotContain("never-printed-key");
    }

    @Test
    void aPluginJarGivenWithPlugins_isFoundAndReceivesEvents_withItsOptions() throws Exception {
        Path jar = dir.resolve("plugins/test-plugin.jar");
        Files.createDirectories(jar.getParent());
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out)) {
            j.putNextEntry(new JarEntry("META-INF/services/dev.llmproxy.dispatch.DispatcherProvider"));
            j.write((DispatcherTestPlugin.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
            j.closeEntry();
        }
        TestConsole withoutPlugins = new TestConsole(Map.of());
        assertThat(runToExit(withoutPlugins, "--service", "test-plugin")).isEqualTo(2);
        assertThat(withoutPlugins.err()).contains("--service: unknown dispatcher 'test-plugin'");

        DispatcherTestPlugin.RECEIVED.clear();
        TestConsole console = new TestConsole(Map.of());
        CompletableFuture<Integer> exit = start(console, "--service", "test-plugin", "--plugins",
                jar.getParent().toString(), "-o", "greeting=hello", "--batch-size", "1");
        console.awaitOut("^dispatcher 'test-plugin' running: ", WAIT);
        bus.publish(chat("p-1"));
        bus.publish(chat("p-2"));
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (DispatcherTestPlugin.RECEIVED.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        console.shutdown();
        assertThat(exit.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isZero();
        assertThat(DispatcherTestPlugin.RECEIVED).containsExactly("hello:p-1", "hello:p-2");
    }

    @Test
    void configurationErrors_exit2_withOneLineNamingTheFlagOrVariable() throws Exception {
        Map<String[], String> cases = new java.util.LinkedHashMap<>();
        cases.put(new String[] {"--service", "kafka"},
                "llm-proxy: --service: unknown dispatcher 'kafka'; known: [file, helicone, langfuse, lunary]");
        cases.put(new String[] {"--service", "lunary"},
                "llm-proxy: api_key: required (the lunary dispatcher needs a project key: --api-key or LLM_PROXY_API_KEY)");
        cases.put(new String[] {"--service", "file"}, "llm-proxy: endpoint: required (the file dispatcher needs --file PATH)");
        cases.put(new String[] {"--service", "file", "--file", "x", "--batch-size", "0"},
                "llm-proxy: --batch-size: expected a whole number from 1 to 10000, got '0'");
        cases.put(new String[] {"--service", "file", "--file", "x", "--flush-interval", "soon"},
                "llm-proxy: --flush-interval: expected a duration such as 500ms, 5s, 1m30s or PT5S, got 'soon'");
        cases.put(new String[] {"--service", "file", "--file", "x", "--option", "novalue"},
                "llm-proxy: --option: expected KEY=VALUE, got 'novalue...'");
        cases.put(new String[] {"--service", "file", "--file", "x", "--plugins", "/no/such/dir"},
                "llm-proxy: --plugins: no such jar or directory: /no/such/dir");
        cases.put(new String[] {"--service", "file", "--file", "x", "--health-listen", "9091"},
                "llm-proxy: --health-listen: expected host:port or :port, got '9091' (did you mean ':9091'?)");
        cases.put(new String[] {"--service", "helicone", "--api-key", "k", "--endpoint", "ftp://x"},
                "llm-proxy: --endpoint: expected an http(s) URL such as https://host or https://host/path, got 'ftp://x'");
        cases.put(new String[] {"--service", "file", "--file", "x", "--max-files", "0"},
                "llm-proxy: --max-files: expected a whole number from 1 to 1000, got '0'");
        cases.put(new String[] {"--service", "file", "--file", "x", "--log-level", "loud"},
                "llm-proxy: --log-level: expected one of debug, info, warn, error, got 'loud'");
        cases.put(new String[] {"--service", "bad/name"},
                "llm-proxy: --service: expected a name of letters, digits, '.', '_' or '-', got 'bad/name'");
        for (Map.Entry<String[], String> c : cases.entrySet()) {
            TestConsole console = new TestConsole(Map.of());
            assertThat(runToExit(console, c.getKey())).as(String.join(" ", c.getKey())).isEqualTo(2);
            assertThat(console.err().strip()).as(String.join(" ", c.getKey())).isEqualTo(c.getValue());
        }
        assertThat(busNames).as("nothing was started").isEmpty();
    }

    @Test
    void environmentVariablesAreNamedInErrors_andSecretsAreNeverEchoed() throws Exception {
        TestConsole endpoint = new TestConsole(Map.of("LLM_PROXY_ENDPOINT", "not a url", "LLM_PROXY_API_KEY", "k"));
        assertThat(runToExit(endpoint, "--service", "lunary")).isEqualTo(2);
        assertThat(endpoint.err()).startsWith("llm-proxy: LLM_PROXY_ENDPOINT: expected an http(s) URL");

        TestConsole key = new TestConsole(Map.of());
        assertThat(runToExit(key, "--service", "lunary", "--api-key", "secret with spaces")).isEqualTo(2);
        assertThat(key.err()).startsWith("llm-proxy: --api-key: expected printable ASCII").doesNotContain("secret with");

        TestConsole langfuse = new TestConsole(Map.of("LLM_PROXY_API_KEY", "sk-lf-only-the-secret"));
        assertThat(runToExit(langfuse, "--service", "langfuse")).isEqualTo(2);
        assertThat(langfuse.err()).startsWith("llm-proxy: LLM_PROXY_API_KEY: expected PUBLIC_KEY:SECRET_KEY")
                .doesNotContain("sk-lf-only-the-secret");

        TestConsole bus = new TestConsole(Map.of("LLM_PROXY_EVENT_BUS", "kafka"));
        int code = new CommandLine(new DispatcherCommand(bus.context)).execute("--service", "file", "--file",
                dir.resolve("e.jsonl").toString());
        assertThat(code).isEqualTo(2);
        assertThat(bus.err()).startsWith("llm-proxy: LLM_PROXY_EVENT_BUS: unknown event bus 'kafka'; known: [");
    }

    @Test
    void missingService_isAUsageError() {
        TestConsole console = new TestConsole(Map.of());
        CommandLine cli = new CommandLine(command(console));
        java.io.StringWriter err = new java.io.StringWriter();
        cli.setErr(new java.io.PrintWriter(err));
        assertThat(cli.execute()).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required option: '--service=NAME'");
    }

    @Test
    void relaunchCommand_dropsDetach_andAddsThePidFile() {
        assertThat(DispatcherCommand.withoutDetach(List.of("java", "-jar", "llm-proxy.jar", "dispatcher", "--service",
                "file", "--detach", "--file", "e.jsonl"), Path.of("data/d.pid")))
                .containsExactly("java", "-jar", "llm-proxy.jar", "dispatcher", "--service", "file", "--file", "e.jsonl",
                        "--pid-file", "data/d.pid");
        assertThat(DispatcherCommand.withoutDetach(List.of("java", "Main", "--detach=true", "--pid-file=x.pid"),
                Path.of("ignored.pid"))).containsExactly("java", "Main", "--pid-file=x.pid");
        assertThat(DispatcherCommand.relaunchCommand()).as("this JVM's own command line").hasValueSatisfying(cmd ->
                assertThat(cmd.get(0)).contains("java"));
    }
}
