package dev.llmproxy.core.store;

import dev.llmproxy.core.project.ProjectStoreContract;

class InMemoryProjectStoreTest extends ProjectStoreContract {

    @Override
    protected Stores openStores(MutableClock clock) {
        return Stores.inMemory(clock);
    }
}
