package dev.llmproxy.core.store;

import dev.llmproxy.core.audit.AuditStoreContract;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresAuditStoreTest extends AuditStoreContract {

    @RegisterExtension
    static final PostgresDatabase DB = new PostgresDatabase();

    @Override
    protected Stores openStores(MutableClock clock) {
        return DB.stores(clock);
    }
}
