package dev.llmproxy.core.auth;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * What the stores know about one withering token. Holds the token's SHA-256, never the token.
 *
 * @param id            random UUID used in management URLs and audit records; not a secret
 * @param tokenHash     {@link WitheringTokens#hash} of the token (64 lowercase hex digits)
 * @param projectId     the project whose upstream key the token unlocks
 * @param createdAt     creation time
 * @param expiresAt     end of validity (exclusive); null = never expires
 * @param isActive      false once revoked
 * @param maxRequests   lifetime request quota, at least 1; null = unlimited
 * @param rateLimitRpm  requests allowed per minute, at least 1; null = no per-minute limit
 * @param requestCount  requests granted so far ({@link TokenStore#reserveRequests})
 * @param cacheHitCount requests answered from the response cache (they do not count against the quota)
 * @param lastUsedAt    last use as reported by {@link TokenStore#recordUsage}; null = never used
 * @param revokedAt     when the token was revoked; null while active
 */
public record TokenRecord(
        String id,
        String tokenHash,
        String projectId,
        Instant createdAt,
        Instant expiresAt,
        boolean isActive,
        Long maxRequests,
        Integer rateLimitRpm,
        long requestCount,
        long cacheHitCount,
        Instant lastUsedAt,
        Instant revokedAt) {

    public TokenRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(projectId, "projectId");
        Objects.requireNonNull(createdAt, "createdAt");
        if (!WitheringTokens.isHash(tokenHash)) {
            throw new IllegalArgumentException("tokenHash must be WitheringTokens.hash(token): 64 lowercase hex digits");
        }
        if (maxRequests != null && maxRequests < 1) {
            throw new IllegalArgumentException("maxRequests must be 1 or more, or null for unlimited; got " + maxRequests);
        }
        if (rateLimitRpm != null && rateLimitRpm < 1) {
            throw new IllegalArgumentException("rateLimitRpm must be 1 or more, or null for none; got " + rateLimitRpm);
        }
        if (requestCount < 0 || cacheHitCount < 0) {
            throw new IllegalArgumentException("requestCount and cacheHitCount must be >= 0");
        }
    }

    /**
     * A new, active, unused token for {@code projectId}, with a random id.
     *
     * @param tokenHash    {@link WitheringTokens#hash} of the token handed to the client
     * @param expiresAt    null = never
     * @param maxRequests  null = unlimited
     * @param rateLimitRpm null = none
     */
    public static TokenRecord issue(String tokenHash, String projectId, Instant now, Instant expiresAt,
                                    Long maxRequests, Integer rateLimitRpm) {
        return new TokenRecord(UUID.randomUUID().toString(), tokenHash, projectId, now, expiresAt, true,
                maxRequests, rateLimitRpm, 0, 0, null, null);
    }

    /** Whether the token has expired at {@code now} ({@code expiresAt} itself is already expired). */
    public boolean isExpired(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }

    /** Whether the token has no lifetime quota. */
    public boolean isUnlimited() {
        return maxRequests == null;
    }

    /** Requests left in the quota ({@link Long#MAX_VALUE} when unlimited). */
    public long remainingRequests() {
        return maxRequests == null ? Long.MAX_VALUE : Math.max(0, maxRequests - requestCount);
    }
}
