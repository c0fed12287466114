package dev.llmproxy.admin;

import com.github.benmanes.caffeine.cache.Ticker;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class SessionsTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final Ticker ticker = now::get;

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void idleSessionsExpireAndUseKeepsThemAlive() {
        Sessions sessions = new Sessions(Duration.ofMinutes(30), Duration.ofHours(12), 100, ticker);
        Session s = sessions.createAuthenticated("token");
        advance(Duration.ofMinutes(29));
        assertThat(sessions.find(s.id)).isSameAs(s);
        advance(Duration.ofMinutes(29));
        assertThat(sessions.find(s.id)).as("used 29 minutes ago").isSameAs(s);
        advance(Duration.ofMinutes(31));
        assertThat(sessions.find(s.id)).isNull();
    }

    @Test
    void sessionsEndAtTheirMaximumLifetimeHoweverActive() {
        Sessions sessions = new Sessions(Duration.ofMinutes(30), Duration.ofHours(1), 100, ticker);
        Session s = sessions.createAuthenticated("token");
        for (int i = 0; i < 5; i++) {
            advance(Duration.ofMinutes(11));
            assertThat(sessions.find(s.id)).isSameAs(s);
        }
        advance(Duration.ofMinutes(6));
        assertThat(sessions.find(s.id)).isNull();
    }

    @Test
    void invalidatedSessionsAreGoneAndIdsAreRandom() {
        Sessions sessions = new Sessions(Duration.ofMinutes(30), Duration.ofHours(1), 100, ticker);
        Session a = sessions.createAuthenticated("token");
        Session b = sessions.createAuthenticated("token");
        assertThat(a.id).isNotEqualTo(b.id).matches("[A-Za-z0-9_-]{43}");
        assertThat(a.csrfToken).isNotEqualTo(b.csrfToken).isNotEqualTo(a.id);
        sessions.invalidate(a.id);
        assertThat(sessions.find(a.id)).isNull();
        assertThat(sessions.find(b.id)).isSameAs(b);
        assertThat(sessions.find("")).isNull();
        assertThat(sessions.find(null)).isNull();
        assertThat(sessions.find(a.id + "x")).isNull();
    }

    @Test
    void theStoreIsBoundedAndAnonymousSessionsDoNotPushLoggedInOnesOut() {
        Sessions sessions = new Sessions(Duration.ofMinutes(30), Duration.ofHours(1), 10, ticker);
        Session operator = sessions.createAuthenticated("token");
        for (int i = 0; i < 2000; i++) {
            sessions.createAnonymous();
        }
        assertThat(sessions.find(operator.id)).isSameAs(operator);
        for (int i = 0; i < 50; i++) {
            sessions.createAuthenticated("token");
        }
        assertThat(sessions.authenticatedCount()).isLessThanOrEqualTo(10);
    }

    @Test
    void csrfComparisonNeedsTheExactToken() {
        assertThat(Sessions.sameToken("abc", "abc")).isTrue();
        assertThat(Sessions.sameToken("abc", "abd")).isFalse();
        assertThat(Sessions.sameToken("abc", null)).isFalse();
        assertThat(Sessions.sameToken("abc", "")).isFalse();
    }

    @Test
    void createdTokenSecretsAreHandedOutOnce() {
        Session s = new Sessions(Duration.ofMinutes(30), Duration.ofHours(1), 10, ticker).createAuthenticated("t");
        s.rememberCreatedToken("id1", "sk-secret");
        assertThat(s.takeCreatedToken("id1")).isEqualTo("sk-secret");
        assertThat(s.takeCreatedToken("id1")).isNull();
        assertThat(s.toString()).doesNotContain("t]").contains("authenticated");
    }
}
