package dev.llmproxy.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;

/**
 * {@code llm-proxy server} run in-process through {@link Main} on a free loopback port, with its
 * database and audit log in a test directory, stopped through its shutdown hook as by SIGTERM.
 */
final class RunningServer implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final String MANAGEMENT_TOKEN = "server-test-management-token-5c8e1a";
    private static final ObjectMapper JSON = new ObjectMapper();

    final TestConsole console;
    final URI base;
    final Path database;
    final Path auditLog;
    private final CompletableFuture<Integer> exit;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * Starts a server with {@code env} on top of: loopback port 0, {@code dir/data/llm-proxy.db},
     * {@code dir/data/audit.log}, {@link #MANAGEMENT_TOKEN} and no upstream probes.
     */
    RunningServer(Path dir, Map<String, String> env, String... args) throws InterruptedException {
        database = dir.resolve("data/llm-proxy.db");
        auditLog = dir.resolve("data/audit.log");
        Map<String, String> all = new HashMap<>();
        all.put("LISTEN_ADDR", "127.0.0.1:0");
        all.put("DATABASE_PATH", database.toString());
        all.put("AUDIT_LOG_FILE", auditLog.toString());
        all.put("MANAGEMENT_TOKEN", MANAGEMENT_TOKEN);
        // Probes would add GET /v1/models to the mock's recorded requests; tests about probes
        // turn them back on.
        all.put("UPSTREAM_PROBE_ENABLED", "false");
        all.putAll(env);
        all.values().removeIf(v -> v == null);
        console = new TestConsole(all);
        String[] command = new String[args.length + 1];
        command[0] = "server";
        System.arraycopy(args, 0, command, 1, args.length);
        exit = CompletableFuture.supplyAsync(() -> Main.run(console.context, command));
        Matcher listening = console.awaitOut("^llm-proxy listening on http://127\\.0\\.0\\.1:(\\d+)$", WAIT);
        base = URI.create("http://127.0.0.1:" + listening.group(1));
    }

    /** An HTTP call to the server; {@code headers} alternate names and values. */
    HttpResponse<String> send(String method, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(WAIT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A management call with {@link #MANAGEMENT_TOKEN}; fails the test unless 2xx. */
    JsonNode manage(String method, String path, String body) {
        HttpResponse<String> r = send(method, path, body, "Authorization", "Bearer " + MANAGEMENT_TOKEN);
        if (r.statusCode() / 100 != 2) {
            throw new AssertionError(method + " " + path + ": " + r.statusCode() + " " + r.body());
        }
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A chat completion through the proxy with {@code token} (null: no Authorization). */
    HttpResponse<String> chat(String token) {
        String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        return token == null ? send("POST", "/v1/chat/completions", body, "Content-Type", "application/json")
                : send("POST", "/v1/chat/completions", body, "Content-Type", "application/json",
                "Authorization", "Bearer " + token);
    }

    /** Creates a project with {@code apiKey} and a token for it; returns the token. */
    String projectToken(String name, String apiKey) {
        String project = manage("POST", "/manage/projects",
                "{\"name\":\"" + name + "\",\"api_key\":\"" + apiKey + "\"}").get("id").asText();
        return manage("POST", "/manage/tokens", "{\"project_id\":\"" + project + "\",\"duration_minutes\":60}")
                .get("token").asText();
    }

    /** Runs the shutdown hooks and returns the exit code. */
    int stop() throws Exception {
        console.shutdown();
        return exit.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        if (!exit.isDone()) {
            stop();
        }
        Logging.apply(LogSettings.DEFAULTS);
    }
}
