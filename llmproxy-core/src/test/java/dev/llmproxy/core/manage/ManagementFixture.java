package dev.llmproxy.core.manage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.core.LlmProxy;
import dev.llmproxy.core.audit.AuditLogger;
import dev.llmproxy.core.auth.TokenService;
import dev.llmproxy.core.ratelimit.LocalRateLimiter;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.core.store.MutableClock;
import dev.llmproxy.core.store.Stores;
import dev.llmproxy.testing.MockOpenAiUpstream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A real proxy server on a free port with the management API as a route, a token service and an
 * audit logger (file and store), in front of a {@link MockOpenAiUpstream}; plus an HTTP client
 * that records every answer body, so tests can check that no secret ever appeared in one.
 */
final class ManagementFixture implements AutoCloseable {

    static final String MANAGEMENT_TOKEN = "test-management-token-7d1f0c2a9b";
    static final ObjectMapper JSON = new ObjectMapper();

    final Stores stores;
    final MutableClock clock;
    final Path auditFile;
    final MockOpenAiUpstream upstream;
    final ThreadPoolExecutor blocking;
    final TokenService tokenService;
    final AuditLogger audit;
    final LlmProxy proxy;
    final URI base;
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /** Every answer body received, for secret scans. */
    final List<String> bodies = Collections.synchronizedList(new ArrayList<>());

    ManagementFixture(Stores stores, MutableClock clock, Path dir) throws IOException {
        this.stores = stores;
        this.clock = clock;
        this.auditFile = dir.resolve("audit/audit.log");
        this.upstream = MockOpenAiUpstream.start();
        this.blocking = new ThreadPoolExecutor(4, 4, 1, TimeUnit.MINUTES, new ArrayBlockingQueue<>(1000));
        this.tokenService = new TokenService(stores.tokens(), stores.projects(), blocking, new LocalRateLimiter(),
                TokenService.Settings.DEFAULTS, clock, null);
        this.audit = new AuditLogger(auditFile, true, stores.audit(), 10_000);
        ManagementApi api = ManagementApi.builder()
                .projects(stores.projects()).tokens(stores.tokens()).auditStore(stores.audit())
                .auditLogger(audit).tokenService(tokenService).managementToken(MANAGEMENT_TOKEN)
                .executor(blocking).clock(clock).build();
        this.proxy = LlmProxy.builder().listen("127.0.0.1", 0).provider(ProviderConfig.openAi(upstream.baseUri()))
                .tokenService(tokenService).auditLogger(audit).route(api::newHandler).build().start();
        this.base = URI.create("http://127.0.0.1:" + proxy.localAddress().getPort());
    }

    /** An answer: status, headers, body. */
    record Reply(int status, HttpHeaders headers, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + body, e);
            }
        }

        String errorCode() {
            return json().at("/error/code").asText();
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    /** A management call with the right token; {@code body} null for none. */
    Reply call(String method, String path, String body) {
        return call(method, path, body, Map.of("Authorization", "Bearer " + MANAGEMENT_TOKEN));
    }

    Reply call(String method, String path, String body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            bodies.add(r.body());
            return new Reply(r.statusCode(), r.headers(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A chat completion through the proxy with {@code token}. */
    Reply chat(String token) {
        return call("POST", "/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[]}",
                Map.of("Authorization", "Bearer " + token, "Content-Type", "application/json"));
    }

    /** Creates a project and returns its id. */
    String createProject(String name, String apiKey) {
        Reply r = call("POST", "/manage/projects", "{\"name\":" + quote(name) + ",\"api_key\":" + quote(apiKey) + "}");
        if (r.status() != 201) {
            throw new AssertionError("create project: " + r.status() + " " + r.body());
        }
        return r.json().get("id").asText();
    }

    /** Creates a token; returns the creation answer (with the token string). */
    JsonNode createToken(String projectId, String extraFields) {
        Reply r = call("POST", "/manage/tokens", "{\"project_id\":" + quote(projectId)
                + ",\"duration_minutes\":60" + (extraFields == null ? "" : "," + extraFields) + "}");
        if (r.status() != 201) {
            throw new AssertionError("create token: " + r.status() + " " + r.body());
        }
        return r.json();
    }

    static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the audit logger has written at least {@code n} events in total. */
    void awaitAuditWritten(long n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (audit.written() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        if (audit.written() < n) {
            throw new AssertionError("only " + audit.written() + " audit events written, expected " + n);
        }
    }

    @Override
    public void close() {
        proxy.close();
        tokenService.close();
        audit.close();
        blocking.shutdownNow();
        upstream.close();
    }
}
