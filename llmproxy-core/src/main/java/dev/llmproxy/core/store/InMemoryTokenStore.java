package dev.llmproxy.core.store;

import dev.llmproxy.core.auth.TokenFilter;
import dev.llmproxy.core.auth.TokenRecord;
import dev.llmproxy.core.auth.TokenStore;
import dev.llmproxy.core.auth.TokenUpdate;
import dev.llmproxy.core.auth.WitheringTokens;
import dev.llmproxy.core.project.UnknownProjectException;

import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@link TokenStore} in maps, with the same behaviour as {@link JdbcTokenStore} — including exact
 * {@link #reserveRequests} under concurrency — for embedders without a database and for tests.
 * Nothing survives the process.
 *
 * <p>Built on an {@link InMemoryProjectStore}, whose lock it shares: creating a token checks that
 * its project exists, and deleting the project deletes the token, atomically. Every operation is a
 * map access under that lock; a list sorts the matching tokens.
 */
public final class InMemoryTokenStore implements TokenStore {

    private static final Comparator<TokenRecord> NEWEST_FIRST = Comparator
            .comparing(TokenRecord::createdAt).thenComparing(TokenRecord::id, InMemoryProjectStore.CODE_POINT_ORDER)
            .reversed();

    private final InMemoryProjectStore projects;
    private final Object lock;
    private final Clock clock;
    private final Map<String, TokenRecord> byId = new HashMap<>();
    private final Map<String, String> idByHash = new HashMap<>();

    public InMemoryTokenStore(InMemoryProjectStore projects) {
        this(projects, Clock.systemUTC());
    }

    /**
     * @throws IllegalStateException when another token store is already built on {@code projects}
     */
    public InMemoryTokenStore(InMemoryProjectStore projects, Clock clock) {
        this.projects = Objects.requireNonNull(projects, "projects");
        this.lock = projects.lock;
        this.clock = Objects.requireNonNull(clock, "clock");
        projects.attach(this);
    }

    @Override
    public TokenRecord create(TokenRecord token) {
        Objects.requireNonNull(token, "token");
        TokenRecord stored = JdbcTokenStore.normalized(token);
        synchronized (lock) {
            if (!projects.existsLocked(stored.projectId())) {
                throw new UnknownProjectException(stored.projectId(), null);
            }
            if (byId.containsKey(stored.id()) || idByHash.containsKey(stored.tokenHash())) {
                throw new StoreException("a token with id " + stored.id() + " or the same hash already exists");
            }
            byId.put(stored.id(), stored);
            idByHash.put(stored.tokenHash(), stored.id());
        }
        return stored;
    }

    @Override
    public Optional<TokenRecord> findByHash(String tokenHash) {
        if (!WitheringTokens.isHash(tokenHash)) {
            return Optional.empty();
        }
        synchronized (lock) {
            String id = idByHash.get(tokenHash);
            return id == null ? Optional.empty() : Optional.of(byId.get(id));
        }
    }

    @Override
    public Optional<TokenRecord> get(String id) {
        Objects.requireNonNull(id, "id");
        synchronized (lock) {
            return Optional.ofNullable(byId.get(id));
        }
    }

    @Override
    public Page<TokenRecord> list(TokenFilter filter, PageRequest page) {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(page, "page");
        Instant now = clock.instant();
        List<TokenRecord> matching;
        synchronized (lock) {
            matching = byId.values().stream()
                    .filter(t -> filter.projectId() == null || filter.projectId().equals(t.projectId()))
                    .filter(t -> !filter.activeOnly() || t.isActive() && !t.isExpired(now))
                    .sorted(NEWEST_FIRST)
                    .toList();
        }
        return Page.slice(matching, page);
    }

    @Override
    public Optional<TokenRecord> update(String id, TokenUpdate update) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(update, "update");
        Instant now = clock.instant();
        synchronized (lock) {
            TokenRecord current = byId.get(id);
            if (current == null || update.isEmpty()) {
                return Optional.ofNullable(current);
            }
            TokenRecord next = JdbcTokenStore.normalized(update.applyTo(current, now));
            byId.put(id, next);
            return Optional.of(next);
        }
    }

    @Override
    public boolean revoke(String id) {
        Objects.requireNonNull(id, "id");
        Instant now = SqlDialect.micros(clock.instant());
        synchronized (lock) {
            TokenRecord current = byId.get(id);
            if (current == null || !current.isActive()) {
                return false;
            }
            byId.put(id, revoked(current, now));
            return true;
        }
    }

    @Override
    public int revokeByProject(String projectId) {
        Objects.requireNonNull(projectId, "projectId");
        Instant now = SqlDialect.micros(clock.instant());
        int revoked = 0;
        synchronized (lock) {
            for (TokenRecord t : List.copyOf(byId.values())) {
                if (t.projectId().equals(projectId) && t.isActive()) {
                    byId.put(t.id(), revoked(t, now));
                    revoked++;
                }
            }
        }
        return revoked;
    }

    @Override
    public long reserveRequests(String tokenId, long wanted) {
        Objects.requireNonNull(tokenId, "tokenId");
        if (wanted < 1) {
            throw new IllegalArgumentException("wanted must be 1 or more, got " + wanted);
        }
        synchronized (lock) {
            TokenRecord t = byId.get(tokenId);
            long grant = t == null ? 0 : JdbcTokenStore.grantFor(t, wanted, clock.instant());
            if (grant > 0) {
                byId.put(tokenId, withCounters(t, t.requestCount() + grant, t.cacheHitCount(), t.lastUsedAt()));
            }
            return grant;
        }
    }

    @Override
    public void returnRequests(String tokenId, long unused) {
        Objects.requireNonNull(tokenId, "tokenId");
        if (unused < 0) {
            throw new IllegalArgumentException("unused must be 0 or more, got " + unused);
        }
        synchronized (lock) {
            TokenRecord t = byId.get(tokenId);
            if (t != null && unused > 0) {
                byId.put(tokenId, withCounters(t, Math.max(0, t.requestCount() - unused), t.cacheHitCount(),
                        t.lastUsedAt()));
            }
        }
    }

    @Override
    public void recordUsage(String tokenId, long cacheHits, Instant lastUsedAt) {
        Objects.requireNonNull(tokenId, "tokenId");
        Objects.requireNonNull(lastUsedAt, "lastUsedAt");
        if (cacheHits < 0) {
            throw new IllegalArgumentException("cacheHits must be 0 or more, got " + cacheHits);
        }
        Instant used = SqlDialect.micros(lastUsedAt);
        synchronized (lock) {
            TokenRecord t = byId.get(tokenId);
            if (t != null) {
                Instant last = t.lastUsedAt() == null || t.lastUsedAt().isBefore(used) ? used : t.lastUsedAt();
                byId.put(tokenId, withCounters(t, t.requestCount(), t.cacheHitCount() + cacheHits, last));
            }
        }
    }

    /** Removes the project's tokens; called by the project store with the lock held. */
    void deleteByProjectLocked(String projectId) {
        byId.values().removeIf(t -> {
            if (t.projectId().equals(projectId)) {
                idByHash.remove(t.tokenHash());
                return true;
            }
            return false;
        });
    }

    private static TokenRecord revoked(TokenRecord t, Instant now) {
        return new TokenRecord(t.id(), t.tokenHash(), t.projectId(), t.createdAt(), t.expiresAt(), false,
                t.maxRequests(), t.rateLimitRpm(), t.requestCount(), t.cacheHitCount(), t.lastUsedAt(), now);
    }

    private static TokenRecord withCounters(TokenRecord t, long requests, long cacheHits, Instant lastUsedAt) {
        return new TokenRecord(t.id(), t.tokenHash(), t.projectId(), t.createdAt(), t.expiresAt(), t.isActive(),
                t.maxRequests(), t.rateLimitRpm(), requests, cacheHits, lastUsedAt, t.revokedAt());
    }
}
