package dev.llmproxy.core.auth;

import dev.llmproxy.core.project.NewProject;
import dev.llmproxy.core.project.Project;
import dev.llmproxy.core.project.ProjectStore;
import dev.llmproxy.core.project.UnknownProjectException;
import dev.llmproxy.core.store.MutableClock;
import dev.llmproxy.core.store.Page;
import dev.llmproxy.core.store.PageRequest;
import dev.llmproxy.core.store.Race;
import dev.llmproxy.core.store.StoreException;
import dev.llmproxy.core.store.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link TokenStore} must do, above all exact quotas under concurrency. Subclasses (one
 * per backend) supply fresh, empty stores for each test.
 */
public abstract class TokenStoreContract {

    protected MutableClock clock;
    protected ProjectStore projects;
    protected TokenStore tokens;
    protected Project project;

    /** Fresh, empty stores of the backend under test, on {@code clock}. */
    protected abstract Stores openStores(MutableClock clock);

    @BeforeEach
    void openBackend() {
        clock = MutableClock.atSomeInstant();
        Stores stores = openStores(clock);
        projects = stores.projects();
        tokens = stores.tokens();
        project = projects.create(new NewProject("tokens-test", "sk-upstream-key-0123456789"));
    }

    private TokenRecord issue(Long maxRequests) {
        return issue(project.id(), clock.instant().plus(Duration.ofHours(1)), maxRequests);
    }

    private TokenRecord issue(String projectId, Instant expiresAt, Long maxRequests) {
        return tokens.create(TokenRecord.issue(WitheringTokens.hash(WitheringTokens.generate()), projectId,
                clock.instant(), expiresAt, maxRequests, null));
    }

    @Test
    void create_thenGetAndFindByHash_returnTheSameRecord() {
        String token = WitheringTokens.generate();
        TokenRecord created = tokens.create(TokenRecord.issue(WitheringTokens.hash(token), project.id(),
                clock.instant(), clock.instant().plus(Duration.ofDays(1)), 100L, 60));

        assertThat(created.isActive()).isTrue();
        assertThat(created.requestCount()).isZero();
        assertThat(created.maxRequests()).isEqualTo(100L);
        assertThat(created.rateLimitRpm()).isEqualTo(60);
        assertThat(tokens.get(created.id())).contains(created);
        assertThat(tokens.findByHash(WitheringTokens.hash(token))).contains(created);
    }

    @Test
    void create_keepsTimestampsToTheMicrosecond() {
        Instant nanos = Instant.parse("2025-03-01T10:15:30.123456789Z");
        TokenRecord created = tokens.create(TokenRecord.issue(WitheringTokens.hash(WitheringTokens.generate()),
                project.id(), nanos, nanos.plusSeconds(60), null, null));

        assertThat(created.createdAt()).isEqualTo(Instant.parse("2025-03-01T10:15:30.123456Z"));
        assertThat(tokens.get(created.id())).contains(created);
    }

    @Test
    void findByHash_unknownOrMalformed_isEmpty() {
        issue(null);

        assertThat(tokens.findByHash(WitheringTokens.hash(WitheringTokens.generate()))).isEmpty();
        assertThat(tokens.findByHash("sk-not-a-hash")).isEmpty();
        assertThat(tokens.findByHash("' OR '1'='1")).isEmpty();
        assertThat(tokens.findByHash(null)).isEmpty();
        assertThat(tokens.get("no-such-token")).isEmpty();
    }

    @Test
    void create_forAnUnknownProject_throwsUnknownProjectException() {
        assertThatThrownBy(() -> issue("no-such-project", null, null))
                .isInstanceOf(UnknownProjectException.class)
                .hasMessageContaining("no-such-project");
        assertThat(tokens.list(TokenFilter.all(), PageRequest.firstPage()).total()).isZero();
    }

    @Test
    void create_duplicateHash_isRefused() {
        TokenRecord first = issue(null);

        assertThatThrownBy(() -> tokens.create(TokenRecord.issue(first.tokenHash(), project.id(), clock.instant(),
                null, null, null))).isInstanceOf(StoreException.class);
        assertThat(tokens.list(TokenFilter.all(), PageRequest.firstPage()).total()).isEqualTo(1);
    }

    @Test
    void list_newestFirst_filteredByProject_andPaged() {
        Project other = projects.create(new NewProject("other", "sk-upstream-key-0123456789"));
        TokenRecord a = issue(null);
        clock.advance(Duration.ofSeconds(1));
        TokenRecord b = issue(null);
        clock.advance(Duration.ofSeconds(1));
        TokenRecord foreign = issue(other.id(), null, null);
        clock.advance(Duration.ofSeconds(1));
        TokenRecord c = issue(null);

        Page<TokenRecord> all = tokens.list(TokenFilter.all(), PageRequest.first(10));
        Page<TokenRecord> mineFirst = tokens.list(TokenFilter.forProject(project.id()), new PageRequest(1, 2));
        Page<TokenRecord> mineSecond = tokens.list(TokenFilter.forProject(project.id()), new PageRequest(2, 2));
        Page<TokenRecord> beyond = tokens.list(TokenFilter.forProject(project.id()), new PageRequest(3, 2));

        assertThat(all.items()).containsExactly(c, foreign, b, a);
        assertThat(mineFirst.items()).containsExactly(c, b);
        assertThat(mineFirst.total()).isEqualTo(3);
        assertThat(mineSecond.items()).containsExactly(a);
        assertThat(beyond.items()).isEmpty();
        assertThat(beyond.total()).isEqualTo(3);
    }

    @Test
    void list_activeOnly_leavesOutRevokedAndExpiredTokens() {
        TokenRecord live = issue(null);
        TokenRecord forever = issue(project.id(), null, null);
        TokenRecord revoked = issue(null);
        TokenRecord expiring = issue(project.id(), clock.instant().plusSeconds(10), null);
        tokens.revoke(revoked.id());
        clock.advance(Duration.ofSeconds(10));

        Page<TokenRecord> active = tokens.list(TokenFilter.forProject(project.id()).onlyActive(), PageRequest.firstPage());

        assertThat(active.items()).extracting(TokenRecord::id).containsExactlyInAnyOrder(live.id(), forever.id());
        assertThat(active.total()).isEqualTo(2);
        assertThat(tokens.list(TokenFilter.all(), PageRequest.firstPage()).items()).extracting(TokenRecord::id)
                .contains(expiring.id(), revoked.id());
    }

    @Test
    void update_setsAndClearsSettings() {
        TokenRecord t = issue(10L);
        Instant later = clock.instant().plus(Duration.ofDays(3));

        TokenRecord changed = tokens.update(t.id(), TokenUpdate.none().withExpiresAt(later).withMaxRequests(50L)
                .withRateLimitRpm(30)).orElseThrow();
        TokenRecord cleared = tokens.update(t.id(), TokenUpdate.none().withExpiresAt(null).withMaxRequests(null)
                .withRateLimitRpm(null)).orElseThrow();

        assertThat(changed.expiresAt()).isEqualTo(later);
        assertThat(changed.maxRequests()).isEqualTo(50L);
        assertThat(changed.rateLimitRpm()).isEqualTo(30);
        assertThat(cleared.expiresAt()).isNull();
        assertThat(cleared.maxRequests()).isNull();
        assertThat(cleared.rateLimitRpm()).isNull();
        assertThat(tokens.get(t.id())).contains(cleared);
    }

    @Test
    void update_deactivateSetsRevokedAt_reactivateClearsIt() {
        TokenRecord t = issue(null);
        clock.advance(Duration.ofMinutes(1));
        Instant revocation = clock.instant();

        TokenRecord off = tokens.update(t.id(), TokenUpdate.none().withActive(false)).orElseThrow();
        clock.advance(Duration.ofMinutes(1));
        TokenRecord stillOff = tokens.update(t.id(), TokenUpdate.none().withActive(false)).orElseThrow();
        TokenRecord on = tokens.update(t.id(), TokenUpdate.none().withActive(true)).orElseThrow();

        assertThat(off.isActive()).isFalse();
        assertThat(off.revokedAt()).isEqualTo(revocation);
        assertThat(stillOff.revokedAt()).isEqualTo(revocation);
        assertThat(on.isActive()).isTrue();
        assertThat(on.revokedAt()).isNull();
        assertThat(tokens.get(t.id())).contains(on);
    }

    @Test
    void update_neverTouchesTheCounters() {
        TokenRecord t = issue(100L);
        tokens.reserveRequests(t.id(), 7);
        tokens.recordUsage(t.id(), 3, clock.instant());

        TokenRecord updated = tokens.update(t.id(), TokenUpdate.none().withMaxRequests(200L)).orElseThrow();

        assertThat(updated.requestCount()).isEqualTo(7);
        assertThat(updated.cacheHitCount()).isEqualTo(3);
        assertThat(tokens.get(t.id()).orElseThrow().requestCount()).isEqualTo(7);
    }

    @Test
    void update_unknownId_isEmpty() {
        assertThat(tokens.update("no-such-token", TokenUpdate.none().withActive(false))).isEmpty();
    }

    @Test
    void revoke_revokesOnce_andReportsWhetherItDidAnything() {
        TokenRecord t = issue(null);
        clock.advance(Duration.ofSeconds(5));

        assertThat(tokens.revoke(t.id())).isTrue();
        assertThat(tokens.revoke(t.id())).as("already revoked").isFalse();
        assertThat(tokens.revoke("no-such-token")).isFalse();
        TokenRecord revoked = tokens.get(t.id()).orElseThrow();
        assertThat(revoked.isActive()).isFalse();
        assertThat(revoked.revokedAt()).isEqualTo(clock.instant());
    }

    @Test
    void revokeByProject_revokesOnlyThatProjectsActiveTokens() {
        Project other = projects.create(new NewProject("other", "sk-upstream-key-0123456789"));
        TokenRecord a = issue(null);
        TokenRecord b = issue(5L);
        TokenRecord already = issue(null);
        tokens.revoke(already.id());
        TokenRecord foreign = issue(other.id(), null, null);

        assertThat(tokens.revokeByProject(project.id())).isEqualTo(2);

        assertThat(tokens.get(a.id()).orElseThrow().isActive()).isFalse();
        assertThat(tokens.get(b.id()).orElseThrow().isActive()).isFalse();
        assertThat(tokens.get(foreign.id()).orElseThrow().isActive()).isTrue();
        assertThat(tokens.revokeByProject(project.id())).isZero();
        assertThat(tokens.revokeByProject("no-such-project")).isZero();
    }

    @Test
    void reserveRequests_limited_grantsWhatIsLeft() {
        TokenRecord t = issue(10L);

        assertThat(tokens.reserveRequests(t.id(), 7)).isEqualTo(7);
        assertThat(tokens.reserveRequests(t.id(), 5)).as("3 left").isEqualTo(3);
        assertThat(tokens.reserveRequests(t.id(), 1)).as("exhausted").isZero();
        assertThat(tokens.get(t.id()).orElseThrow().requestCount()).isEqualTo(10);
    }

    @Test
    void reserveRequests_unlimited_grantsEverything_andCounts() {
        TokenRecord t = issue(null);

        assertThat(tokens.reserveRequests(t.id(), 1000)).isEqualTo(1000);
        assertThat(tokens.reserveRequests(t.id(), 1)).isEqualTo(1);
        assertThat(tokens.get(t.id()).orElseThrow().requestCount()).isEqualTo(1001);
    }

    @Test
    void reserveRequests_revokedExpiredOrUnknown_grantsNothing() {
        TokenRecord revoked = issue(null);
        tokens.revoke(revoked.id());
        TokenRecord expiring = issue(project.id(), clock.instant().plusSeconds(30), 10L);

        assertThat(tokens.reserveRequests(revoked.id(), 1)).isZero();
        assertThat(tokens.reserveRequests(expiring.id(), 1)).isEqualTo(1);
        clock.advance(Duration.ofSeconds(30));
        assertThat(tokens.reserveRequests(expiring.id(), 1)).as("expired at expiresAt").isZero();
        assertThat(tokens.reserveRequests("no-such-token", 1)).isZero();
        assertThat(tokens.get(revoked.id()).orElseThrow().requestCount()).isZero();
        assertThat(tokens.get(expiring.id()).orElseThrow().requestCount()).isEqualTo(1);
    }

    @Test
    void reserveRequests_afterQuotaRaised_grantsAgain() {
        TokenRecord t = issue(2L);
        tokens.reserveRequests(t.id(), 2);

        tokens.update(t.id(), TokenUpdate.none().withMaxRequests(5L));

        assertThat(tokens.reserveRequests(t.id(), 10)).isEqualTo(3);
    }

    @Test
    void reserveRequests_wantedBelowOne_isRefused() {
        TokenRecord t = issue(10L);

        assertThatThrownBy(() -> tokens.reserveRequests(t.id(), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tokens.reserveRequests(t.id(), -3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void reserveRequests_concurrently_grantsExactlyTheQuota() throws Exception {
        TokenRecord t = issue(20L);

        List<Long> grants = Race.run(100, () -> tokens.reserveRequests(t.id(), 1));

        assertThat(grants.stream().mapToLong(Long::longValue).sum()).isEqualTo(20);
        assertThat(grants).containsOnly(0L, 1L);
        assertThat(tokens.get(t.id()).orElseThrow().requestCount()).isEqualTo(20);
    }

    @Test
    void reserveAndReturn_concurrently_neverOvershoot_andReturnedRequestsAreGrantedAgain() throws Exception {
        TokenRecord t = issue(50L);

        // Each thread takes 3 and gives 1 back: 2 net per successful round.
        List<Long> kept = Race.run(40, () -> {
            long got = tokens.reserveRequests(t.id(), 3);
            if (got > 0) {
                tokens.returnRequests(t.id(), 1);
                return got - 1;
            }
            return 0L;
        });

        long keptTotal = kept.stream().mapToLong(Long::longValue).sum();
        assertThat(tokens.get(t.id()).orElseThrow().requestCount()).isEqualTo(keptTotal);
        assertThat(keptTotal).isLessThanOrEqualTo(50);
        long rest = tokens.reserveRequests(t.id(), 1000);
        assertThat(keptTotal + rest).isEqualTo(50);
    }

    @Test
    void returnRequests_givesBackButNeverBelowZero() {
        TokenRecord t = issue(10L);
        tokens.reserveRequests(t.id(), 6);

        tokens.returnRequests(t.id(), 2);
        assertThat(tokens.get(t.id()).orElseThrow().requestCount()).isEqualTo(4);
        assertThat(tokens.reserveRequests(t.id(), 10)).isEqualTo(6);

        tokens.returnRequests(t.id(), 25);
        assertThat(tokens.get(t.id()).orElseThrow().requestCount()).isZero();
        tokens.returnRequests(t.id(), 0);
        tokens.returnRequests("no-such-token", 3);
        assertThat(tokens.get(t.id()).orElseThrow().requestCount()).isZero();
        assertThatThrownBy(() -> tokens.returnRequests(t.id(), -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void recordUsage_addsCacheHits_andOnlyMovesLastUsedForward() {
        TokenRecord t = issue(null);
        Instant t1 = clock.instant().plusSeconds(10);
        Instant t0 = clock.instant().plusSeconds(5);

        tokens.recordUsage(t.id(), 2, t1);
        tokens.recordUsage(t.id(), 3, t0);
        tokens.recordUsage("no-such-token", 3, t0);

        TokenRecord used = tokens.get(t.id()).orElseThrow();
        assertThat(used.cacheHitCount()).isEqualTo(5);
        assertThat(used.lastUsedAt()).isEqualTo(t1);
        assertThat(used.requestCount()).isZero();
        assertThatThrownBy(() -> tokens.recordUsage(t.id(), -1, t1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void recordUsage_concurrently_losesNoIncrement() throws Exception {
        TokenRecord t = issue(null);

        Race.run(20, () -> {
            for (int i = 0; i < 5; i++) {
                tokens.recordUsage(t.id(), 1, clock.instant());
            }
            return null;
        });

        assertThat(tokens.get(t.id()).orElseThrow().cacheHitCount()).isEqualTo(100);
    }
}
