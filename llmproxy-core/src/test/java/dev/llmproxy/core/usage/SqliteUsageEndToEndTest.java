package dev.llmproxy.core.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmproxy.core.store.Database;
import dev.llmproxy.core.store.DatabaseDriver;
import dev.llmproxy.core.store.SqliteDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SqliteUsageEndToEndTest extends UsageEndToEndContract {

    @RegisterExtension
    static final SqliteDatabase DB = new SqliteDatabase();

    @Override
    protected Database database() {
        return DB.database();
    }

    /** Guards the runner itself: the inherited scenario must really run on SQLite. */
    @Test
    void runner_usesTheBackendItIsNamedFor() {
        assertThat(database().driver()).isEqualTo(DatabaseDriver.SQLITE);
    }
}
