package dev.llmproxy.core.store;

import dev.llmproxy.core.usage.UsageStore;
import dev.llmproxy.core.usage.UsageStoreContract;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

class PostgresUsageStoreTest extends UsageStoreContract {

    @RegisterExtension
    static final PostgresDatabase DB = new PostgresDatabase();

    @Override
    protected UsageStore openStore() {
        try (Connection c = DB.database().dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("DELETE FROM usage_records");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return new JdbcUsageStore(DB.database());
    }

    /** Guards the runner itself: the inherited contract must really run on this backend. */
    @org.junit.jupiter.api.Test
    void runner_usesTheBackendItIsNamedFor() {
        org.assertj.core.api.Assertions.assertThat(DB.database().driver()).isEqualTo(DatabaseDriver.POSTGRES);
        org.assertj.core.api.Assertions.assertThat(openStore()).isInstanceOf(JdbcUsageStore.class);
    }
}
