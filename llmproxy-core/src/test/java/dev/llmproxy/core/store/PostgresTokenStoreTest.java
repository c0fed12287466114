package dev.llmproxy.core.store;

import dev.llmproxy.core.auth.TokenStoreContract;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresTokenStoreTest extends TokenStoreContract {

    @RegisterExtension
    static final PostgresDatabase DB = new PostgresDatabase();

    @Override
    protected Stores openStores(MutableClock clock) {
        return DB.stores(clock);
    }
}
