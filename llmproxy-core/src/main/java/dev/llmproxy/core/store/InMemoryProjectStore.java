package dev.llmproxy.core.store;

import dev.llmproxy.core.project.ApiKeyCipher;
import dev.llmproxy.core.project.DuplicateNameException;
import dev.llmproxy.core.project.NewProject;
import dev.llmproxy.core.project.Project;
import dev.llmproxy.core.project.ProjectStore;
import dev.llmproxy.core.project.ProjectUpdate;

import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * {@link ProjectStore} in a map, with the same behaviour as {@link JdbcProjectStore}: for embedders
 * without a database and for tests. Nothing survives the process.
 *
 * <p>Pair it with an {@link InMemoryTokenStore} built on it to get the database's cascade (deleting
 * a project deletes its tokens) and its check that a token's project exists. Thread-safe through
 * one lock shared with that token store; every operation is a map access under the lock, so this is
 * meant for modest sizes (a list sorts all projects).
 */
public final class InMemoryProjectStore implements ProjectStore {

    /** Code point order, as {@code COLLATE "C"} on PostgreSQL and BINARY on SQLite sort. */
    static final Comparator<String> CODE_POINT_ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    };

    /** Guards this store and the attached token store, so cascades and existence checks are atomic. */
    final Object lock = new Object();

    private final Map<String, Project> byId = new HashMap<>();
    private final Clock clock;
    private InMemoryTokenStore tokens; // guarded by lock

    public InMemoryProjectStore() {
        this(Clock.systemUTC());
    }

    public InMemoryProjectStore(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Called by the token store built on this one; there can be only one. */
    void attach(InMemoryTokenStore tokenStore) {
        synchronized (lock) {
            if (tokens != null) {
                throw new IllegalStateException("an InMemoryTokenStore is already attached to this project store");
            }
            tokens = tokenStore;
        }
    }

    /** Whether the project exists; call with {@link #lock} held. */
    boolean existsLocked(String id) {
        return byId.containsKey(id);
    }

    @Override
    public Project create(NewProject project) {
        Objects.requireNonNull(project, "project");
        Instant now = SqlDialect.micros(clock.instant());
        Project created = new Project(UUID.randomUUID().toString(), project.name(), project.apiKey(), true, null,
                now, now);
        synchronized (lock) {
            requireFreeName(created.name(), null);
            byId.put(created.id(), created);
        }
        return created;
    }

    @Override
    public Optional<Project> get(String id) {
        Objects.requireNonNull(id, "id");
        synchronized (lock) {
            return Optional.ofNullable(byId.get(id));
        }
    }

    @Override
    public Optional<Project> findByName(String name) {
        Objects.requireNonNull(name, "name");
        synchronized (lock) {
            return byId.values().stream().filter(p -> p.name().equals(name)).findFirst();
        }
    }

    @Override
    public Page<Project> list(PageRequest page) {
        Objects.requireNonNull(page, "page");
        List<Project> all;
        synchronized (lock) {
            all = byId.values().stream().sorted(Comparator.comparing(Project::name, CODE_POINT_ORDER)).toList();
        }
        return Page.slice(all, page);
    }

    @Override
    public Optional<Project> update(String id, ProjectUpdate update) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(update, "update");
        synchronized (lock) {
            Project current = byId.get(id);
            if (current == null) {
                return Optional.empty();
            }
            Project next = update.applyTo(current, SqlDialect.micros(clock.instant()));
            requireFreeName(next.name(), id);
            byId.put(id, next);
            return Optional.of(next);
        }
    }

    @Override
    public boolean delete(String id) {
        Objects.requireNonNull(id, "id");
        synchronized (lock) {
            if (byId.remove(id) == null) {
                return false;
            }
            if (tokens != null) {
                tokens.deleteByProjectLocked(id);
            }
            return true;
        }
    }

    /** Always 0: keys held only in memory are never at rest. */
    @Override
    public int encryptPlaintextKeys(ApiKeyCipher cipher) {
        Objects.requireNonNull(cipher, "cipher");
        if (!cipher.isEnabled()) {
            throw new IllegalArgumentException("encrypting stored API keys needs an ENCRYPTION_KEY");
        }
        return 0;
    }

    private void requireFreeName(String name, String exceptId) {
        for (Project p : byId.values()) {
            if (p.name().equals(name) && !p.id().equals(exceptId)) {
                throw new DuplicateNameException(name, null);
            }
        }
    }
}
