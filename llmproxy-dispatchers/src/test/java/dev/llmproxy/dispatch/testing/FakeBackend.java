package dev.llmproxy.dispatch.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A local HTTP server standing in for an observability backend (Lunary, Helicone, Langfuse, a
 * webhook). Every request is recorded; a {@link Handler} (the test's script) validates the body
 * against the backend's documented schema and decides the answer. Violations found by the
 * handler are collected in {@link #violations()}, so a test can assert that nothing the
 * dispatcher sent was malformed.
 */
public final class FakeBackend implements AutoCloseable {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** One recorded request. */
    public record Request(int index, String method, String path, Map<String, List<String>> headers, String body) {
        public String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().isEmpty() ? null : e.getValue().get(0);
                }
            }
            return null;
        }

        public JsonNode json() {
            try {
                return MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("request body is not JSON: " + body, e);
            }
        }
    }

    /** An answer. */
    public record Response(int status, Map<String, String> headers, String body) {
        public static Response json(int status, Object body) {
            try {
                return new Response(status, Map.of("Content-Type", "application/json"), MAPPER.writeValueAsString(body));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }

        public static Response text(int status, String body) {
            return new Response(status, Map.of("Content-Type", "text/plain"), body);
        }
    }

    /** The script: validates (adding to {@code violations}) and answers. */
    @FunctionalInterface
    public interface Handler {
        Response handle(Request request, List<String> violations) throws Exception;
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(8);
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private volatile Handler handler;

    private FakeBackend(Handler handler) throws IOException {
        this.handler = handler;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/", this::serve);
        server.setExecutor(executor);
        server.start();
    }

    public static FakeBackend start(Handler handler) throws IOException {
        return new FakeBackend(handler);
    }

    public void handler(Handler handler) {
        this.handler = handler;
    }

    /** {@code http://127.0.0.1:<port>}. */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public List<Request> requests() {
        return new ArrayList<>(requests);
    }

    public List<String> violations() {
        return new ArrayList<>(violations);
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Request r;
            synchronized (requests) {
                r = new Request(requests.size(), exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                        Map.copyOf(exchange.getRequestHeaders()), body);
                requests.add(r);
            }
            Response answer;
            try {
                List<String> found = new ArrayList<>();
                answer = handler.handle(r, found);
                if (!found.isEmpty()) {
                    violations.addAll(found);
                }
            } catch (Exception | AssertionError e) {
                violations.add("handler failed: " + e);
                answer = Response.text(500, "handler failed: " + e);
            }
            byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
            answer.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
            exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
