package dev.llmproxy.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.core.proxy.Transports;
import dev.llmproxy.core.store.Database;
import dev.llmproxy.core.store.DatabaseConfig;
import dev.llmproxy.core.store.DatabaseDriver;
import dev.llmproxy.core.store.SqliteNativeLibrary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One-off initialisation that {@code llm-proxy server} needs a little later, run on a background
 * thread ({@code llmproxy-warm-up}) while the main thread reads the configuration and opens
 * everything else, so that start-up uses the second core: the SQLite native library, Netty's
 * platform probing and native epoll transport, and Jackson's class initialisation (whose default
 * date format pulls in the JDK's locale data). The SQLite library is loaded from a verified copy
 * kept between starts ({@link SqliteNativeLibrary}) rather than extracted from the jar each time.
 *
 * <p>Each step only does what the main thread would otherwise do itself the first time it needs
 * it, and the JVM runs each class initialiser once: whichever thread gets there first does the
 * work and the other waits for it, so the result is the same either way. Nothing here opens a
 * connection, a socket or a file of the proxy's. Failures are ignored: the main thread meets them
 * again where they matter and reports them.
 */
final class StartupWarmUp {

    private static final Logger log = LoggerFactory.getLogger(StartupWarmUp.class);

    private StartupWarmUp() {
    }

    static void start(DatabaseConfig database) {
        Thread t = new Thread(() -> run(database), "llmproxy-warm-up");
        t.setDaemon(true);
        t.start();
    }

    private static void run(DatabaseConfig database) {
        try {
            // In the order the main thread will want them, the later ones are the ones that gain.
            if (database.driver() == DatabaseDriver.SQLITE) {
                SqliteNativeLibrary.useCachedCopy();
            }
            Database.warmUp(database);
            StartupTrace.mark("warm-up: database driver");
            Transports.epoll();
            StartupTrace.mark("warm-up: netty transport");
            new ObjectMapper();
            StartupTrace.mark("warm-up: jackson");
        } catch (RuntimeException | LinkageError e) {
            log.debug("start-up warm-up stopped early: {}", e.toString());
        }
    }
}
