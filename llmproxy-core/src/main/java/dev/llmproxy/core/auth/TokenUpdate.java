package dev.llmproxy.core.auth;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A change to a token's settings: each of active flag, expiry, quota and per-minute limit is left
 * as it is or set (the last three may be set to null: never expires, unlimited, no limit). Build
 * it from {@link #none()}, e.g. {@code TokenUpdate.none().withMaxRequests(null)}. Immutable.
 *
 * <p>Usage counters are not part of an update: they only move through
 * {@link TokenStore#reserveRequests}, {@link TokenStore#returnRequests} and
 * {@link TokenStore#recordUsage}, so an update can never overwrite a concurrent increment (the Go
 * original wrote back the count it had read). Deactivating sets {@code revokedAt} (keeping an
 * earlier one); reactivating clears it.
 */
public final class TokenUpdate {

    private static final TokenUpdate NONE = new TokenUpdate(null, false, null, false, null, false, null);

    private final Boolean active;
    private final boolean setsExpiresAt;
    private final Instant expiresAt;
    private final boolean setsMaxRequests;
    private final Long maxRequests;
    private final boolean setsRateLimitRpm;
    private final Integer rateLimitRpm;

    private TokenUpdate(Boolean active, boolean setsExpiresAt, Instant expiresAt, boolean setsMaxRequests,
                        Long maxRequests, boolean setsRateLimitRpm, Integer rateLimitRpm) {
        this.active = active;
        this.setsExpiresAt = setsExpiresAt;
        this.expiresAt = expiresAt;
        this.setsMaxRequests = setsMaxRequests;
        this.maxRequests = maxRequests;
        this.setsRateLimitRpm = setsRateLimitRpm;
        this.rateLimitRpm = rateLimitRpm;
    }

    /** An update that changes nothing. */
    public static TokenUpdate none() {
        return NONE;
    }

    /** Also activates or revokes the token. */
    public TokenUpdate withActive(boolean newActive) {
        return new TokenUpdate(newActive, setsExpiresAt, expiresAt, setsMaxRequests, maxRequests,
                setsRateLimitRpm, rateLimitRpm);
    }

    /** Also sets the expiry; null = never expires. */
    public TokenUpdate withExpiresAt(Instant newExpiresAt) {
        return new TokenUpdate(active, true, newExpiresAt, setsMaxRequests, maxRequests, setsRateLimitRpm,
                rateLimitRpm);
    }

    /** Also sets the lifetime quota (at least 1); null = unlimited. */
    public TokenUpdate withMaxRequests(Long newMaxRequests) {
        if (newMaxRequests != null && newMaxRequests < 1) {
            throw new IllegalArgumentException(
                    "maxRequests must be 1 or more, or null for unlimited; got " + newMaxRequests);
        }
        return new TokenUpdate(active, setsExpiresAt, expiresAt, true, newMaxRequests, setsRateLimitRpm,
                rateLimitRpm);
    }

    /** Also sets the per-minute limit (at least 1); null = none. */
    public TokenUpdate withRateLimitRpm(Integer newRateLimitRpm) {
        if (newRateLimitRpm != null && newRateLimitRpm < 1) {
            throw new IllegalArgumentException(
                    "rateLimitRpm must be 1 or more, or null for none; got " + newRateLimitRpm);
        }
        return new TokenUpdate(active, setsExpiresAt, expiresAt, setsMaxRequests, maxRequests, true,
                newRateLimitRpm);
    }

    /** The new active flag, if it changes. */
    public Optional<Boolean> active() {
        return Optional.ofNullable(active);
    }

    /** Whether the expiry is set; then {@link #expiresAt()} is the new value. */
    public boolean setsExpiresAt() {
        return setsExpiresAt;
    }

    /** The new expiry (null = never); meaningful only when {@link #setsExpiresAt()}. */
    public Instant expiresAt() {
        return expiresAt;
    }

    /** Whether the quota is set; then {@link #maxRequests()} is the new value. */
    public boolean setsMaxRequests() {
        return setsMaxRequests;
    }

    /** The new quota (null = unlimited); meaningful only when {@link #setsMaxRequests()}. */
    public Long maxRequests() {
        return maxRequests;
    }

    /** Whether the per-minute limit is set; then {@link #rateLimitRpm()} is the new value. */
    public boolean setsRateLimitRpm() {
        return setsRateLimitRpm;
    }

    /** The new per-minute limit (null = none); meaningful only when {@link #setsRateLimitRpm()}. */
    public Integer rateLimitRpm() {
        return rateLimitRpm;
    }

    /** Whether nothing changes. */
    public boolean isEmpty() {
        return active == null && !setsExpiresAt && !setsMaxRequests && !setsRateLimitRpm;
    }

    /** The token after this update at time {@code now}; stores use it so the rules live in one place. */
    public TokenRecord applyTo(TokenRecord current, Instant now) {
        boolean newActive = active == null ? current.isActive() : active;
        Instant revokedAt = newActive ? null : (current.revokedAt() != null ? current.revokedAt() : now);
        return new TokenRecord(current.id(), current.tokenHash(), current.projectId(), current.createdAt(),
                setsExpiresAt ? expiresAt : current.expiresAt(), newActive,
                setsMaxRequests ? maxRequests : current.maxRequests(),
                setsRateLimitRpm ? rateLimitRpm : current.rateLimitRpm(),
                current.requestCount(), current.cacheHitCount(), current.lastUsedAt(), revokedAt);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenUpdate other && Objects.equals(active, other.active)
                && setsExpiresAt == other.setsExpiresAt && Objects.equals(expiresAt, other.expiresAt)
                && setsMaxRequests == other.setsMaxRequests && Objects.equals(maxRequests, other.maxRequests)
                && setsRateLimitRpm == other.setsRateLimitRpm && Objects.equals(rateLimitRpm, other.rateLimitRpm);
    }

    @Override
    public int hashCode() {
        return Objects.hash(active, setsExpiresAt, expiresAt, setsMaxRequests, maxRequests, setsRateLimitRpm,
                rateLimitRpm);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("TokenUpdate[");
        if (active != null) {
            sb.append("active=").append(active).append(' ');
        }
        if (setsExpiresAt) {
            sb.append("expiresAt=").append(expiresAt == null ? "never" : expiresAt).append(' ');
        }
        if (setsMaxRequests) {
            sb.append("maxRequests=").append(maxRequests == null ? "unlimited" : maxRequests).append(' ');
        }
        if (setsRateLimitRpm) {
            sb.append("rateLimitRpm=").append(rateLimitRpm == null ? "none" : rateLimitRpm).append(' ');
        }
        return sb.toString().strip() + "]";
    }
}
