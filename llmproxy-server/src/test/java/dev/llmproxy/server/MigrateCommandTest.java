package dev.llmproxy.server;

import dev.llmproxy.core.project.ApiKeyCipher;
import dev.llmproxy.core.project.NewProject;
import dev.llmproxy.core.store.Database;
import dev.llmproxy.core.store.DatabaseConfig;
import dev.llmproxy.core.store.JdbcProjectStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code llm-proxy migrate status|up|encrypt} on a SQLite file in a temp directory. */
class MigrateCommandTest {

    private static final String KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    private static final String API_KEY = "sk-proj-plaintext-upstream-key-ABCDEFGHIJKLMNOP";

    @TempDir
    Path dir;

    @AfterEach
    void resetLogging() {
        Logging.apply(LogSettings.DEFAULTS);
    }

    private record Run(int exit, String out, String err) {
    }

    private Run run(Map<String, String> env, String... args) {
        TestConsole console = new TestConsole(env);
        int exit = Main.run(console.context, args);
        return new Run(exit, console.out(), console.err());
    }

    private Path db() {
        return dir.resolve("data/llm-proxy.db");
    }

    @Test
    void statusThenUpThenStatus() {
        Map<String, String> env = Map.of("DATABASE_PATH", db().toString());
        Run before = run(env, "migrate", "status");
        assertThat(before.exit()).as(before.err()).isZero();
        assertThat(before.out()).contains("VERSION", "V1", "pending", "run 'llm-proxy migrate up'");

        Run up = run(env, "migrate", "up");
        assertThat(up.exit()).as(up.err()).isZero();
        assertThat(up.out()).contains("Applied V1").contains("Schema is now at version");

        Run after = run(Map.of(), "migrate", "status", "--db", db().toString());
        assertThat(after.exit()).isZero();
        assertThat(after.out()).contains("applied", "Up to date.").doesNotContain("pending");

        Run again = run(env, "migrate", "up");
        assertThat(again.out()).startsWith("Schema is up to date (version ");
    }

    @Test
    void encrypt_convertsPlaintextKeys_soTheFileNoLongerHoldsThem() throws IOException {
        try (Database database = Database.open(DatabaseConfig.sqlite(db()))) {
            new JdbcProjectStore(database, ApiKeyCipher.none()).create(new NewProject("legacy", API_KEY));
        }
        assertThat(fileText()).as("the plaintext key is in the file before").contains(API_KEY);

        Run noKey = run(Map.of("DATABASE_PATH", db().toString()), "migrate", "encrypt");
        assertThat(noKey.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(noKey.err()).startsWith("llm-proxy: ENCRYPTION_KEY is not set");

        Map<String, String> env = new HashMap<>(Map.of("DATABASE_PATH", db().toString(), "ENCRYPTION_KEY", KEY));
        Run encrypted = run(env, "migrate", "encrypt");
        assertThat(encrypted.exit()).as(encrypted.err()).isZero();
        assertThat(encrypted.out()).startsWith("Encrypted 1 plaintext API key.");
        assertThat(fileText()).doesNotContain(API_KEY).contains(ApiKeyCipher.PREFIX);

        assertThat(run(env, "migrate", "encrypt").out()).startsWith("Encrypted 0 plaintext API keys.");
        try (Database database = Database.open(DatabaseConfig.sqlite(db()))) {
            JdbcProjectStore store = new JdbcProjectStore(database, ApiKeyCipher.fromBase64(KEY));
            assertThat(store.findByName("legacy").orElseThrow().apiKey()).isEqualTo(API_KEY);
        }
    }

    @Test
    void encrypt_refusesAnUnmigratedDatabase() {
        Run r = run(Map.of("DATABASE_PATH", db().toString(), "ENCRYPTION_KEY", KEY), "migrate", "encrypt");
        assertThat(r.exit()).isEqualTo(Main.EXIT_RUNTIME);
        assertThat(r.err()).contains("run 'llm-proxy migrate up' first");
    }

    @Test
    void malformedSettingsAndMissingSubcommand_areUsageErrors() {
        assertThat(run(Map.of("DB_DRIVER", "oracle"), "migrate", "status").exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(run(Map.of("DATABASE_PATH", db().toString(), "ENCRYPTION_KEY", "short"), "migrate", "encrypt")
                .err()).startsWith("llm-proxy: ENCRYPTION_KEY");
        Run bare = run(Map.of(), "migrate");
        assertThat(bare.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(bare.err()).contains("up", "status", "encrypt");
    }

    /** The database and its WAL/shared-memory files, as Latin-1 text (every byte one char). */
    private String fileText() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Path p : List.of(db(), Path.of(db() + "-wal"), Path.of(db() + "-shm"))) {
            if (Files.exists(p)) {
                sb.append(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
            }
        }
        return sb.toString();
    }
}
