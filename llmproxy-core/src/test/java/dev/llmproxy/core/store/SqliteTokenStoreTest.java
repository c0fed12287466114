package dev.llmproxy.core.store;

import dev.llmproxy.core.auth.TokenStoreContract;
import org.junit.jupiter.api.extension.RegisterExtension;

class SqliteTokenStoreTest extends TokenStoreContract {

    @RegisterExtension
    static final SqliteDatabase DB = new SqliteDatabase();

    @Override
    protected Stores openStores(MutableClock clock) {
        return DB.stores(clock);
    }
}
