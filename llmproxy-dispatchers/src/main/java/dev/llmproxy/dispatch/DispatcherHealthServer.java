package dev.llmproxy.dispatch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.llmproxy.eventbus.Backlog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;
import java.util.concurrent.Executors;

/**
 * A tiny HTTP endpoint reporting a {@link DispatcherService}'s health, for probes and dashboards
 * ({@code llm-proxy dispatcher --health-listen 127.0.0.1:9091}). {@code GET /health} answers:
 *
 * <pre>{@code
 * {"status":"ok","service":"langfuse","group":"dispatcher-langfuse","consumer":"host-4242-1f0c",
 *  "running":true,"bus_connected":true,
 *  "processed":1200,"sent":1180,"failed":3,"skipped":17,"retried":12,
 *  "pending":0,"lag_ms":0,"backlog":{"waiting":0,"pending":0,"length":5230},
 *  "last_error":"langfuse answered HTTP 503","last_error_at":"2025-01-01T10:00:00.000Z"}
 * }</pre>
 *
 * <ul>
 *   <li>{@code processed}, {@code sent}, {@code failed}, {@code skipped}, {@code retried},
 *       {@code pending}, {@code lag_ms}, {@code last_error}: see {@link DispatcherStats}.</li>
 *   <li>{@code backlog}: the group's position on the bus ({@link Backlog}: {@code waiting} not yet
 *       delivered, {@code pending} delivered but unacknowledged, {@code length} of the stream);
 *       read from Redis on each request; {@code null} when the bus is unreachable.</li>
 *   <li>{@code status}: {@code ok} (HTTP 200) while the loop runs and the bus answers; otherwise
 *       {@code unhealthy} (HTTP 503), so a container probe restarts a dispatcher that lost its bus
 *       or whose loop died.</li>
 * </ul>
 * With a metrics supplier, {@code GET /metrics} serves the Prometheus text of
 * {@link DispatcherMetrics} ({@code llm_dispatcher_*}: sent, failed, retried, send lag, pending).
 * Any other path is 404, any other method 405. One daemon thread; the server holds no state of its own.
 */
public final class DispatcherHealthServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DispatcherHealthServer.class);

    private final HttpServer server;
    private final ExecutorService executor;
    private final DispatcherService service;
    /** Prometheus text for {@code /metrics}, or null (404). */
    private final Supplier<String> metrics;

    private DispatcherHealthServer(HttpServer server, ExecutorService executor, DispatcherService service,
                                   Supplier<String> metrics) {
        this.server = server;
        this.executor = executor;
        this.service = service;
        this.metrics = metrics;
    }

    /**
     * Binds {@code address} and starts answering.
     *
     * @throws IOException if the address cannot be bound
     */
    public static DispatcherHealthServer start(InetSocketAddress address, DispatcherService service) throws IOException {
        return start(address, service, null);
    }

    /**
     * As {@link #start(InetSocketAddress, DispatcherService)}, also serving {@code GET /metrics}
     * with {@code metrics} (the Prometheus text of {@link DispatcherMetrics#scrape()}).
     */
    public static DispatcherHealthServer start(InetSocketAddress address, DispatcherService service,
                                               Supplier<String> metrics) throws IOException {
        HttpServer server = HttpServer.create(address, 16);
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "dispatcher-health");
            t.setDaemon(true);
            return t;
        });
        DispatcherHealthServer health = new DispatcherHealthServer(server, executor, service, metrics);
        server.createContext("/", health::handle);
        server.setExecutor(executor);
        server.start();
        return health;
    }

    /** The bound address (with the real port when 0 was requested). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/metrics") && metrics != null) {
                if (!exchange.getRequestMethod().equals("GET")) {
                    exchange.getResponseHeaders().set("Allow", "GET");
                    respond(exchange, 405, JsonSupport.object().put("error", "method not allowed"));
                    return;
                }
                byte[] text = metrics.get().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                exchange.sendResponseHeaders(200, text.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(text);
                }
                return;
            }
            if (!path.equals("/health")) {
                respond(exchange, 404, JsonSupport.object().put("error",
                        metrics == null ? "not found; try GET /health" : "not found; try GET /health or GET /metrics"));
                return;
            }
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                respond(exchange, 405, JsonSupport.object().put("error", "method not allowed"));
                return;
            }
            ObjectNode body = report();
            respond(exchange, body.get("status").asText().equals("ok") ? 200 : 503, body);
        } catch (RuntimeException e) {
            log.warn("health request failed: {}", e.toString());
        }
    }

    /** The report served on {@code /health}. */
    ObjectNode report() {
        DispatcherStats s = service.stats();
        boolean connected = service.busConnected();
        ObjectNode o = JsonSupport.object();
        o.put("status", s.running() && connected ? "ok" : "unhealthy");
        o.put("service", service.name());
        o.put("group", service.group());
        o.put("consumer", service.consumer());
        o.put("running", s.running());
        o.put("bus_connected", connected);
        o.put("processed", s.processed());
        o.put("sent", s.sent());
        o.put("failed", s.failed());
        o.put("skipped", s.skipped());
        o.put("retried", s.retried());
        o.put("pending", s.pending());
        o.put("lag_ms", s.lagMillis());
        try {
            Backlog b = service.backlog();
            o.putObject("backlog").put("waiting", b.waiting()).put("pending", b.pending()).put("length", b.length());
        } catch (RuntimeException e) {
            o.putNull("backlog");
        }
        if (s.lastError() != null) {
            o.put("last_error", s.lastError());
            o.put("last_error_at", JsonSupport.iso(s.lastErrorAt()));
        } else {
            o.putNull("last_error");
            o.putNull("last_error_at");
        }
        return o;
    }

    private static void respond(HttpExchange exchange, int status, ObjectNode body) throws IOException {
        byte[] bytes = JsonSupport.toBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** Stops answering and releases the port. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
