package dev.llmproxy.core.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A SQLite database in a fresh temporary directory per test class. */
public class SqliteDatabase extends DatabaseExtension {

    private final boolean migrate;
    private Path dir;

    public SqliteDatabase() {
        this(true);
    }

    public SqliteDatabase(boolean migrate) {
        this.migrate = migrate;
    }

    @Override
    protected boolean migrate() {
        return migrate;
    }

    @Override
    protected Database open(boolean migrate) throws IOException {
        dir = Files.createTempDirectory("llmproxy-sqlite-");
        return Database.open(DatabaseConfig.builder().sqlitePath(file()).migrateOnOpen(migrate).build());
    }

    /** The database file. */
    public Path file() {
        return dir.resolve("llm-proxy.db");
    }

    @Override
    protected void cleanUp() throws IOException {
        if (dir != null) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
