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
}
