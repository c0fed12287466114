package dev.llmproxy.core.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatabaseConfigTest {

    @Test
    void defaults_areSqliteInData_poolOfTen_migrating() {
        DatabaseConfig config = DatabaseConfig.builder().build();

        assertThat(config.driver()).isEqualTo(DatabaseDriver.SQLITE);
        assertThat(config.sqlitePath()).isEqualTo(Path.of("./data/llm-proxy.db"));
        assertThat(config.jdbcUrl()).isEqualTo("jdbc:sqlite:./data/llm-proxy.db");
        assertThat(config.poolSize()).isEqualTo(10);
        assertThat(config.migrateOnOpen()).isTrue();
    }

    @Test
    void goStyleUrl_becomesJdbc_withCredentialsKeptApart() {
        DatabaseConfig config = DatabaseConfig.postgres(
                "postgres://llm%40proxy:p%40ss:w+rd@db.example.com:6543/llmproxy?sslmode=require");

        assertThat(config.driver()).isEqualTo(DatabaseDriver.POSTGRES);
        assertThat(config.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example.com:6543/llmproxy?sslmode=require");
        assertThat(config.username()).isEqualTo("llm@proxy");
        assertThat(config.password()).isEqualTo("p@ss:w+rd");
    }

    @Test
    void goStyleUrl_withoutPortOrPassword_andIpv6Host() {
        DatabaseConfig plain = DatabaseConfig.postgres("postgresql://alice@localhost/app");
        DatabaseConfig v6 = DatabaseConfig.postgres("postgres://[::1]:5432/app");

        assertThat(plain.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost/app");
        assertThat(plain.username()).isEqualTo("alice");
        assertThat(plain.password()).isNull();
        assertThat(v6.jdbcUrl()).isEqualTo("jdbc:postgresql://[::1]:5432/app");
        assertThat(v6.username()).isNull();
    }

    @Test
    void jdbcUrl_isTakenAsItIs() {
        DatabaseConfig config = DatabaseConfig.postgres("jdbc:postgresql://h:5432/db?user=u&password=secret");

        assertThat(config.jdbcUrl()).isEqualTo("jdbc:postgresql://h:5432/db?user=u&password=secret");
        assertThat(config.username()).isNull();
    }

    @Test
    void toString_neverShowsThePassword() {
        assertThat(DatabaseConfig.postgres("postgres://u:hunter2@h/db").toString())
                .doesNotContain("hunter2").contains("user=u").contains("[redacted]");
        assertThat(DatabaseConfig.postgres("jdbc:postgresql://h/db?user=u&password=hunter2").toString())
                .doesNotContain("hunter2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mysql://u:hunter2@h/db", "h:5432/db", "http://u:hunter2@h/db"})
    void unsupportedUrl_isRefusedNamingDatabaseUrl_withoutEchoingIt(String url) {
        assertThatThrownBy(() -> DatabaseConfig.postgres(url))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DATABASE_URL")
                .hasMessageContaining("postgres://user:password@host:5432/dbname")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
    }

    @Test
    void urlWithoutHostOrDatabase_isRefused() {
        assertThatThrownBy(() -> DatabaseConfig.postgres("postgres://u:hunter2@h"))
                .hasMessageContaining("DATABASE_URL has no database name");
        assertThatThrownBy(() -> DatabaseConfig.postgres("postgres:///db"))
                .hasMessageContaining("DATABASE_URL has no host");
        assertThatThrownBy(() -> DatabaseConfig.postgres("postgres://u:bad%zzsecret@h/db"))
                .hasMessageContaining("DATABASE_URL is not a valid URL")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret"));
    }

    @Test
    void postgresWithoutUrl_isRefused() {
        assertThatThrownBy(() -> DatabaseConfig.builder().driver(DatabaseDriver.POSTGRES).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("DATABASE_URL is required when DB_DRIVER=postgres");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 1001})
    void poolSizeOutOfRange_isRefused(int size) {
        assertThatThrownBy(() -> DatabaseConfig.builder().poolSize(size))
                .hasMessage("DATABASE_POOL_SIZE must be between 1 and 1000, got " + size);
    }

    @Test
    void inMemorySqlite_isRefused() {
        assertThatThrownBy(() -> DatabaseConfig.builder().sqlitePath(Path.of(":memory:")))
                .hasMessageContaining("DATABASE_PATH must be a file path");
    }

    @Test
    void driverNames_parseCaseInsensitively() {
        assertThat(DatabaseDriver.fromConfigName("SQLite")).isEqualTo(DatabaseDriver.SQLITE);
        assertThat(DatabaseDriver.fromConfigName(" postgres ")).isEqualTo(DatabaseDriver.POSTGRES);
        assertThat(DatabaseDriver.fromConfigName("postgresql")).isEqualTo(DatabaseDriver.POSTGRES);
        assertThatThrownBy(() -> DatabaseDriver.fromConfigName("mysql"))
                .hasMessage("DB_DRIVER must be sqlite or postgres, got 'mysql'");
    }

    @Test
    void toBuilder_derivesAVariant() {
        DatabaseConfig base = DatabaseConfig.postgres("postgres://u:pw@h/db");

        DatabaseConfig variant = base.toBuilder().migrateOnOpen(false).poolSize(3).build();

        assertThat(variant.jdbcUrl()).isEqualTo(base.jdbcUrl());
        assertThat(variant.password()).isEqualTo("pw");
        assertThat(variant.poolSize()).isEqualTo(3);
        assertThat(variant.migrateOnOpen()).isFalse();
    }
}
