package dev.llmproxy.core.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Versioned schema migrations ({@code llm-proxy migrate up|status}; also run by
 * {@link Database#open}).
 *
 * <h2>Rules</h2>
 * Each dialect has its scripts under {@code db/migration/sqlite/} and {@code db/migration/postgres/}
 * ({@code V1__init.sql}, {@code V2__…}), listed in {@code index.txt}. The table
 * {@code schema_migrations(version, description, checksum, applied_at)} records what was applied.
 * A change is always a new script with the next version; an applied script is never edited — if
 * its checksum no longer matches, {@link #up()} refuses to run and says which one changed.
 *
 * <h2>Concurrency</h2>
 * Each migration runs in its own transaction together with its {@code schema_migrations} row, so
 * it is applied completely or not at all. Several instances starting at once are safe: on
 * PostgreSQL they queue on an advisory lock, on SQLite on the write lock, and whoever comes second
 * finds the work done. Migrations must therefore avoid statements that cannot run in a
 * transaction (e.g. {@code CREATE INDEX CONCURRENTLY}).
 *
 * <p>Blocking; thread-safe.
 */
public final class Migrations {

    private static final Logger log = LoggerFactory.getLogger(Migrations.class);

    private final Database db;
    private final List<MigrationScript> scripts;

    Migrations(Database db, List<MigrationScript> scripts) {
        MigrationScript.checkSequence(scripts);
        this.db = db;
        this.scripts = List.copyOf(scripts);
    }

    /** The migrations this build ships, in order. */
    public List<Migration> available() {
        return scripts.stream().map(MigrationScript::migration).toList();
    }

    /**
     * Each migration's state: one entry per shipped migration, plus one per migration the database
     * has and this build does not know. Changes nothing.
     */
    public List<MigrationStatus> status() {
        Map<Integer, AppliedRow> applied = db.call("reading schema_migrations", this::readApplied);
        List<MigrationStatus> result = new ArrayList<>();
        for (MigrationScript s : scripts) {
            AppliedRow row = applied.remove(s.version());
            if (row == null) {
                result.add(new MigrationStatus(s.version(), s.description(), MigrationStatus.State.PENDING, null));
            } else {
                result.add(new MigrationStatus(s.version(), s.description(), row.checksum.equals(s.checksum())
                        ? MigrationStatus.State.APPLIED : MigrationStatus.State.CHANGED, row.appliedAt));
            }
        }
        applied.values().forEach(row -> result.add(
                new MigrationStatus(row.version, row.description, MigrationStatus.State.UNKNOWN, row.appliedAt)));
        return result;
    }

    /**
     * Applies the pending migrations in order.
     *
     * @return the migrations applied by this call; empty when the schema was up to date
     * @throws MigrationException when an applied migration was changed, the database holds a
     *                            migration this build does not know, or a migration fails
     */
    public List<Migration> up() {
        // Every start of an up-to-date database: one read and no write transaction. Nothing can
        // un-apply a migration, so finding all of them applied (and nothing else) needs no lock.
        List<MigrationStatus> before = status();
        if (before.size() == scripts.size()
                && before.stream().allMatch(st -> st.state() == MigrationStatus.State.APPLIED)) {
            return List.of();
        }
        db.transaction("creating schema_migrations", c -> {
            db.dialect().lockForMigration(c);
            try (Statement s = c.createStatement()) {
                s.execute(db.dialect().createMigrationsTable());
            }
            return null;
        });
        verify(status());
        List<Migration> applied = new ArrayList<>();
        for (MigrationScript script : scripts) {
            if (apply(script)) {
                applied.add(script.migration());
            }
        }
        return applied;
    }

    private void verify(List<MigrationStatus> statuses) {
        for (MigrationStatus st : statuses) {
            if (st.state() == MigrationStatus.State.CHANGED) {
                throw new MigrationException("migration V" + st.version() + " (" + st.description()
                        + ") was changed after it was applied: its checksum differs from the one recorded in "
                        + "schema_migrations. Never edit an applied migration; restore it and add a new one.");
            }
            if (st.state() == MigrationStatus.State.UNKNOWN) {
                throw new MigrationException("the database has migration V" + st.version() + " (" + st.description()
                        + "), which this build does not know: it was migrated by a newer llm-proxy. "
                        + "Run that version (or newer).");
            }
        }
    }

    /** Applies one script unless someone else did meanwhile; returns whether this call applied it. */
    private boolean apply(MigrationScript script) {
        long started = System.nanoTime();
        String what = "applying migration V" + script.version() + " (" + script.description() + ")";
        boolean applied;
        try {
            applied = db.transaction(what, c -> {
                db.dialect().lockForMigration(c);
                if (readApplied(c).containsKey(script.version())) {
                    return false;
                }
                try (Statement s = c.createStatement()) {
                    for (String sql : SqlScript.split(script.sql())) {
                        s.execute(sql);
                    }
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO schema_migrations (version, description, checksum, applied_at) VALUES (?, ?, ?, ?)")) {
                    ps.setInt(1, script.version());
                    ps.setString(2, script.description());
                    ps.setString(3, script.checksum());
                    db.dialect().setInstant(ps, 4, Instant.now());
                    ps.executeUpdate();
                }
                return true;
            });
        } catch (StoreException e) {
            throw new MigrationException(what + " failed; nothing of it was applied: " + e.getMessage(), e);
        }
        if (applied) {
            log.info("Applied migration V{} ({}) in {} ms", script.version(), script.description(),
                    (System.nanoTime() - started) / 1_000_000);
        }
        return applied;
    }

    private Map<Integer, AppliedRow> readApplied(Connection c) throws SQLException {
        Map<Integer, AppliedRow> rows = new LinkedHashMap<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(
                     "SELECT version, description, checksum, applied_at FROM schema_migrations ORDER BY version")) {
            while (rs.next()) {
                rows.put(rs.getInt("version"), new AppliedRow(rs.getInt("version"), rs.getString("description"),
                        rs.getString("checksum"), db.dialect().getInstant(rs, "applied_at")));
            }
        } catch (SQLException e) {
            if (db.dialect().isUndefinedTable(e)) {
                return rows; // never migrated: everything is pending
            }
            throw e;
        }
        return rows;
    }

    private record AppliedRow(int version, String description, String checksum, Instant appliedAt) {
    }
}
