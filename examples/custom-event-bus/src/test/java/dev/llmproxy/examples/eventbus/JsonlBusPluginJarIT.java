package dev.llmproxy.examples.eventbus;

import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBusProvider;
import dev.llmproxy.eventbus.EventBuses;
import dev.llmproxy.testing.MockOpenAiUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The packaged plugin jar (system property {@code example.jar}) with this module's classes kept
 * off the class path (see the failsafe configuration): {@link EventBuses} finds {@code jsonl-file}
 * only through the jar. Then the real thing, as two processes: {@code llm-proxy server} with the
 * jar on its class path and {@code LLM_PROXY_EVENT_BUS=jsonl-file} writes the events of requests
 * proxied to a {@link MockOpenAiUpstream}; {@code llm-proxy dispatcher --service file --plugins
 * <jar>} reads them from the same directory and writes them out.
 */
class JsonlBusPluginJarIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String MANAGEMENT_TOKEN = "jsonl-bus-it-management-token-0b7d";
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static Path jar() {
        Path jar = Path.of(System.getProperty("example.jar"));
        assertThat(jar).exists();
        return jar;
    }

    @Test
    void theBusIsFoundOnlyThroughTheJar() throws Exception {
        assertThatThrownBy(() -> EventBuses.load("jsonl-file", ComponentConfig.empty()))
                .as("not on the class path without the jar").hasMessageStartingWith("unknown event bus 'jsonl-file'");
        try (URLClassLoader plugins = new URLClassLoader(new URL[] {jar().toUri().toURL()},
                EventBusProvider.class.getClassLoader())) {
            Path dir = Files.createTempDirectory("jsonl-bus");
            try (EventBus bus = EventBuses.load("jsonl", ComponentConfig.of(Map.of("JSONL_BUS_DIR", dir.toString())),
                    plugins)) {
                assertThat(bus.getClass().getClassLoader()).isSameAs(plugins);
                assertThat(bus.getClass().getName()).isEqualTo("dev.llmproxy.examples.eventbus.JsonlFileEventBus");
            }
        }
    }

    @Test
    void serverWritesAndAnotherProcessDispatches(@TempDir Path dir) throws Exception {
        Path busDir = dir.resolve("bus");
        Path out = dir.resolve("dispatched.jsonl");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process server = null;
        Process dispatcher = null;
        try (MockOpenAiUpstream upstream = MockOpenAiUpstream.start()) {
            ProcessBuilder sb = new ProcessBuilder(java, "-Xmx256m", "-cp",
                    System.getProperty("java.class.path") + File.pathSeparator + jar(),
                    "dev.llmproxy.server.Main", "server")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile());
            Map<String, String> env = sb.environment();
            env.put("LISTEN_ADDR", "127.0.0.1:0");
            env.put("DATABASE_PATH", dir.resolve("data/llm-proxy.db").toString());
            env.put("AUDIT_LOG_FILE", dir.resolve("data/audit.log").toString());
            env.put("MANAGEMENT_TOKEN", MANAGEMENT_TOKEN);
            env.put("OPENAI_API_URL", upstream.baseUri().toString());
            env.put("LLM_PROXY_EVENT_BUS", "jsonl-file");
            env.put("JSONL_BUS_DIR", busDir.toString());
            server = sb.start();
            URI base = URI.create("http://127.0.0.1:" + awaitPort(server, dir.resolve("server.log")));

            String project = json(send(base, "POST", "/manage/projects", "{\"name\":\"bus\",\"api_key\":\"sk-up\"}",
                    MANAGEMENT_TOKEN), "\"id\":\"([^\"]+)\"");
            String token = json(send(base, "POST", "/manage/tokens",
                    "{\"project_id\":\"" + project + "\",\"duration_minutes\":5}", MANAGEMENT_TOKEN),
                    "\"token\":\"([^\"]+)\"");
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                        .header("Authorization", "Bearer " + token).header("X-Request-ID", "bus-it-" + i)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            }

            ProcessBuilder db = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    "dev.llmproxy.server.Main", "dispatcher", "--service", "file", "--file", out.toString(),
                    "--plugins", jar().toString(), "--flush-interval", "100ms")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("dispatcher.log").toFile());
            db.environment().put("LLM_PROXY_EVENT_BUS", "jsonl-file");
            db.environment().put("JSONL_BUS_DIR", busDir.toString());
            dispatcher = db.start();

            long deadline = System.nanoTime() + WAIT.toNanos();
            String written = "";
            while (System.nanoTime() < deadline && dispatcher.isAlive()
                    && !(written.contains("bus-it-0") && written.contains("bus-it-1") && written.contains("bus-it-2"))) {
                Thread.sleep(100);
                written = Files.exists(out) ? Files.readString(out) : "";
            }
            String log = Files.readString(dir.resolve("dispatcher.log"));
            assertThat(written).as(log).contains("bus-it-0", "bus-it-1", "bus-it-2");
            assertThat(log).contains("event bus jsonl-file");
            // The group's progress is on disk: a restarted dispatcher would not send these again.
            assertThat(Files.list(busDir).map(p -> p.getFileName().toString())).contains("events.jsonl")
                    .anyMatch(n -> n.endsWith(".offset"));

            dispatcher.destroy(); // SIGTERM: graceful stop
            server.destroy();
            assertThat(dispatcher.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            if (dispatcher != null) {
                dispatcher.destroyForcibly();
            }
            if (server != null) {
                server.destroyForcibly();
            }
        }
    }

    private static int awaitPort(Process server, Path log) throws Exception {
        Pattern listening = Pattern.compile("llm-proxy listening on http://127\\.0\\.0\\.1:(\\d+)");
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline && server.isAlive()) {
            Matcher m = listening.matcher(Files.exists(log) ? Files.readString(log) : "");
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the server did not start: " + Files.readString(log));
    }

    private HttpResponse<String> send(URI base, String method, String path, String body, String bearer)
            throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(path))
                .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isBetween(200, 299);
        return r;
    }

    private static String json(HttpResponse<String> r, String regex) {
        Matcher m = Pattern.compile(regex).matcher(r.body());
        assertThat(m.find()).as(r.body()).isTrue();
        return m.group(1);
    }
}
