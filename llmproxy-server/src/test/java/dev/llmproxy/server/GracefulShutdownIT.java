package dev.llmproxy.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.testing.Behavior;
import dev.llmproxy.testing.MockOpenAiUpstream;
import dev.llmproxy.testing.RawHttp;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The packaged server as a real process gets SIGTERM while a stream is in flight: it stops
 * accepting connections at once, lets the stream finish (within {@code SHUTDOWN_TIMEOUT}), flushes
 * the stream's event to the file event log and the audit log, and exits 0.
 */
class GracefulShutdownIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MANAGEMENT_TOKEN = "graceful-shutdown-management-token-91c2";
    private static Path jar;

    @TempDir
    Path dir;

    @BeforeAll
    static void findJar() {
        jar = Path.of(System.getProperty("llmproxy.jar", "target/llm-proxy.jar"));
        assumeTrue(Files.isRegularFile(jar), "fat jar not built: " + jar);
    }

    @Test
    void sigtermMidStream_finishesTheStreamFlushesAndExitsZero() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        try (MockOpenAiUpstream upstream = MockOpenAiUpstream.start()) {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-jar", jar.toAbsolutePath().toString(), "server", "--listen", "127.0.0.1:" + port));
            ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectOutput(dir.resolve("stdout.txt").toFile()).redirectError(dir.resolve("stderr.txt").toFile());
            builder.environment().keySet().removeIf(name -> EnvVars.ALL.contains(name));
            builder.environment().put("OPENAI_API_URL", upstream.baseUri().toString());
            builder.environment().put("MANAGEMENT_TOKEN", MANAGEMENT_TOKEN);
            builder.environment().put("SHUTDOWN_TIMEOUT", "30s");
            builder.environment().put("FILE_EVENT_LOG", dir.resolve("events.jsonl").toString());
            Process p = builder.start();
            try {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                awaitHealthy(client, port, p);
                String token = createToken(client, port);

                // A 40-chunk stream, 100 ms apart: about 4 s, most of it after the SIGTERM.
                String body = "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[]}";
                RawHttp stream = RawHttp.connect(port, Duration.ofSeconds(30));
                stream.send("POST /v1/chat/completions HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer " + token
                        + "\r\nContent-Type: application/json\r\nX-Request-ID: graceful-stream-1\r\n"
                        + MockOpenAiUpstream.BEHAVIOR_HEADER + ": "
                        + Behavior.sse(40, Duration.ofMillis(100)).toHeaderValue() + "\r\nContent-Length: "
                        + body.length() + "\r\n\r\n" + body);
                CompletableFuture<RawHttp.Response> answer = CompletableFuture.supplyAsync(stream::read);
                upstream.takeRequest(Duration.ofSeconds(10)); // the stream is under way
                Thread.sleep(300);

                p.destroy(); // SIGTERM
                long sigterm = System.nanoTime();
                assertThat(awaitRefused(port, Duration.ofSeconds(5))).as("new connections refused after SIGTERM")
                        .isTrue();
                assertThat(answer).as("stream still running when the listener closed").isNotDone();

                RawHttp.Response streamed = answer.get(30, TimeUnit.SECONDS);
                stream.close();
                assertThat(streamed.status()).isEqualTo(200);
                assertThat(streamed.body()).contains("data: [DONE]");
                assertThat(streamed.body().split("\n\n")).hasSizeGreaterThanOrEqualTo(41);

                assertThat(p.waitFor(40, TimeUnit.SECONDS)).as("exited").isTrue();
                System.out.printf("exited %d ms after SIGTERM%n", (System.nanoTime() - sigterm) / 1_000_000);
                assertThat(p.exitValue()).as("exit code; stderr: %s", read("stderr.txt")).isZero();
                assertThat(read("stdout.txt")).contains("stopped");
                assertThat(read("events.jsonl")).as("the stream's event was flushed").contains("graceful-stream-1");
                assertThat(read("data/audit.log")).contains("project");
            } finally {
                p.destroyForcibly();
            }
        }
    }

    private String read(String file) throws IOException {
        Path path = dir.resolve(file);
        return Files.exists(path) ? Files.readString(path) : "";
    }

    private void awaitHealthy(HttpClient client, int port, Process p) throws Exception {
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (p.isAlive() && System.nanoTime() < deadline) {
            try {
                if (client.send(health, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("server not healthy; stderr: " + read("stderr.txt"));
    }

    private static String createToken(HttpClient client, int port) throws Exception {
        JsonNode project = post(client, port, "/manage/projects",
                "{\"name\":\"graceful\",\"api_key\":\"sk-graceful-0123456789\"}");
        return post(client, port, "/manage/tokens", "{\"project_id\":\"" + project.get("id").asText()
                + "\",\"duration_minutes\":10}").get("token").asText();
    }

    private static JsonNode post(HttpClient client, int port, String path, String body) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + MANAGEMENT_TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
        return JSON.readTree(r.body());
    }

    private static boolean awaitRefused(int port, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                Thread.sleep(50);
            } catch (ConnectException refused) {
                return true;
            } catch (IOException other) {
                Thread.sleep(50);
            }
        }
        return false;
    }
}
