package dev.llmproxy.core.auth;

import dev.llmproxy.core.ProxyError;
import dev.llmproxy.core.ratelimit.LocalRateLimiter;
import dev.llmproxy.core.store.InMemoryTokenStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.clearInvocations;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.verify;

/**
 * A token whose cache entry expired and was loaded again must be served by the new entry in every
 * respect: a cache hit gives its request back to the local lease (no database write per hit), and
 * a revocation evicts it at once.
 *
 * <p>Caffeine tells the service about the expired entry on the blocking executor, in no fixed order
 * with the reload that replaces it. The executor here runs every task but the reload 50 ms late,
 * so the old entry's removal is always handled after the new entry is in place: the order in which
 * the service once forgot which cache entry belonged to the token (every cache hit then wrote to the
 * database, ~30 µs of CPU and a write lock each, and a revocation left the token usable until the
 * entry expired again).
 */
class TokenCacheReloadTest {

    private static final Duration TTL = Duration.ofSeconds(2);

    private final TokenServiceFixture fixture = new TokenServiceFixture();
    private final InMemoryTokenStore store = fixture.store;
    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final Executor reloadFirst = task -> {
        if (task instanceof CompletableFuture.AsynchronousCompletionTask) {
            pool.execute(task); // the reload (CompletableFuture.supplyAsync)
        } else {
            timer.schedule(() -> pool.execute(task), 50, TimeUnit.MILLISECONDS); // removal and the rest
        }
    };
    private TokenService service;

    @AfterEach
    void stop() throws InterruptedException {
        if (service != null) {
            service.close();
        }
        timer.shutdown();
        timer.awaitTermination(5, TimeUnit.SECONDS);
        pool.shutdown();
        pool.awaitTermination(5, TimeUnit.SECONDS);
    }

    private String issue() {
        String token = fixture.issue("reload-", 1_000_000L);
        TokenService.Settings s = TokenService.Settings.DEFAULTS;
        service = new TokenService(store, fixture.projects, reloadFirst, new LocalRateLimiter(),
                new TokenService.Settings(TTL, s.cacheMax(), s.negativeTtl(), s.quotaLease(), s.flushInterval()),
                fixture.clock, null);
        return token;
    }

    private AuthResult authorize(String token) {
        return TokenServiceFixture.authorize(service, token);
    }

    /** Lets the first entry expire, loads the second, and waits until the first one's removal was handled. */
    private AuthResult expireAndReload(String token) throws InterruptedException {
        assertThat(authorize(token).isAllowed()).isTrue();
        Thread.sleep(TTL.toMillis() + 50);
        AuthResult reloaded = authorize(token);
        assertThat(reloaded.isAllowed()).isTrue();
        // The delayed removal of the first entry has run once it gave that entry's unused lease back
        // (a wait on the event, not a fixed sleep: on a busy machine the 50 ms delay can become more).
        verify(store, timeout(10_000)).returnRequests(eq(reloaded.token().id()), anyLong());
        return reloaded;
    }

    @Test
    void afterAReload_cacheHitsGoBackToTheLease_notToTheDatabase() throws InterruptedException {
        String token = issue();
        AuthResult allowed = expireAndReload(token);
        clearInvocations(store);

        for (int i = 0; i < 100; i++) {
            service.recordCacheHit(allowed);
        }
        Thread.sleep(150); // a database write would have been handed to the (delaying) executor

        verify(store, never()).returnRequests(anyString(), anyLong());
    }

    @Test
    void afterAReload_revocationTakesEffectAtOnce() throws InterruptedException {
        String token = issue();
        AuthResult allowed = expireAndReload(token);

        assertThat(store.revoke(allowed.token().id())).isTrue();
        service.invalidateToken(allowed.token().id());

        assertThat(authorize(token).error()).isEqualTo(ProxyError.TOKEN_INACTIVE);
    }
}
