package dev.llmproxy.core.auth;

import dev.llmproxy.core.store.Page;
import dev.llmproxy.core.store.PageRequest;

import java.time.Instant;
import java.util.Optional;

/**
 * Where withering tokens live, by hash. Implementations: {@code JdbcTokenStore} (SQLite or
 * PostgreSQL) and {@code InMemoryTokenStore}, both in {@code dev.llmproxy.core.store}.
 *
 * <h2>Blocking</h2>
 * Every method may block on I/O. <strong>Never call it on a Netty event loop</strong>: run it on the
 * blocking executor and hop back with {@code channel.eventLoop().execute(...)}. The proxy keeps
 * token records in a cache and talks to the store on a miss, to take a batch of quota
 * ({@link #reserveRequests}) and to flush counters ({@link #recordUsage}).
 *
 * <h2>Quota without a write per request</h2>
 * {@link #reserveRequests} atomically takes up to {@code wanted} requests out of the lifetime quota
 * and adds them to {@code requestCount}. A proxy instance reserves a small batch, spends it from
 * memory, and {@link #returnRequests gives back} what it did not use (on shutdown, revocation, or
 * when the batch goes stale). However many instances share the database, a quota of N admits at
 * most N requests, and exactly N when the instances return their leftovers.
 *
 * <h2>Contract</h2>
 * Implementations are thread-safe. Tokens belong to a project: {@link #create} fails with
 * {@link dev.llmproxy.core.project.UnknownProjectException} for an unknown project, and deleting a
 * project deletes its tokens. Timestamps are kept to the microsecond. Clock-dependent decisions
 * (expiry) use the store's clock. Failures of the store itself are
 * {@link dev.llmproxy.core.store.StoreException}s.
 */
public interface TokenStore {

    /**
     * Stores a new token (usually from {@link TokenRecord#issue}) and returns it as stored.
     *
     * @throws dev.llmproxy.core.project.UnknownProjectException when the project does not exist
     * @throws dev.llmproxy.core.store.StoreException             when the id or hash is already stored
     */
    TokenRecord create(TokenRecord token);

    /** The token with this {@link WitheringTokens#hash}; empty for unknown or malformed hashes. */
    Optional<TokenRecord> findByHash(String tokenHash);

    /** The token with this id, if any. */
    Optional<TokenRecord> get(String id);

    /** One page of the matching tokens, newest first ({@code createdAt} descending). */
    Page<TokenRecord> list(TokenFilter filter, PageRequest page);

    /**
     * Applies {@code update} (see {@link TokenUpdate}) and returns the result; empty when no token
     * has this id. Never touches the usage counters.
     */
    Optional<TokenRecord> update(String id, TokenUpdate update);

    /**
     * Revokes the token: {@code isActive=false}, {@code revokedAt=now}.
     *
     * @return true when an active token was revoked; false when the id is unknown or the token was
     *         already revoked (call {@link #get} to tell these apart)
     */
    boolean revoke(String id);

    /**
     * Revokes every active token of the project.
     *
     * @return number of tokens revoked by this call
     */
    int revokeByProject(String projectId);

    /**
     * Atomically grants up to {@code wanted} requests from the token's lifetime quota and adds the
     * grant to {@code requestCount}. An unlimited token is always granted {@code wanted}. A token
     * that is unknown, revoked or expired (at the store's clock) is granted nothing, so a
     * revocation takes effect at the next reservation on every instance.
     *
     * @param wanted at least 1
     * @return the number of requests granted, 0 to {@code wanted}; when 0, {@link #get} tells why
     */
    long reserveRequests(String tokenId, long wanted);

    /**
     * Gives back requests that were reserved and not used: subtracts {@code unused} from
     * {@code requestCount}, never going below 0. Unknown tokens are ignored.
     *
     * @param unused 0 or more
     */
    void returnRequests(String tokenId, long unused);

    /**
     * Records usage the caller has batched up: adds {@code cacheHits} to {@code cacheHitCount} and
     * moves {@code lastUsedAt} forward to {@code lastUsedAt} (never back, so flushes from several
     * instances may arrive in any order). Unknown tokens are ignored.
     *
     * @param cacheHits 0 or more
     */
    void recordUsage(String tokenId, long cacheHits, Instant lastUsedAt);
}
