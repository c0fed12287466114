package dev.llmproxy.core.store;

import dev.llmproxy.core.project.ApiKeyCipher;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * One migrated database per test class (register it as a static {@code @RegisterExtension} field);
 * {@link #stores} empties it before each test.
 */
public abstract class DatabaseExtension implements BeforeAllCallback, AfterAllCallback {

    /** The ENCRYPTION_KEY the JDBC contract tests run with, so encryption is always exercised. */
    public static final ApiKeyCipher TEST_CIPHER =
            ApiKeyCipher.fromBase64("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");

    private Database db;

    /** Opens a fresh database, migrated unless {@code migrate} is false. */
    protected abstract Database open(boolean migrate) throws Exception;

    /** Whether {@link #open} should migrate; migration tests start from an empty schema. */
    protected boolean migrate() {
        return true;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        stop();
    }

    /** Opens the database; for tests that need a fresh one per test rather than per class. */
    public void start() throws Exception {
        db = open(migrate());
    }

    /** Closes the database and removes what it left behind. */
    public void stop() throws Exception {
        if (db != null) {
            db.close();
        }
        cleanUp();
    }

    /** Releases what {@link #open} created besides the database (files, schemas). */
    protected void cleanUp() throws Exception {
    }

    public Database database() {
        return db;
    }

    /** Empties the tables and returns stores on {@code clock}. */
    public Stores stores(MutableClock clock) {
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("DELETE FROM audit_events");
            s.execute("DELETE FROM tokens");
            s.execute("DELETE FROM projects");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return new Stores(new JdbcProjectStore(db, TEST_CIPHER, clock), new JdbcTokenStore(db, clock),
                new JdbcAuditStore(db));
    }
}
