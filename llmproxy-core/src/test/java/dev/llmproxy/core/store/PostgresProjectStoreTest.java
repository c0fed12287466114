package dev.llmproxy.core.store;

import dev.llmproxy.core.project.ProjectStoreContract;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresProjectStoreTest extends ProjectStoreContract {

    @RegisterExtension
    static final PostgresDatabase DB = new PostgresDatabase();

    @Override
    protected Stores openStores(MutableClock clock) {
        return DB.stores(clock);
    }

    /** Guards the runner itself: the inherited contract must really run on this backend. */
    @org.junit.jupiter.api.Test
    void runner_usesTheBackendItIsNamedFor() {
        org.assertj.core.api.Assertions.assertThat(openStores(MutableClock.atSomeInstant()).projects())
                .isInstanceOf(JdbcProjectStore.class);
    }
}
