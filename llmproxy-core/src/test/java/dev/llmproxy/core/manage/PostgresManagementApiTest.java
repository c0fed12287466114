package dev.llmproxy.core.manage;

import dev.llmproxy.core.store.MutableClock;
import dev.llmproxy.core.store.PostgresDatabase;
import dev.llmproxy.core.store.Stores;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The management API over the JDBC stores on PostgreSQL ({@code LLMPROXY_TEST_POSTGRES_URL}, else
 * an embedded server; skipped with a message when neither is available).
 */
class PostgresManagementApiTest extends ManagementApiContract {

    @RegisterExtension
    static final PostgresDatabase DB = new PostgresDatabase();

    @Override
    protected Stores openStores(MutableClock clock) {
        return DB.stores(clock);
    }

    /** Guards the runner itself: the inherited contract must really run on this backend. */
    @org.junit.jupiter.api.Test
    void runner_usesTheBackendItIsNamedFor() {
        Stores stores = openStores(MutableClock.atSomeInstant());
        org.assertj.core.api.Assertions.assertThat(stores.projects()).isInstanceOf(dev.llmproxy.core.store.JdbcProjectStore.class);
        org.assertj.core.api.Assertions.assertThat(stores.tokens()).isInstanceOf(dev.llmproxy.core.store.JdbcTokenStore.class);
    }
}
