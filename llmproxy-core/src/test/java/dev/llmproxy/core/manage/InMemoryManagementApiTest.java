package dev.llmproxy.core.manage;

import dev.llmproxy.core.store.MutableClock;
import dev.llmproxy.core.store.Stores;

/** The management API over the in-memory stores. */
class InMemoryManagementApiTest extends ManagementApiContract {

    @Override
    protected Stores openStores(MutableClock clock) {
        return Stores.inMemory(clock);
    }
}
