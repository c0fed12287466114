package dev.llmproxy.core.store;

import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * Everything that differs between SQLite and PostgreSQL, in one place; the stores otherwise write
 * portable SQL.
 *
 * <ul>
 *   <li><b>Timestamps.</b> PostgreSQL stores {@code TIMESTAMPTZ}; SQLite, which has no time type,
 *       stores fixed-width UTC text {@code 2025-01-31T12:00:00.123456Z}, so text order is time
 *       order and comparisons work in SQL. Both keep microseconds; {@link #micros} truncates
 *       every instant before it is stored so what is read back equals what was written.</li>
 *   <li><b>Write transactions.</b> SQLite has one writer at a time. A deferred transaction that
 *       reads and then writes can fail with {@code SQLITE_BUSY} without waiting, so SQLite write
 *       transactions start with {@code BEGIN IMMEDIATE}, which takes the write lock up front and
 *       waits up to {@code busy_timeout} for it. PostgreSQL uses ordinary JDBC transactions and
 *       row locks ({@code SELECT … FOR UPDATE}).</li>
 *   <li><b>Constraint violations.</b> Recognised by SQLite result code or PostgreSQL SQLSTATE.</li>
 *   <li><b>Migration lock.</b> PostgreSQL serialises concurrent migrators with a transaction-scoped
 *       advisory lock; SQLite's {@code BEGIN IMMEDIATE} already does.</li>
 * </ul>
 */
enum SqlDialect {
    SQLITE("sqlite", ""),
    POSTGRES("postgres", " FOR UPDATE");

    // Arbitrary, fixed: every llm-proxy instance must use the same key to exclude the others.
    private static final long MIGRATION_LOCK_KEY = 0x6c6c6d70726f7879L; // "llmproxy"
    private static final DateTimeFormatter SQLITE_TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final Instant MIN = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant MAX = Instant.parse("9999-12-31T23:59:59.999999Z");

    private final String resourceDir;
    private final String forUpdate;

    SqlDialect(String resourceDir, String forUpdate) {
        this.resourceDir = resourceDir;
        this.forUpdate = forUpdate;
    }

    static SqlDialect of(DatabaseDriver driver) {
        return driver == DatabaseDriver.SQLITE ? SQLITE : POSTGRES;
    }

    /** Directory under {@code db/migration/} holding this dialect's scripts. */
    String resourceDir() {
        return resourceDir;
    }

    /** Suffix of a SELECT that locks the rows it reads until the transaction ends. */
    String forUpdate() {
        return forUpdate;
    }

    /** {@code instant} as stored: truncated to microseconds; within years 1 to 9999. */
    static Instant micros(Instant instant) {
        if (instant == null) {
            return null;
        }
        if (instant.isBefore(MIN) || instant.isAfter(MAX)) {
            throw new IllegalArgumentException("timestamps must lie within the years 1 to 9999, got " + instant);
        }
        return instant.truncatedTo(ChronoUnit.MICROS);
    }

    /**
     * {@code bound} rounded up to the next microsecond: comparing stored (microsecond) timestamps
     * with it gives the same answer as comparing them with {@code bound} itself.
     */
    static Instant ceilMicros(Instant bound) {
        Instant down = micros(bound);
        return down.equals(bound) ? down : down.plus(1, ChronoUnit.MICROS);
    }

    void setInstant(PreparedStatement ps, int index, Instant value) throws SQLException {
        Instant v = micros(value);
        if (this == SQLITE) {
            if (v == null) {
                ps.setNull(index, Types.VARCHAR);
            } else {
                ps.setString(index, sqliteTime(v));
            }
        } else if (v == null) {
            ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            ps.setObject(index, OffsetDateTime.ofInstant(v, ZoneOffset.UTC));
        }
    }

    /**
     * {@code SQLITE_TIME.format(v)} without the formatter's field machinery (it showed up at 2.7 %
     * of the full-features proxy's CPU profile: three per usage record). {@code v} lies within the
     * years 1 to 9999 and is whole microseconds ({@link #micros}).
     */
    static String sqliteTime(Instant v) {
        java.time.LocalDateTime t = java.time.LocalDateTime.ofEpochSecond(v.getEpochSecond(), v.getNano(), ZoneOffset.UTC);
        char[] c = new char[27];
        digits(c, 0, t.getYear(), 4);
        c[4] = '-';
        digits(c, 5, t.getMonthValue(), 2);
        c[7] = '-';
        digits(c, 8, t.getDayOfMonth(), 2);
        c[10] = 'T';
        digits(c, 11, t.getHour(), 2);
        c[13] = ':';
        digits(c, 14, t.getMinute(), 2);
        c[16] = ':';
        digits(c, 17, t.getSecond(), 2);
        c[19] = '.';
        digits(c, 20, t.getNano() / 1000, 6);
        c[26] = 'Z';
        return new String(c);
    }

    private static void digits(char[] c, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            c[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }

    Instant getInstant(ResultSet rs, String column) throws SQLException {
        if (this == SQLITE) {
            String text = rs.getString(column);
            return text == null ? null : Instant.from(SQLITE_TIME.parse(text));
        }
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    /** Starts a write transaction on {@code c}, which must be in auto-commit mode. */
    void begin(Connection c) throws SQLException {
        if (this == SQLITE) {
            // Auto-commit stays on: the driver must not open transactions of its own around ours.
            try (Statement s = c.createStatement()) {
                s.execute("BEGIN IMMEDIATE");
            }
        } else {
            c.setAutoCommit(false);
        }
    }

    void commit(Connection c) throws SQLException {
        if (this == SQLITE) {
            try (Statement s = c.createStatement()) {
                s.execute("COMMIT");
            }
        } else {
            c.commit();
            c.setAutoCommit(true);
        }
    }

    /**
     * Rolls back the transaction begun on {@code c}. Never throws, so it cannot hide the original
     * error (a failure is attached to it as suppressed).
     *
     * @return false when the connection may still be inside a transaction and must not be reused
     */
    boolean rollbackQuietly(Connection c, Throwable original) {
        try {
            if (this == SQLITE) {
                try (Statement s = c.createStatement()) {
                    s.execute("ROLLBACK");
                }
            } else {
                c.rollback();
                c.setAutoCommit(true);
            }
            return true;
        } catch (SQLException e) {
            // SQLite ends a transaction by itself after some errors (e.g. SQLITE_FULL); then there is
            // nothing to roll back and the connection is clean.
            if (this == SQLITE && String.valueOf(e.getMessage()).contains("no transaction is active")) {
                return true;
            }
            original.addSuppressed(e);
            return false;
        }
    }

    /** Locks out other migrators until the current transaction ends (PostgreSQL); no-op on SQLite. */
    void lockForMigration(Connection c) throws SQLException {
        if (this == POSTGRES) {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                ps.setLong(1, MIGRATION_LOCK_KEY);
                ps.executeQuery().close();
            }
        }
    }

    /**
     * After rewriting secrets: makes sure the old values are gone from the files. On SQLite the
     * WAL still holds old page images until a checkpoint, so this checkpoints and truncates it
     * ({@code secure_delete} has zeroed the freed space in the pages themselves). PostgreSQL keeps
     * old row versions until {@code VACUUM}; that is left to the operator (see db/README.md).
     */
    void purgeOldVersions(Connection c) throws SQLException {
        if (this == SQLITE) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            }
        }
    }

    /** DDL of the table that records applied migrations. */
    String createMigrationsTable() {
        String time = this == SQLITE ? "TEXT" : "TIMESTAMPTZ";
        return "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                + "description TEXT NOT NULL, checksum TEXT NOT NULL, applied_at " + time + " NOT NULL)";
    }

    /** Whether {@code e} says the table queried does not exist. */
    boolean isUndefinedTable(SQLException e) {
        return this == SQLITE ? String.valueOf(e.getMessage()).contains("no such table")
                : "42P01".equals(e.getSQLState());
    }

    boolean isUniqueViolation(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLiteException s) {
                if (s.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE
                        || s.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY) {
                    return true;
                }
            } else if (t instanceof SQLException s && "23505".equals(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    boolean isForeignKeyViolation(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLiteException s) {
                if (s.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_FOREIGNKEY) {
                    return true;
                }
            } else if (t instanceof SQLException s && "23503".equals(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
