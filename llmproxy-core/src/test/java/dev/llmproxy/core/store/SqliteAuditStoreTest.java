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
}
