package dev.llmproxy.server;

import org.junit.jupiter.api.Assumptions;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server of the test's own, as a real process on a free port, that can be killed with
 * SIGKILL and started again on the same port and data directory. The append-only file is fsynced
 * on every write, so what Redis acknowledged survives the kill. Uses {@code /usr/bin/redis-server}
 * when installed, else the Linux binary inside the embedded-redis artifact. Never touches any
 * other Redis.
 */
final class KillableRedis implements AutoCloseable {

    final int port;
    private final Path dir;
    private final Path binary;
    private Process process;

    KillableRedis(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.binary = findBinary(dir);
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            this.port = probe.getLocalPort();
        }
    }

    private static Path findBinary(Path dir) throws IOException {
        Path system = Path.of("/usr/bin/redis-server");
        if (Files.isExecutable(system)) {
            return system;
        }
        String arch = System.getProperty("os.arch");
        String resource = arch.equals("aarch64") ? "/redis-server-6.2.7-linux-arm64" : "/redis-server-6.2.6-v5-linux-amd64";
        try (InputStream in = redis.embedded.RedisServer.class.getResourceAsStream(resource)) {
            Assumptions.assumeTrue(in != null, "no redis-server binary for " + arch);
            Path target = dir.resolve("redis-server");
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            target.toFile().setExecutable(true);
            return target;
        }
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts (or restarts) the server and waits until it answers PING. */
    KillableRedis start() throws Exception {
        process = new ProcessBuilder(List.of(binary.toString(), "--port", Integer.toString(port), "--bind",
                "127.0.0.1", "--dir", dir.toString(), "--appendonly", "yes", "--appendfsync", "always", "--save", "",
                "--protected-mode", "no"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            try (Jedis j = new Jedis("127.0.0.1", port, 500)) {
                if ("PONG".equals(j.ping())) {
                    return this;
                }
            } catch (RuntimeException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("redis-server on " + port + " did not start; see " + dir.resolve("redis.log"));
    }

    /** SIGKILL: no shutdown, no final save; only what was fsynced survives. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    Jedis client() {
        return new Jedis("127.0.0.1", port, 5000);
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill();
        }
    }
}
