package dev.llmproxy.core.auth;

import dev.llmproxy.core.ProxyError;
import dev.llmproxy.core.ratelimit.LocalRateLimiter;
import dev.llmproxy.core.store.InMemoryTokenStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.atMost;
import static org.mockito.Mockito.verify;

/**
 * Quota leases of a busy token: they grow and are refilled ahead of time, so the store is asked
 * rarely — and the quota stays exact.
 */
class QuotaLeaseTest {

    private final TokenServiceFixture fixture = new TokenServiceFixture();
    private final InMemoryTokenStore store = fixture.store;
    private final ExecutorService blocking = Executors.newFixedThreadPool(2);
    private TokenService service;

    @AfterEach
    void stop() throws InterruptedException {
        if (service != null) {
            service.close();
        }
        blocking.shutdown();
        blocking.awaitTermination(5, TimeUnit.SECONDS);
    }

    private String issue(long maxRequests) {
        String token = fixture.issue("lease-", maxRequests);
        service = new TokenService(store, fixture.projects, blocking, new LocalRateLimiter(),
                TokenService.Settings.DEFAULTS, fixture.clock, null);
        return token;
    }

    private AuthResult authorize(String token) {
        return TokenServiceFixture.authorize(service, token);
    }

    @Test
    void aBusyTokensLeaseGrows_soTheStoreIsAskedRarely() {
        String token = issue(1_000_000);

        for (int i = 0; i < 5_000; i++) {
            assertThat(authorize(token).isAllowed()).isTrue();
        }

        // With a fixed lease of 16 this would be 313 reservations; growing to 1024 it is about a dozen.
        verify(store, atMost(40)).reserveRequests(anyString(), anyLong());
        // Reserved ahead of use, but never more than the requests made plus one lease.
        long reserved = store.get(authorize(token).token().id()).orElseThrow().requestCount();
        // (the lease in hand is at most a quarter of the last one plus the prefetched next one)
        assertThat(reserved).isBetween(5_001L, 5_001L + 2L * TokenService.MAX_LEASE);
    }

    @Test
    void theQuotaStaysExact_evenWithPrefetching() {
        String token = issue(1_000);

        int allowed = 0;
        AuthResult last = null;
        for (int i = 0; i < 1_100; i++) {
            last = authorize(token);
            if (last.isAllowed()) {
                allowed++;
            }
        }

        assertThat(allowed).isEqualTo(1_000);
        assertThat(last.error()).isEqualTo(ProxyError.QUOTA_EXCEEDED);
    }

    @Test
    void unusedLeaseIsReturnedOnClose() throws InterruptedException {
        String token = issue(1_000_000);
        for (int i = 0; i < 100; i++) {
            authorize(token);
        }
        String id = authorize(token).token().id();

        service.close();
        service = null;
        blocking.shutdown(); // returns run on the blocking executor, as do prefetches still in flight
        assertThat(blocking.awaitTermination(5, TimeUnit.SECONDS)).isTrue();

        assertThat(store.get(id).orElseThrow().requestCount()).isEqualTo(101);
    }
}
