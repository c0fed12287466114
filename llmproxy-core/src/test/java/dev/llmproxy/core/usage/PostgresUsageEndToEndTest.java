package dev.llmproxy.core.usage;

import dev.llmproxy.core.store.Database;
import dev.llmproxy.core.store.DatabaseDriver;
import dev.llmproxy.core.store.PostgresDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** The usage end-to-end scenario on PostgreSQL (LLMPROXY_TEST_POSTGRES_URL, a schema of its own). */
class PostgresUsageEndToEndTest extends UsageEndToEndContract {

    @RegisterExtension
    static final PostgresDatabase DB = new PostgresDatabase();

    @Override
    protected Database database() {
        return DB.database();
    }

    /** Guards the runner itself: the inherited scenario must really run on PostgreSQL. */
    @Test
    void runner_usesTheBackendItIsNamedFor() {
        assertThat(database().driver()).isEqualTo(DatabaseDriver.POSTGRES);
    }
}
