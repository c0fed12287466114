package dev.llmproxy.eventbus.testing;

import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.EventBusConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.embedded.RedisServer;

/**
 * A real Redis for tests, as a JUnit 5 extension.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisTestSupport redis = new RedisTestSupport();
 *
 * @Test
 * void something() {
 *     ComponentConfig cfg = redis.config(EventBusConfig.REDIS_STREAM_BATCH_SIZE, "10");
 *     ...
 * }
 * }</pre>
 *
 * <ul>
 *   <li>With {@code REDIS_URL} set ({@code redis://[:password@]host:port[/db]}), tests use that
 *       server. Otherwise one embedded {@code redis-server} (the binary shipped in
 *       {@code com.github.codemonstur:embedded-redis}) is started on a free port for the whole test
 *       run, without persistence, and stopped at the end. If neither works, the test is skipped
 *       (aborted) with a message saying why.</li>
 *   <li>Every test gets a unique key prefix {@code llmproxy-test:<uuid>:}; {@link #config} points
 *       {@code REDIS_STREAM_KEY} inside it, and every key under the prefix is deleted after the
 *       test, so tests can share a server (including a developer's own Redis).</li>
 * </ul>
 *
 * <p>The module publishes its test classes as a test-jar, so other modules can reuse this class.
 */
public final class RedisTestSupport implements BeforeEachCallback, AfterEachCallback {
    private static final Object STORE_KEY = RedisTestSupport.class;

    private Endpoint endpoint;
    private String prefix;

    /** Where the server is, and how to stop it if we started it. */
    public static final class Endpoint implements AutoCloseable {
        final String host;
        final int port;
        final int database;
        final String password;
        final RedisServer embedded;
        final String unavailable;

        Endpoint(String host, int port, int database, String password, RedisServer embedded, String unavailable) {
            this.host = host;
            this.port = port;
            this.database = database;
            this.password = password;
            this.embedded = embedded;
            this.unavailable = unavailable;
        }

        @Override
        public void close() throws IOException {
            if (embedded != null) {
                embedded.stop();
            }
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        endpoint = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(STORE_KEY, k -> resolve(), Endpoint.class);
        Assumptions.assumeTrue(endpoint.unavailable == null, () -> "Redis tests skipped: " + endpoint.unavailable);
        prefix = "llmproxy-test:" + UUID.randomUUID() + ":";
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (endpoint == null || endpoint.unavailable != null || prefix == null) {
            return;
        }
        try (Jedis j = jedis()) {
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = j.scan(cursor, new ScanParams().match(prefix + "*").count(1000));
                if (!page.getResult().isEmpty()) {
                    j.del(page.getResult().toArray(new String[0]));
                }
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        }
    }

    private static Endpoint resolve() {
        String url = System.getenv("REDIS_URL");
        if (url != null && !url.isBlank()) {
            URI uri = URI.create(url.trim());
            String password = null;
            if (uri.getUserInfo() != null) {
                String info = uri.getUserInfo();
                password = info.contains(":") ? info.substring(info.indexOf(':') + 1) : info;
            }
            int db = uri.getPath() == null || uri.getPath().length() <= 1 ? 0 : Integer.parseInt(uri.getPath().substring(1));
            Endpoint e = new Endpoint(uri.getHost(), uri.getPort() == -1 ? 6379 : uri.getPort(), db, password, null, null);
            String problem = ping(e);
            return problem == null ? e : new Endpoint(e.host, e.port, db, password, null,
                    "REDIS_URL=" + url + " is not reachable: " + problem);
        }
        RedisServer server = null;
        try {
            int port = freePort();
            Path dir = Files.createTempDirectory("llmproxy-embedded-redis");
            dir.toFile().deleteOnExit();
            server = RedisServer.newRedisServer()
                    .bind("127.0.0.1")
                    .port(port)
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .setting("dir " + dir.toAbsolutePath())
                    .build();
            server.start();
            Endpoint e = new Endpoint("127.0.0.1", port, 0, null, server, null);
            String problem = ping(e);
            if (problem != null) {
                server.stop();
                return new Endpoint("127.0.0.1", port, 0, null, null, "embedded redis-server does not answer: " + problem);
            }
            return e;
        } catch (Exception | LinkageError e) {
            if (server != null) {
                try {
                    server.stop();
                } catch (Exception ignored) {
                    // Best effort: it may never have started.
                }
            }
            return new Endpoint(null, 0, 0, null, null,
                    "REDIS_URL is not set and the embedded redis-server could not start (" + e + ")");
        }
    }

    /**
     * Starts a separate embedded redis-server on {@code port} (no persistence), for tests that must
     * stop and restart a server; the caller stops it. Aborts the test when the embedded server
     * cannot run on this machine.
     */
    public static RedisServer startEmbedded(int port) {
        try {
            Path dir = Files.createTempDirectory("llmproxy-embedded-redis");
            dir.toFile().deleteOnExit();
            RedisServer server = RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                    .setting("save \"\"").setting("appendonly no").setting("dir " + dir.toAbsolutePath()).build();
            server.start();
            return server;
        } catch (Exception | LinkageError e) {
            Assumptions.abort("embedded redis-server cannot start on port " + port + ": " + e);
            throw new AssertionError("unreachable");
        }
    }

    private static String ping(Endpoint e) {
        try (Jedis j = connect(e)) {
            j.ping();
            return null;
        } catch (RuntimeException ex) {
            return ex.toString();
        }
    }

    private static Jedis connect(Endpoint e) {
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder().resp2().database(e.database)
                .socketTimeoutMillis(5000);
        if (e.password != null) {
            b.password(e.password);
        }
        return new Jedis(new HostAndPort(e.host, e.port), b.build());
    }

    /** A free TCP port on the loopback interface (free when this returns). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    public String host() {
        return endpoint.host;
    }

    public int port() {
        return endpoint.port;
    }

    public int database() {
        return endpoint.database;
    }

    /** The per-test key prefix, {@code llmproxy-test:<uuid>:}. */
    public String prefix() {
        return prefix;
    }

    /** A key under this test's prefix. */
    public String key(String name) {
        return prefix + name;
    }

    /** A new connection to the test server; the caller closes it. */
    public Jedis jedis() {
        return connect(endpoint);
    }

    /** {@code redis://[:password@]host:port/db} for a server at {@code host:port}. */
    public String url(String host, int port) {
        return "redis://" + (endpoint.password != null ? ":" + endpoint.password + "@" : "") + host + ":" + port
                + "/" + endpoint.database;
    }

    /**
     * A bus configuration for the test server with the stream key {@code <prefix>events}, plus
     * {@code overrides} given as key, value, key, value…
     */
    public ComponentConfig config(String... overrides) {
        return configFor(host(), port(), overrides);
    }

    /** Like {@link #config} but pointing at another address (e.g. a {@link TcpProxy}). */
    public ComponentConfig configFor(String host, int port, String... overrides) {
        if (overrides.length % 2 != 0) {
            throw new IllegalArgumentException("overrides must be key/value pairs");
        }
        Map<String, String> m = new HashMap<>();
        m.put(EventBusConfig.REDIS_ADDR, url(host, port));
        m.put(EventBusConfig.REDIS_STREAM_KEY, key("events"));
        for (int i = 0; i < overrides.length; i += 2) {
            m.put(overrides[i], overrides[i + 1]);
        }
        return ComponentConfig.of(m);
    }
}
