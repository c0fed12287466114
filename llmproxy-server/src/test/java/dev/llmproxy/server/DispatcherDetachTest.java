package dev.llmproxy.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code llm-proxy dispatcher --detach} for real: a launcher JVM re-runs itself in the background
 * and exits; the background process keeps running with a pid file and a log file, answers its
 * health endpoint, and on SIGTERM stops cleanly and removes its pid file.
 */
class DispatcherDetachTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void detach_runsInTheBackground_withPidAndLogFiles_andStopsOnSigterm() throws Exception {
        Path pidFile = dir.resolve("run/dispatcher.pid");
        Path logFile = dir.resolve("logs/dispatcher.log");
        int port = freePort();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process launcher = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                DispatcherTestMain.class.getName(), "--service", "file", "--file", dir.resolve("events.jsonl").toString(),
                "--event-bus", "in-memory", "--health-listen", "127.0.0.1:" + port, "--detach",
                "--pid-file", pidFile.toString(), "--log-file", logFile.toString())
                .redirectErrorStream(true).start();
        String launcherOutput = new String(launcher.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(launcher.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(launcher.exitValue()).as(launcherOutput).isZero();

        Matcher started = Pattern.compile("dispatcher 'file' started in the background: pid (\\d+), log (\\S+), pid file (\\S+)")
                .matcher(launcherOutput);
        assertThat(started.find()).as(launcherOutput).isTrue();
        long pid = Long.parseLong(started.group(1));
        Optional<ProcessHandle> background = ProcessHandle.of(pid);
        try {
            assertThat(background).isPresent();
            assertThat(background.get().isAlive()).as("still running after the launcher exited").isTrue();
            assertThat(Files.readString(pidFile).strip()).isEqualTo(String.valueOf(pid));

            JsonNode health = awaitHealth(port);
            assertThat(health.get("service").asText()).isEqualTo("file");
            assertThat(health.get("status").asText()).isEqualTo("ok");
            Path cmdline = Path.of("/proc/" + pid + "/cmdline");
            if (Files.isReadable(cmdline)) { // Linux: check what was re-run
                List<String> args = List.of(Files.readString(cmdline).split("\0"));
                assertThat(args).as("re-run without --detach").doesNotContain("--detach")
                        .contains(DispatcherTestMain.class.getName(), "--health-listen", "--pid-file");
            }

            assertThat(background.get().destroy()).isTrue(); // SIGTERM
            assertThat(background.get().onExit().get(30, TimeUnit.SECONDS).isAlive()).isFalse();
            assertThat(pidFile).as("removed on a clean stop").doesNotExist();
            String log = Files.readString(logFile);
            assertThat(log).contains("dispatcher 'file' running").contains("warning: event bus 'in-memory'")
                    .contains("stopped");
        } finally {
            background.ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static JsonNode awaitHealth(int port) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/health")).build(), HttpResponse.BodyHandlers.ofString());
                return JSON.readTree(r.body());
            } catch (IOException e) { // not listening yet
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }
}
