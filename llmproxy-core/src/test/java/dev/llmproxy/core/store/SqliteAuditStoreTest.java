package dev.llmproxy.core.store;

import dev.llmproxy.core.audit.AuditStoreContract;
import org.junit.jupiter.api.extension.RegisterExtension;

class SqliteAuditStoreTest extends AuditStoreContract {

    @RegisterExtension
    static final SqliteDatabase DB = new SqliteDatabase();

    @Override
    protected Stores openStores(MutableClock clock) {
        return DB.stores(clock);
    }

    /** Guards the runner itself: the inherited contract must really run on this backend. */
    @org.junit.jupiter.api.Test
    void runner_usesTheBackendItIsNamedFor() {
        org.assertj.core.api.Assertions.assertThat(openStores(MutableClock.atSomeInstant()).audit())
                .isInstanceOf(JdbcAuditStore.class);
    }
}
