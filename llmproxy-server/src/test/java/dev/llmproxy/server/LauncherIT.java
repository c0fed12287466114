package dev.llmproxy.server;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The packaged fat jar ({@code target/llm-proxy.jar}) run as a separate process, as users run it:
 * help, a configuration error, and a server that answers {@code /health} and stops cleanly on
 * SIGTERM. Runs in {@code verify}, after {@code package} built the jar.
 */
class LauncherIT {

    private static Path jar;

    @TempDir
    Path dir;

    @BeforeAll
    static void findJar() {
        String property = System.getProperty("llmproxy.jar", "target/llm-proxy.jar");
        jar = Path.of(property);
        assumeTrue(Files.isRegularFile(jar), "fat jar not built: " + jar);
    }

    private Process start(Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-jar");
        command.add(jar.toAbsolutePath().toString());
        command.addAll(List.of(args));
        // The working directory is the temp dir, so ./data/llm-proxy.db and ./data/audit.log land there.
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(dir.resolve("stdout.txt").toFile())
                .redirectError(dir.resolve("stderr.txt").toFile());
        // Keep the developer's or CI's own settings out of the child.
        builder.environment().keySet().removeIf(name -> EnvVars.ALL.contains(name));
        builder.environment().putAll(env);
        return builder.start();
    }

    private String stdout() throws IOException {
        return Files.readString(dir.resolve("stdout.txt"));
    }

    private String stderr() throws IOException {
        return Files.readString(dir.resolve("stderr.txt"));
    }

    @Test
    void helpExitsZero() throws Exception {
        Process p = start(Map.of(), "--help");
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(stdout()).contains("Usage: llm-proxy", "server");
    }

    @Test
    void malformedVariableExitsTwoWithOneLine() throws Exception {
        Process p = start(Map.of("LISTEN_ADDR", "abc"), "server");
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(stderr()).isEqualTo("llm-proxy: LISTEN_ADDR: expected host:port or :port, got 'abc'\n");
    }

    @Test
    void serverAnswersHealthAndStopsOnSigterm() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Process p = start(Map.of("OPENAI_API_URL", "http://127.0.0.1:9"), "server", "--listen", "127.0.0.1:" + port);
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                    .timeout(Duration.ofSeconds(5)).build();
            int status = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (status != 200 && p.isAlive() && System.nanoTime() < deadline) {
                try {
                    status = client.send(health, HttpResponse.BodyHandlers.ofString()).statusCode();
                } catch (IOException notYet) {
                    Thread.sleep(100);
                }
            }
            assertThat(status).as("GET /health; stdout:%n%s%nstderr:%n%s", stdout(), stderr()).isEqualTo(200);
            assertThat(stdout()).contains("llm-proxy listening on http://127.0.0.1:" + port,
                    "export MANAGEMENT_TOKEN=");
            if (epollExpected()) {
                assertThat(stdout()).contains("epoll transport");
            }

            p.destroy(); // SIGTERM
            assertThat(p.waitFor(15, TimeUnit.SECONDS)).as("exited within 15 s after SIGTERM").isTrue();
            assertThat(p.exitValue()).as("exit code after a clean drain").isZero();
            assertThat(stdout()).contains("stopped");
            assertThat(dir.resolve("data/llm-proxy.db")).exists();
            assertThat(dir.resolve("data/audit.log")).exists();
        } finally {
            p.destroyForcibly();
        }
    }

    /** The jar bundles the native epoll transport for Linux x86_64 and aarch64. */
    private static boolean epollExpected() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch");
        return os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"));
    }
}
