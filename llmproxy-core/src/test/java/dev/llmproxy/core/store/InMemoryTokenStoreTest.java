package dev.llmproxy.core.store;

import dev.llmproxy.core.auth.TokenStoreContract;

class InMemoryTokenStoreTest extends TokenStoreContract {

    @Override
    protected Stores openStores(MutableClock clock) {
        return Stores.inMemory(clock);
    }

    /** Guards the runner itself: the inherited contract must really run on this backend. */
    @org.junit.jupiter.api.Test
    void runner_usesTheBackendItIsNamedFor() {
        org.assertj.core.api.Assertions.assertThat(openStores(MutableClock.atSomeInstant()).tokens())
                .isInstanceOf(InMemoryTokenStore.class);
    }
}
