package dev.llmproxy.core.project;

import dev.llmproxy.core.store.Page;
import dev.llmproxy.core.store.PageRequest;

import java.util.Optional;

/**
 * Where projects live. Implementations: {@code JdbcProjectStore} (SQLite or PostgreSQL) and
 * {@code InMemoryProjectStore} (embedders, tests), both in {@code dev.llmproxy.core.store}; an
 * embedder may plug in its own.
 *
 * <h2>Blocking</h2>
 * Every method may block on I/O (a database round trip, typically well under a millisecond on
 * SQLite and one network round trip on PostgreSQL). <strong>Never call it on a Netty event
 * loop</strong>: run it on the blocking executor and hop back with
 * {@code channel.eventLoop().execute(...)}. The hot path reads projects through a cache.
 *
 * <h2>Contract</h2>
 * Implementations are thread-safe. Projects come back with their API key in plaintext; the store
 * decides how it is kept at rest. Names are unique: {@link #create} and {@link #update} throw
 * {@link DuplicateNameException} when a name is taken. Timestamps are kept to the microsecond, so
 * a project read back equals the one returned by {@code create}/{@code update}. Failures of the
 * store itself are {@link dev.llmproxy.core.store.StoreException}s.
 */
public interface ProjectStore {

    /**
     * Creates an active project with a random UUID and {@code createdAt = updatedAt = now}.
     *
     * @throws DuplicateNameException when the name is taken
     */
    Project create(NewProject project);

    /** The project with this id, if any. */
    Optional<Project> get(String id);

    /** The project with exactly this name (case-sensitive), if any. */
    Optional<Project> findByName(String name);

    /**
     * One page of all projects ordered by name (by code point, so {@code "Zeta"} precedes
     * {@code "alpha"}: the same order on every backend).
     */
    Page<Project> list(PageRequest page);

    /**
     * Applies {@code update} (see {@link ProjectUpdate} for the rules) and returns the result;
     * empty when no project has this id.
     *
     * @throws DuplicateNameException when renaming to a name that is taken
     */
    Optional<Project> update(String id, ProjectUpdate update);

    /**
     * Deletes the project and all its tokens. Audit records that mention it stay.
     *
     * @return false when no project had this id
     */
    boolean delete(String id);

    /**
     * Encrypts, with {@code cipher}, every API key still stored in plaintext (rows written before
     * {@code ENCRYPTION_KEY} was set); keys already encrypted are left alone, so running it twice
     * is harmless. Backs {@code llm-proxy migrate encrypt}. A store that keeps nothing at rest (the
     * in-memory one) converts nothing.
     *
     * @return number of keys converted
     * @throws IllegalArgumentException when {@code cipher} is {@link ApiKeyCipher#none()}
     */
    int encryptPlaintextKeys(ApiKeyCipher cipher);
}
