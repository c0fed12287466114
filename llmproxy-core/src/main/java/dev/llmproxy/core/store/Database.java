package dev.llmproxy.core.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import javax.sql.DataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * An open database: a HikariCP connection pool plus its {@link Migrations}. The JDBC stores
 * ({@link JdbcProjectStore}, {@link JdbcTokenStore}, {@link JdbcAuditStore}) share one.
 *
 * <h2>Opening</h2>
 * {@link #open} creates the pool, checks that a connection can be made (so a wrong URL or password
 * stops start-up with a clear message rather than failing the first request), and applies pending
 * migrations unless {@link DatabaseConfig#migrateOnOpen()} is false.
 *
 * <h2>SQLite</h2>
 * The file's directory is created when missing. Every connection runs with
 * {@code journal_mode=WAL} (readers never wait for the writer), {@code synchronous=NORMAL}
 * (durable across process crashes; a power cut may lose the last transactions, never corrupt the
 * file), {@code foreign_keys=ON} (deleting a project deletes its tokens) and
 * {@code busy_timeout=5000}, and {@code secure_delete=ON} (freed space is zeroed, so replaced
 * plaintext keys do not linger in the file). SQLite admits one writer at a time: writers queue on the write lock
 * for up to 5 s (see {@link SqlDialect} for why they never fail with {@code SQLITE_BUSY} before
 * that), and readers run in parallel on the other pooled connections.
 *
 * <h2>PostgreSQL</h2>
 * Needs {@code org.postgresql:postgresql} on the class path (an optional dependency of
 * llmproxy-core; the server bundles it). Any number of proxy instances may share the database.
 *
 * <h2>Threads</h2>
 * Thread-safe. Every call that touches the database blocks: keep it off Netty event loops.
 * {@link #close()} closes the pool; stores built on it fail afterwards.
 */
public final class Database implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Database.class);
    private static final int SQLITE_BUSY_TIMEOUT_MILLIS = 5000;

    private final DatabaseConfig config;
    private final SqlDialect dialect;
    private final HikariDataSource dataSource;
    private final Migrations migrations;

    private Database(DatabaseConfig config, HikariDataSource dataSource) {
        this.config = config;
        this.dialect = SqlDialect.of(config.driver());
        this.dataSource = dataSource;
        this.migrations = new Migrations(this, MigrationScript.load(dialect));
    }

    /**
     * Opens the pool, verifies the connection and, unless disabled, migrates.
     *
     * @throws StoreException   when the database cannot be reached or a migration fails; the
     *                          message names the setting to check
     * @throws MigrationException when an applied migration was changed or the database is newer
     *                          than this build
     */
    public static Database open(DatabaseConfig config) {
        HikariDataSource pool = createPool(config);
        Database db;
        try {
            db = new Database(config, pool);
            if (config.migrateOnOpen()) {
                db.migrations.up();
            }
        } catch (RuntimeException | Error e) {
            pool.close();
            throw e;
        }
        log.info("Database opened: {}", config);
        return db;
    }

    /**
     * Does the one-off work of a first {@link #open} for {@code config}'s driver ahead of time, so
     * that a server can run it on a background thread while it starts: for SQLite, extracting and
     * loading the native library and the driver's classes (about a tenth of a second). Opens no
     * connection and touches no file of the database. Failures are ignored: {@link #open} meets
     * them again and reports them.
     */
    public static void warmUp(DatabaseConfig config) {
        if (config.driver() != DatabaseDriver.SQLITE) {
            return;
        }
        try {
            org.sqlite.SQLiteJDBCLoader.initialize();
            new SQLiteConfig();
        } catch (Exception | LinkageError e) {
            log.debug("SQLite warm-up failed; opening the database will report it: {}", e.toString());
        }
    }

    private static HikariDataSource createPool(DatabaseConfig config) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("llm-proxy-db");
        hc.setMaximumPoolSize(config.poolSize());
        hc.setConnectionTimeout(config.connectionTimeout().toMillis());
        String target;
        if (config.driver() == DatabaseDriver.SQLITE) {
            Path file = config.sqlitePath().toAbsolutePath();
            try {
                if (file.getParent() != null) {
                    Files.createDirectories(file.getParent());
                }
            } catch (IOException e) {
                throw new StoreException("cannot create the directory of DATABASE_PATH " + file.getParent()
                        + ": " + e, e);
            }
            SQLiteConfig sqlite = new SQLiteConfig();
            sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
            sqlite.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
            sqlite.enforceForeignKeys(true);
            sqlite.setBusyTimeout(SQLITE_BUSY_TIMEOUT_MILLIS);
            // Overwrite freed space, so a key rewritten by 'migrate encrypt' leaves no plaintext behind.
            sqlite.setPragma(SQLiteConfig.Pragma.SECURE_DELETE, "true");
            SQLiteDataSource ds = new SQLiteDataSource(sqlite);
            ds.setUrl(config.jdbcUrl());
            hc.setDataSource(ds);
            target = "DATABASE_PATH " + file;
        } else {
            try {
                Class.forName("org.postgresql.Driver");
            } catch (ClassNotFoundException e) {
                throw new StoreException("DB_DRIVER=postgres needs the PostgreSQL JDBC driver "
                        + "(org.postgresql:postgresql) on the class path", e);
            }
            hc.setDriverClassName("org.postgresql.Driver");
            hc.setJdbcUrl(config.jdbcUrl());
            hc.setUsername(config.username());
            hc.setPassword(config.password());
            target = "DATABASE_URL (" + config + ")";
        }
        try {
            return new HikariDataSource(hc);
        } catch (HikariPool.PoolInitializationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new StoreException("cannot connect to the database at " + target + ": " + cause.getMessage(), e);
        }
    }

    /** SQLite or PostgreSQL. */
    public DatabaseDriver driver() {
        return config.driver();
    }

    /** The configuration it was opened with. */
    public DatabaseConfig config() {
        return config;
    }

    /** The connection pool, e.g. for a health check or metrics. Do not close it; close this. */
    public DataSource dataSource() {
        return dataSource;
    }

    /** The schema migrations of this database ({@code llm-proxy migrate up|status}). */
    public Migrations migrations() {
        return migrations;
    }

    /**
     * Whether a connection can be had and is valid within 2 s; for readiness checks. Blocks.
     */
    public boolean ping() {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }

    SqlDialect dialect() {
        return dialect;
    }

    /** Work on one connection; the store decides how an {@link SQLException} translates. */
    @FunctionalInterface
    interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs {@code work} on a pooled connection in auto-commit mode (single statements, reads).
     * {@code what} completes the message of the {@link StoreException} that wraps a failure.
     */
    <T> T call(String what, SqlWork<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new StoreException("database error while " + what + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs {@code work} in a write transaction: committed when it returns, rolled back when it
     * throws (a {@link RuntimeException} thrown by {@code work} propagates unchanged).
     */
    <T> T transaction(String what, SqlWork<T> work) {
        try (Connection c = dataSource.getConnection()) {
            dialect.begin(c);
            T result;
            try {
                result = work.run(c);
                dialect.commit(c);
            } catch (SQLException | RuntimeException | Error e) {
                if (!dialect.rollbackQuietly(c, e)) {
                    // Never hand a connection that may still be inside a transaction to the next caller.
                    dataSource.evictConnection(c);
                }
                throw e;
            }
            return result;
        } catch (SQLException e) {
            throw new StoreException("database error while " + what + ": " + e.getMessage(), e);
        }
    }
}
