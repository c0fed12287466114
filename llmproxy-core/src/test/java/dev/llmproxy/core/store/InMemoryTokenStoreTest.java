package dev.llmproxy.core.store;

import dev.llmproxy.core.auth.TokenStoreContract;

class InMemoryTokenStoreTest extends TokenStoreContract {

    @Override
    protected Stores openStores(MutableClock clock) {
        return Stores.inMemory(clock);
    }
}
