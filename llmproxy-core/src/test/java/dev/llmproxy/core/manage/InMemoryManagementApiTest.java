package dev.llmproxy.core.manage;

import dev.llmproxy.core.store.MutableClock;
import dev.llmproxy.core.store.Stores;

/** The management API over the in-memory stores. */
class InMemoryManagementApiTest extends ManagementApiContract {

    @Override
    protected Stores openStores(MutableClock clock) {
        return Stores.inMemory(clock);
    }

    /** Guards the runner itself: the inherited contract must really run on this backend. */
    @org.junit.jupiter.api.Test
    void runner_usesTheBackendItIsNamedFor() {
        Stores stores = openStores(MutableClock.atSomeInstant());
        org.assertj.core.api.Assertions.assertThat(stores.projects()).isInstanceOf(dev.llmproxy.core.store.InMemoryProjectStore.class);
        org.assertj.core.api.Assertions.assertThat(stores.tokens()).isInstanceOf(dev.llmproxy.core.store.InMemoryTokenStore.class);
    }
}
