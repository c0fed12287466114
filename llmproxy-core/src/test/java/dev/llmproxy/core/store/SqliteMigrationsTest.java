package dev.llmproxy.core.store;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class SqliteMigrationsTest extends MigrationsContract {

    @Override
    protected DatabaseExtension unmigratedBackend() {
        return new SqliteDatabase(false);
    }

    /** Guards the runner itself: the inherited contract must really run on this backend. */
    @Test
    void runner_usesTheBackendItIsNamedFor() {
        assertThat(db.driver()).isEqualTo(DatabaseDriver.SQLITE);
    }

    /**
     * Every start of an up-to-date database only reads: it does not queue behind a writer (SQLite
     * has one write lock) or write anything, where it used to take the write lock once per
     * shipped migration.
     */
    @Test
    void up_onAnUpToDateDatabase_onlyReads() throws Exception {
        db.migrations().up();
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            List<Migration> again = db.transaction("holding the write lock", c -> {
                try {
                    return other.submit(() -> db.migrations().up()).get(2, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError("up() waited for the write lock", e);
                }
            });
            assertThat(again).isEmpty();
        } finally {
            other.shutdownNow();
        }
    }
}
