package dev.llmproxy.core.store;

import dev.llmproxy.core.project.NewProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How {@link Migrations} behaves on every dialect. Each test gets a fresh, unmigrated database. */
abstract class MigrationsContract {

    private DatabaseExtension backend;
    protected Database db;

    /** A backend whose database is opened without migrating. */
    protected abstract DatabaseExtension unmigratedBackend();

    @BeforeEach
    void openFresh() throws Exception {
        backend = unmigratedBackend();
        backend.start();
        db = backend.database();
    }

    @AfterEach
    void dropIt() throws Exception {
        backend.stop();
    }

    private List<MigrationScript> shipped() {
        return MigrationScript.load(db.dialect());
    }

    private Migrations withExtra(String sql) {
        List<MigrationScript> scripts = new ArrayList<>(shipped());
        scripts.add(MigrationScript.of("V" + (scripts.size() + 1) + "__test_extra.sql", sql));
        return new Migrations(db, scripts);
    }

    @Test
    void status_ofAFreshDatabase_isAllPending() {
        List<MigrationStatus> status = db.migrations().status();

        assertThat(status).hasSameSizeAs(shipped()).isNotEmpty();
        assertThat(status).allMatch(s -> s.state() == MigrationStatus.State.PENDING && s.appliedAt() == null);
        assertThat(status.get(0).version()).isEqualTo(1);
        assertThat(status.get(0).description()).isEqualTo("init");
    }

    @Test
    void up_onAFreshDatabase_appliesAll_thenNothing() {
        List<Migration> first = db.migrations().up();
        List<Migration> second = db.migrations().up();

        assertThat(first).isEqualTo(db.migrations().available()).isNotEmpty();
        assertThat(second).isEmpty();
        assertThat(db.migrations().status())
                .allMatch(s -> s.state() == MigrationStatus.State.APPLIED && s.appliedAt() != null && !s.isProblem());
        assertThat(new JdbcProjectStore(db, DatabaseExtension.TEST_CIPHER)
                .create(new NewProject("works", "sk-upstream-key-0123456789")).name()).isEqualTo("works");
    }

    @Test
    void up_whenAnAppliedMigrationWasEdited_failsLoudly() throws Exception {
        db.migrations().up();
        execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1");

        assertThat(db.migrations().status().get(0).state()).isEqualTo(MigrationStatus.State.CHANGED);
        assertThatThrownBy(() -> db.migrations().up())
                .isInstanceOf(MigrationException.class)
                .hasMessageContaining("migration V1 (init) was changed after it was applied")
                .hasMessageContaining("Never edit an applied migration");
    }

    @Test
    void up_whenTheDatabaseIsNewerThanThisBuild_failsLoudly() throws Exception {
        db.migrations().up();
        execute("INSERT INTO schema_migrations (version, description, checksum, applied_at) "
                + "SELECT 99, 'from the future', 'abc', applied_at FROM schema_migrations WHERE version = 1");

        List<MigrationStatus> status = db.migrations().status();
        assertThat(status.get(status.size() - 1)).satisfies(s -> {
            assertThat(s.version()).isEqualTo(99);
            assertThat(s.state()).isEqualTo(MigrationStatus.State.UNKNOWN);
        });
        assertThatThrownBy(() -> db.migrations().up())
                .isInstanceOf(MigrationException.class)
                .hasMessageContaining("V99 (from the future)")
                .hasMessageContaining("newer");
    }

    @Test
    void up_appliesANewMigrationOnTopOfApplied_ones() throws Exception {
        db.migrations().up();
        Migrations next = withExtra("CREATE TABLE extra_table (id INTEGER NOT NULL); -- a comment; with a semicolon\n"
                + "INSERT INTO extra_table (id) VALUES (42);");

        assertThat(next.status().get(next.status().size() - 1).state()).isEqualTo(MigrationStatus.State.PENDING);
        List<Migration> applied = next.up();

        assertThat(applied).extracting(Migration::description).containsExactly("test extra");
        assertThat(count("extra_table")).isEqualTo(1);
        assertThat(next.up()).isEmpty();
    }

    @Test
    void up_whenAMigrationFails_appliesNoneOfIt() {
        db.migrations().up();
        Migrations broken = withExtra("CREATE TABLE half_done (id INTEGER);\nINSERT INTO no_such_table VALUES (1);");

        assertThatThrownBy(broken::up)
                .isInstanceOf(MigrationException.class)
                .hasMessageContaining("applying migration V" + (shipped().size() + 1)
                        + " (test extra) failed; nothing of it was applied");

        assertThatThrownBy(() -> count("half_done")).as("the CREATE TABLE was rolled back").isInstanceOf(SQLException.class);
        assertThat(broken.status().get(shipped().size()).state()).isEqualTo(MigrationStatus.State.PENDING);
    }

    @Test
    void up_fromSeveralThreadsAtOnce_appliesEachMigrationOnce() throws Exception {
        List<List<Migration>> results = Race.run(4, () -> db.migrations().up());

        assertThat(results.stream().mapToInt(List::size).sum()).isEqualTo(shipped().size());
        assertThat(db.migrations().status()).allMatch(s -> s.state() == MigrationStatus.State.APPLIED);
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private long count(String table) throws SQLException {
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
