package dev.llmproxy.core.auth;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenRecordTest {

    private static final Instant NOW = Instant.parse("2025-03-01T10:00:00Z");
    private static final String HASH = WitheringTokens.hash("sk-test");

    @Test
    void issue_makesAnActiveUnusedTokenWithARandomId() {
        TokenRecord a = TokenRecord.issue(HASH, "p", NOW, NOW.plusSeconds(60), 10L, 5);
        TokenRecord b = TokenRecord.issue(WitheringTokens.hash("other"), "p", NOW, null, null, null);

        assertThat(a.id()).isNotEqualTo(b.id()).hasSize(36);
        assertThat(a.isActive()).isTrue();
        assertThat(a.requestCount()).isZero();
        assertThat(a.revokedAt()).isNull();
        assertThat(a.remainingRequests()).isEqualTo(10);
        assertThat(b.isUnlimited()).isTrue();
        assertThat(b.remainingRequests()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void isExpired_fromExpiresAtOn() {
        TokenRecord t = TokenRecord.issue(HASH, "p", NOW, NOW.plusSeconds(60), null, null);

        assertThat(t.isExpired(NOW.plusSeconds(59))).isFalse();
        assertThat(t.isExpired(NOW.plusSeconds(60))).isTrue();
        assertThat(TokenRecord.issue(HASH, "p", NOW, null, null, null).isExpired(Instant.MAX)).isFalse();
    }

    @Test
    void invalidValues_areRefused() {
        assertThatThrownBy(() -> TokenRecord.issue("sk-plaintext-token", "p", NOW, null, null, null))
                .hasMessageContaining("tokenHash must be WitheringTokens.hash(token)");
        assertThatThrownBy(() -> TokenRecord.issue(HASH, "p", NOW, null, 0L, null))
                .hasMessageContaining("maxRequests must be 1 or more, or null for unlimited; got 0");
        assertThatThrownBy(() -> TokenRecord.issue(HASH, "p", NOW, null, null, 0))
                .hasMessageContaining("rateLimitRpm must be 1 or more");
        assertThatThrownBy(() -> new TokenRecord("id", HASH, "p", NOW, null, true, null, null, -1, 0, null, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void remainingRequests_neverNegative() {
        TokenRecord over = new TokenRecord("id", HASH, "p", NOW, null, true, 5L, null, 7, 0, null, null);

        assertThat(over.remainingRequests()).isZero();
    }

    @Test
    void tokenUpdate_collectsChanges_andAppliesThem() {
        TokenRecord t = new TokenRecord("id", HASH, "p", NOW, NOW.plusSeconds(60), true, 5L, 10, 3, 2, NOW, null);
        TokenUpdate u = TokenUpdate.none().withActive(false).withExpiresAt(null).withMaxRequests(null);

        TokenRecord next = u.applyTo(t, NOW.plusSeconds(1));

        assertThat(TokenUpdate.none().isEmpty()).isTrue();
        assertThat(u.isEmpty()).isFalse();
        assertThat(u.setsRateLimitRpm()).isFalse();
        assertThat(next.isActive()).isFalse();
        assertThat(next.revokedAt()).isEqualTo(NOW.plusSeconds(1));
        assertThat(next.expiresAt()).isNull();
        assertThat(next.maxRequests()).isNull();
        assertThat(next.rateLimitRpm()).isEqualTo(10);
        assertThat(next.requestCount()).isEqualTo(3);
        assertThat(next.cacheHitCount()).isEqualTo(2);
        assertThat(u.toString()).isEqualTo("TokenUpdate[active=false expiresAt=never maxRequests=unlimited]");
        assertThat(u).isEqualTo(TokenUpdate.none().withActive(false).withExpiresAt(null).withMaxRequests(null));
        assertThatThrownBy(() -> TokenUpdate.none().withMaxRequests(0L)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenUpdate.none().withRateLimitRpm(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tokenFilter_factories() {
        assertThat(TokenFilter.all()).isEqualTo(new TokenFilter(null, false));
        assertThat(TokenFilter.forProject("p").onlyActive()).isEqualTo(new TokenFilter("p", true));
    }
}
