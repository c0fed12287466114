package dev.llmproxy.core.store;

import dev.llmproxy.core.project.ProjectStoreContract;
import org.junit.jupiter.api.extension.RegisterExtension;

class SqliteProjectStoreTest extends ProjectStoreContract {

    @RegisterExtension
    static final SqliteDatabase DB = new SqliteDatabase();

    @Override
    protected Stores openStores(MutableClock clock) {
        return DB.stores(clock);
    }
}
