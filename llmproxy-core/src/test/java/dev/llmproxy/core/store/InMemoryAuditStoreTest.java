package dev.llmproxy.core.store;

import dev.llmproxy.core.audit.AuditStoreContract;

class InMemoryAuditStoreTest extends AuditStoreContract {

    @Override
    protected Stores openStores(MutableClock clock) {
        return Stores.inMemory(clock);
    }
}
