package dev.llmproxy.core.store;

import dev.llmproxy.core.auth.TokenFilter;
import dev.llmproxy.core.auth.TokenRecord;
import dev.llmproxy.core.auth.TokenStore;
import dev.llmproxy.core.auth.TokenUpdate;
import dev.llmproxy.core.auth.WitheringTokens;
import dev.llmproxy.core.project.UnknownProjectException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@link TokenStore} on a {@link Database} (table {@code tokens}, keyed by id, unique by hash).
 *
 * <h2>Quota reservations</h2>
 * {@link #reserveRequests} is one short transaction: read the row with a lock (PostgreSQL
 * {@code SELECT … FOR UPDATE}; on SQLite the transaction holds the database's write lock), compute
 * the grant, add it to {@code request_count}. Concurrent reservations, from this process or any
 * other sharing the database, therefore queue on the row and never overshoot the quota. Counters
 * are only ever changed by relative {@code UPDATE}s ({@code request_count = request_count + ?}),
 * so no write can lose another's increment.
 *
 * <p>Blocking; thread-safe. Expiry decisions use the clock given at construction.
 */
public final class JdbcTokenStore implements TokenStore {

    private static final String COLUMNS = "id, token_hash, project_id, created_at, expires_at, is_active, "
            + "max_requests, rate_limit_rpm, request_count, cache_hit_count, last_used_at, revoked_at";

    private final Database db;
    private final SqlDialect dialect;
    private final Clock clock;

    /** A store using the system clock. */
    public JdbcTokenStore(Database db) {
        this(db, Clock.systemUTC());
    }

    /** A store using {@code clock} for expiry and revocation times (tests). */
    public JdbcTokenStore(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.dialect = db.dialect();
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public TokenRecord create(TokenRecord token) {
        Objects.requireNonNull(token, "token");
        TokenRecord stored = normalized(token);
        return db.call("creating a token", c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO tokens (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, stored.id());
                ps.setString(2, stored.tokenHash());
                ps.setString(3, stored.projectId());
                dialect.setInstant(ps, 4, stored.createdAt());
                dialect.setInstant(ps, 5, stored.expiresAt());
                ps.setBoolean(6, stored.isActive());
                setLong(ps, 7, stored.maxRequests());
                setInt(ps, 8, stored.rateLimitRpm());
                ps.setLong(9, stored.requestCount());
                ps.setLong(10, stored.cacheHitCount());
                dialect.setInstant(ps, 11, stored.lastUsedAt());
                dialect.setInstant(ps, 12, stored.revokedAt());
                ps.executeUpdate();
            } catch (SQLException e) {
                if (dialect.isForeignKeyViolation(e)) {
                    throw new UnknownProjectException(stored.projectId(), e);
                }
                if (dialect.isUniqueViolation(e)) {
                    throw new StoreException("a token with id " + stored.id() + " or the same hash already exists", e);
                }
                throw e;
            }
            return stored;
        });
    }

    @Override
    public Optional<TokenRecord> findByHash(String tokenHash) {
        if (!WitheringTokens.isHash(tokenHash)) {
            return Optional.empty();
        }
        return db.call("looking up a token", c -> selectOne(c, "token_hash", tokenHash, false));
    }

    @Override
    public Optional<TokenRecord> get(String id) {
        Objects.requireNonNull(id, "id");
        return db.call("reading a token", c -> selectOne(c, "id", id, false));
    }

    @Override
    public Page<TokenRecord> list(TokenFilter filter, PageRequest page) {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(page, "page");
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        if (filter.projectId() != null) {
            where.append(" AND project_id = ?");
        }
        if (filter.activeOnly()) {
            where.append(" AND is_active = ? AND (expires_at IS NULL OR expires_at > ?)");
        }
        Instant now = clock.instant();
        return db.call("listing tokens", c -> {
            long total;
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM tokens" + where)) {
                bindFilter(ps, filter, now);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    total = rs.getLong(1);
                }
            }
            List<TokenRecord> items = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM tokens" + where
                    + " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?")) {
                int next = bindFilter(ps, filter, now);
                ps.setInt(next, page.pageSize());
                ps.setLong(next + 1, page.offset());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        items.add(read(rs));
                    }
                }
            }
            return new Page<>(items, total, page.page(), page.pageSize());
        });
    }

    private int bindFilter(PreparedStatement ps, TokenFilter filter, Instant now) throws SQLException {
        int i = 1;
        if (filter.projectId() != null) {
            ps.setString(i++, filter.projectId());
        }
        if (filter.activeOnly()) {
            ps.setBoolean(i++, true);
            dialect.setInstant(ps, i++, now);
        }
        return i;
    }

    @Override
    public Optional<TokenRecord> update(String id, TokenUpdate update) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(update, "update");
        Instant now = clock.instant();
        return db.transaction("updating a token", c -> {
            Optional<TokenRecord> current = selectOne(c, "id", id, true);
            if (current.isEmpty() || update.isEmpty()) {
                return current;
            }
            TokenRecord next = normalized(update.applyTo(current.get(), now));
            // Only the settings are written; the counters stay as the concurrent reservations left them.
            try (PreparedStatement ps = c.prepareStatement("UPDATE tokens SET is_active = ?, revoked_at = ?, "
                    + "expires_at = ?, max_requests = ?, rate_limit_rpm = ? WHERE id = ?")) {
                ps.setBoolean(1, next.isActive());
                dialect.setInstant(ps, 2, next.revokedAt());
                dialect.setInstant(ps, 3, next.expiresAt());
                setLong(ps, 4, next.maxRequests());
                setInt(ps, 5, next.rateLimitRpm());
                ps.setString(6, id);
                ps.executeUpdate();
            }
            return Optional.of(next);
        });
    }

    @Override
    public boolean revoke(String id) {
        Objects.requireNonNull(id, "id");
        Instant now = clock.instant();
        return db.call("revoking a token", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE tokens SET is_active = ?, revoked_at = ? WHERE id = ? AND is_active = ?")) {
                ps.setBoolean(1, false);
                dialect.setInstant(ps, 2, now);
                ps.setString(3, id);
                ps.setBoolean(4, true);
                return ps.executeUpdate() > 0;
            }
        });
    }

    @Override
    public int revokeByProject(String projectId) {
        Objects.requireNonNull(projectId, "projectId");
        Instant now = clock.instant();
        return db.call("revoking a project's tokens", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE tokens SET is_active = ?, revoked_at = ? WHERE project_id = ? AND is_active = ?")) {
                ps.setBoolean(1, false);
                dialect.setInstant(ps, 2, now);
                ps.setString(3, projectId);
                ps.setBoolean(4, true);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public long reserveRequests(String tokenId, long wanted) {
        Objects.requireNonNull(tokenId, "tokenId");
        if (wanted < 1) {
            throw new IllegalArgumentException("wanted must be 1 or more, got " + wanted);
        }
        return db.transaction("reserving requests", c -> {
            Optional<TokenRecord> token = selectOne(c, "id", tokenId, true);
            long grant = token.map(t -> grantFor(t, wanted, clock.instant())).orElse(0L);
            if (grant > 0) {
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE tokens SET request_count = request_count + ? WHERE id = ?")) {
                    ps.setLong(1, grant);
                    ps.setString(2, tokenId);
                    ps.executeUpdate();
                }
            }
            return grant;
        });
    }

    /** What a reservation of {@code wanted} gets from {@code token}; shared with the in-memory store. */
    static long grantFor(TokenRecord token, long wanted, Instant now) {
        if (!token.isActive() || token.isExpired(now)) {
            return 0;
        }
        return Math.min(wanted, token.remainingRequests());
    }

    @Override
    public void returnRequests(String tokenId, long unused) {
        Objects.requireNonNull(tokenId, "tokenId");
        if (unused < 0) {
            throw new IllegalArgumentException("unused must be 0 or more, got " + unused);
        }
        if (unused == 0) {
            return;
        }
        db.call("returning reserved requests", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE tokens SET request_count = "
                    + "CASE WHEN request_count > ? THEN request_count - ? ELSE 0 END WHERE id = ?")) {
                ps.setLong(1, unused);
                ps.setLong(2, unused);
                ps.setString(3, tokenId);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public void recordUsage(String tokenId, long cacheHits, Instant lastUsedAt) {
        Objects.requireNonNull(tokenId, "tokenId");
        Objects.requireNonNull(lastUsedAt, "lastUsedAt");
        if (cacheHits < 0) {
            throw new IllegalArgumentException("cacheHits must be 0 or more, got " + cacheHits);
        }
        db.call("recording token usage", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE tokens SET cache_hit_count = cache_hit_count + ?, "
                    + "last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < ? THEN ? ELSE last_used_at END "
                    + "WHERE id = ?")) {
                ps.setLong(1, cacheHits);
                dialect.setInstant(ps, 2, lastUsedAt);
                dialect.setInstant(ps, 3, lastUsedAt);
                ps.setString(4, tokenId);
                return ps.executeUpdate();
            }
        });
    }

    private Optional<TokenRecord> selectOne(Connection c, String column, String value, boolean lock)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM tokens WHERE " + column + " = ?"
                + (lock ? dialect.forUpdate() : ""))) {
            ps.setString(1, value);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    private TokenRecord read(ResultSet rs) throws SQLException {
        long maxRequests = rs.getLong("max_requests");
        Long max = rs.wasNull() ? null : maxRequests;
        int rpm = rs.getInt("rate_limit_rpm");
        Integer rateLimit = rs.wasNull() ? null : rpm;
        return new TokenRecord(rs.getString("id"), rs.getString("token_hash"), rs.getString("project_id"),
                dialect.getInstant(rs, "created_at"), dialect.getInstant(rs, "expires_at"), rs.getBoolean("is_active"),
                max, rateLimit, rs.getLong("request_count"), rs.getLong("cache_hit_count"),
                dialect.getInstant(rs, "last_used_at"), dialect.getInstant(rs, "revoked_at"));
    }

    /** {@code token} with its timestamps as they will read back. */
    static TokenRecord normalized(TokenRecord t) {
        return new TokenRecord(t.id(), t.tokenHash(), t.projectId(), SqlDialect.micros(t.createdAt()),
                SqlDialect.micros(t.expiresAt()), t.isActive(), t.maxRequests(), t.rateLimitRpm(), t.requestCount(),
                t.cacheHitCount(), SqlDialect.micros(t.lastUsedAt()), SqlDialect.micros(t.revokedAt()));
    }

    private static void setLong(PreparedStatement ps, int index, Long value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.BIGINT);
        } else {
            ps.setLong(index, value);
        }
    }

    private static void setInt(PreparedStatement ps, int index, Integer value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.INTEGER);
        } else {
            ps.setInt(index, value);
        }
    }
}
