package dev.llmproxy.core.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatabaseTest {

    @TempDir
    Path dir;

    @Test
    void sqlite_createsMissingDirectories_migrates_andConfiguresEveryConnection() throws Exception {
        Path file = dir.resolve("nested/deeper/llm-proxy.db");

        try (Database db = Database.open(DatabaseConfig.sqlite(file))) {
            assertThat(file).exists();
            assertThat(db.driver()).isEqualTo(DatabaseDriver.SQLITE);
            assertThat(db.ping()).isTrue();
            assertThat(db.migrations().status()).allMatch(s -> s.state() == MigrationStatus.State.APPLIED);
            try (Connection c = db.dataSource().getConnection()) {
                assertThat(pragma(c, "journal_mode")).isEqualTo("wal");
                assertThat(pragma(c, "foreign_keys")).isEqualTo("1");
                assertThat(pragma(c, "busy_timeout")).isEqualTo("5000");
                assertThat(pragma(c, "synchronous")).as("NORMAL").isEqualTo("1");
                assertThat(pragma(c, "secure_delete")).isEqualTo("1");
            }
            assertThat(tables(db)).contains("projects", "tokens", "audit_events", "schema_migrations");
        }
    }

    @Test
    void migrateOnOpenFalse_leavesTheSchemaAlone() throws Exception {
        DatabaseConfig config = DatabaseConfig.builder().sqlitePath(dir.resolve("db.sqlite")).migrateOnOpen(false).build();

        try (Database db = Database.open(config)) {
            assertThat(tables(db)).doesNotContain("projects", "schema_migrations");
            assertThat(db.migrations().status()).allMatch(s -> s.state() == MigrationStatus.State.PENDING);
        }
    }

    @Test
    void close_closesThePool() {
        Database db = Database.open(DatabaseConfig.sqlite(dir.resolve("db.sqlite")));

        db.close();

        assertThat(db.ping()).isFalse();
    }

    @Test
    void sqlitePathUnderAFile_failsNamingDatabasePath() throws Exception {
        Path blocker = Files.writeString(dir.resolve("not-a-dir"), "x");

        assertThatThrownBy(() -> Database.open(DatabaseConfig.sqlite(blocker.resolve("db.sqlite"))))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("DATABASE_PATH");
    }

    @Test
    void unreachablePostgres_failsQuicklyNamingDatabaseUrl_withoutThePassword() {
        // Port 1 on the loopback interface refuses connections at once.
        DatabaseConfig config = DatabaseConfig.builder().driver(DatabaseDriver.POSTGRES)
                .postgresUrl("postgres://u:hunter2@127.0.0.1:1/db?connectTimeout=2")
                .connectionTimeout(Duration.ofSeconds(2)).build();

        assertThatThrownBy(() -> Database.open(config))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("cannot connect to the database at DATABASE_URL")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
    }

    private static String pragma(Connection c, String name) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static java.util.List<String> tables(Database db) throws SQLException {
        java.util.List<String> names = new java.util.ArrayList<>();
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }
}
