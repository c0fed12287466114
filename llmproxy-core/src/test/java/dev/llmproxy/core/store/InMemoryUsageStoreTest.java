package dev.llmproxy.core.store;

import dev.llmproxy.core.usage.UsageStore;
import dev.llmproxy.core.usage.UsageStoreContract;

class InMemoryUsageStoreTest extends UsageStoreContract {

    @Override
    protected UsageStore openStore() {
        return new InMemoryUsageStore();
    }

    /** Guards the runner itself: the inherited contract must really run on this backend. */
    @org.junit.jupiter.api.Test
    void runner_usesTheBackendItIsNamedFor() {
        org.assertj.core.api.Assertions.assertThat(openStore()).isInstanceOf(InMemoryUsageStore.class);
    }
}
