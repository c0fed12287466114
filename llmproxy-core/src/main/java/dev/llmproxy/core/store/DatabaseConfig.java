package dev.llmproxy.core.store;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * How to reach the database; built by {@link Builder}, which validates as it goes. Immutable.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>Setting</th><th>Environment</th><th>Default</th></tr>
 *   <tr><td>{@link Builder#driver}</td><td>{@code DB_DRIVER}</td><td>{@code sqlite}</td></tr>
 *   <tr><td>{@link Builder#sqlitePath}</td><td>{@code DATABASE_PATH}</td><td>{@value #DEFAULT_SQLITE_PATH}</td></tr>
 *   <tr><td>{@link Builder#postgresUrl}</td><td>{@code DATABASE_URL}</td><td>none; required for postgres</td></tr>
 *   <tr><td>{@link Builder#poolSize}</td><td>{@code DATABASE_POOL_SIZE}</td><td>{@value #DEFAULT_POOL_SIZE}</td></tr>
 *   <tr><td>{@link Builder#connectionTimeout}</td><td>-</td><td>10 s</td></tr>
 *   <tr><td>{@link Builder#migrateOnOpen}</td><td>-</td><td>true</td></tr>
 * </table>
 *
 * <p>{@code DATABASE_URL} is accepted in the form the Go proxy took,
 * {@code postgres://user:password@host:5432/dbname?sslmode=require} (user and password
 * percent-encoded; {@code postgresql://} works too), or as a JDBC URL,
 * {@code jdbc:postgresql://host:5432/dbname?user=…}. The password is kept apart from the URL and
 * {@link #toString()} never shows it.
 */
public final class DatabaseConfig {

    /** SQLite file used when {@code DATABASE_PATH} is not set. */
    public static final String DEFAULT_SQLITE_PATH = "./data/llm-proxy.db";

    /** Connections in the pool when {@code DATABASE_POOL_SIZE} is not set. */
    public static final int DEFAULT_POOL_SIZE = 10;

    /** Largest accepted pool; more connections than this only add contention. */
    public static final int MAX_POOL_SIZE = 1000;

    private static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(10);
    private static final String URL_FORMS = "expected postgres://user:password@host:5432/dbname?sslmode=require "
            + "or jdbc:postgresql://host:5432/dbname";

    private final DatabaseDriver driver;
    private final Path sqlitePath;
    private final String jdbcUrl;
    private final String username;
    private final String password;
    private final int poolSize;
    private final Duration connectionTimeout;
    private final boolean migrateOnOpen;

    private DatabaseConfig(Builder b, String jdbcUrl, String username, String password) {
        this.driver = b.driver;
        this.sqlitePath = b.sqlitePath;
        this.jdbcUrl = jdbcUrl;
        this.username = username;
        this.password = password;
        this.poolSize = b.poolSize;
        this.connectionTimeout = b.connectionTimeout;
        this.migrateOnOpen = b.migrateOnOpen;
    }

    /** A SQLite database in {@code file} with the other settings at their defaults. */
    public static DatabaseConfig sqlite(Path file) {
        return builder().driver(DatabaseDriver.SQLITE).sqlitePath(file).build();
    }

    /** A PostgreSQL database at {@code url} (either accepted form) with the other settings at their defaults. */
    public static DatabaseConfig postgres(String url) {
        return builder().driver(DatabaseDriver.POSTGRES).postgresUrl(url).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public DatabaseDriver driver() {
        return driver;
    }

    /** The SQLite file; meaningful for {@link DatabaseDriver#SQLITE} only. */
    public Path sqlitePath() {
        return sqlitePath;
    }

    /** The JDBC URL, without the password the Go-style form carried. */
    public String jdbcUrl() {
        return jdbcUrl;
    }

    /** The user from a Go-style PostgreSQL URL; null when the JDBC URL carries it or none is needed. */
    public String username() {
        return username;
    }

    /** The password from a Go-style PostgreSQL URL; null otherwise. Never log it. */
    String password() {
        return password;
    }

    public int poolSize() {
        return poolSize;
    }

    /** How long to wait for a pooled connection (and for the first connection at start-up). */
    public Duration connectionTimeout() {
        return connectionTimeout;
    }

    /** Whether {@link Database#open} applies pending migrations. */
    public boolean migrateOnOpen() {
        return migrateOnOpen;
    }

    /** A builder holding this configuration's settings, to derive a variant. */
    public Builder toBuilder() {
        Builder b = new Builder().driver(driver).sqlitePath(sqlitePath).poolSize(poolSize)
                .connectionTimeout(connectionTimeout).migrateOnOpen(migrateOnOpen);
        b.jdbcUrl = jdbcUrl;
        b.username = username;
        b.password = password;
        return b;
    }

    @Override
    public String toString() {
        return driver == DatabaseDriver.SQLITE
                ? "DatabaseConfig[sqlite " + sqlitePath + ", poolSize=" + poolSize + "]"
                : "DatabaseConfig[postgres " + redactUrl(jdbcUrl) + (username == null ? "" : " user=" + username)
                        + (password == null ? "" : " password=[redacted]") + ", poolSize=" + poolSize + "]";
    }

    private static String redactUrl(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1[redacted]");
    }

    /** Collects and checks settings; each setter throws {@link IllegalArgumentException} at once for a bad value. */
    public static final class Builder {
        private DatabaseDriver driver = DatabaseDriver.SQLITE;
        private Path sqlitePath = Path.of(DEFAULT_SQLITE_PATH);
        private String jdbcUrl;
        private String username;
        private String password;
        private int poolSize = DEFAULT_POOL_SIZE;
        private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
        private boolean migrateOnOpen = true;

        private Builder() {
        }

        public Builder driver(DatabaseDriver value) {
            this.driver = Objects.requireNonNull(value, "driver");
            return this;
        }

        /** The SQLite file ({@code DATABASE_PATH}); its directory is created when missing. */
        public Builder sqlitePath(Path value) {
            Objects.requireNonNull(value, "sqlitePath");
            if (value.toString().isBlank() || value.toString().equals(":memory:")) {
                throw new IllegalArgumentException("DATABASE_PATH must be a file path, got '" + value
                        + "' (for a database that lives only in memory use the in-memory stores)");
            }
            this.sqlitePath = value;
            return this;
        }

        /** The PostgreSQL URL ({@code DATABASE_URL}) in either accepted form. */
        public Builder postgresUrl(String value) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException("DATABASE_URL is empty: " + URL_FORMS);
            }
            String url = value.strip();
            String lower = url.toLowerCase(Locale.ROOT);
            if (lower.startsWith("jdbc:postgresql://")) {
                this.jdbcUrl = url;
                this.username = null;
                this.password = null;
            } else if (lower.startsWith("postgres://") || lower.startsWith("postgresql://")) {
                fromLibpqUrl(url);
            } else {
                int colon = url.indexOf(':');
                String scheme = colon > 0 ? url.substring(0, colon) : "no scheme";
                // The URL itself is not echoed: it may contain a password.
                throw new IllegalArgumentException("DATABASE_URL has an unsupported form (" + scheme + "): " + URL_FORMS);
            }
            return this;
        }

        private void fromLibpqUrl(String url) {
            URI uri;
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("DATABASE_URL is not a valid URL (" + e.getReason() + "): " + URL_FORMS);
            }
            if (uri.getHost() == null || uri.getHost().isEmpty()) {
                throw new IllegalArgumentException("DATABASE_URL has no host: " + URL_FORMS);
            }
            String db = uri.getRawPath() == null ? "" : uri.getRawPath();
            if (db.isEmpty() || db.equals("/")) {
                throw new IllegalArgumentException("DATABASE_URL has no database name: " + URL_FORMS);
            }
            StringBuilder jdbc = new StringBuilder("jdbc:postgresql://").append(uri.getHost());
            if (uri.getPort() != -1) {
                jdbc.append(':').append(uri.getPort());
            }
            jdbc.append(db);
            if (uri.getRawQuery() != null && !uri.getRawQuery().isEmpty()) {
                jdbc.append('?').append(uri.getRawQuery());
            }
            String user = null;
            String pass = null;
            String userInfo = uri.getRawUserInfo();
            if (userInfo != null && !userInfo.isEmpty()) {
                int colon = userInfo.indexOf(':');
                user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
                pass = colon < 0 ? null : decode(userInfo.substring(colon + 1));
            }
            this.jdbcUrl = jdbc.toString();
            this.username = user == null || user.isEmpty() ? null : user;
            this.password = pass;
        }

        private static String decode(String s) {
            try {
                // URLDecoder would turn '+' into a space; in the userinfo part of a URL '+' is literal.
                return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                // URLDecoder's message quotes the input, which may be the password.
                throw new IllegalArgumentException("DATABASE_URL has a malformed %-escape in the user or password");
            }
        }

        /** Connections in the pool ({@code DATABASE_POOL_SIZE}), 1 to {@value DatabaseConfig#MAX_POOL_SIZE}. */
        public Builder poolSize(int value) {
            if (value < 1 || value > MAX_POOL_SIZE) {
                throw new IllegalArgumentException(
                        "DATABASE_POOL_SIZE must be between 1 and " + MAX_POOL_SIZE + ", got " + value);
            }
            this.poolSize = value;
            return this;
        }

        /** How long to wait for a connection; at least 250 ms (HikariCP's minimum). */
        public Builder connectionTimeout(Duration value) {
            Objects.requireNonNull(value, "connectionTimeout");
            if (value.toMillis() < 250) {
                throw new IllegalArgumentException("connection timeout must be at least 250ms, got " + value);
            }
            this.connectionTimeout = value;
            return this;
        }

        /** Whether {@link Database#open} applies pending migrations (default true). */
        public Builder migrateOnOpen(boolean value) {
            this.migrateOnOpen = value;
            return this;
        }

        /**
         * The configuration.
         *
         * @throws IllegalArgumentException when the driver is postgres and no URL was given
         */
        public DatabaseConfig build() {
            if (driver == DatabaseDriver.SQLITE) {
                return new DatabaseConfig(this, "jdbc:sqlite:" + sqlitePath, null, null);
            }
            if (jdbcUrl == null) {
                throw new IllegalArgumentException("DATABASE_URL is required when DB_DRIVER=postgres: " + URL_FORMS);
            }
            return new DatabaseConfig(this, jdbcUrl, username, password);
        }
    }
}
