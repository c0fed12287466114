package dev.llmproxy.core.store;

import dev.llmproxy.core.usage.UsageQuery;
import dev.llmproxy.core.usage.UsageRecord;
import dev.llmproxy.core.usage.UsageStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@link UsageStore} on a {@link Database} (table {@code usage_records}, migration V2).
 *
 * <p>{@link #insertAll} inserts with JDBC batches of 500 inside one transaction. {@link #scan}
 * streams: on PostgreSQL it reads through a server-side cursor ({@value #FETCH_SIZE} rows per
 * round trip, inside a read-only transaction, which is what the driver needs to stream), on SQLite
 * the driver steps through the result row by row; either way memory does not grow with the table.
 * A scan holds one pooled connection until it ends, so a slow consumer (an export to a slow
 * client) keeps that connection busy. Filters use the {@code (occurred_at)} and
 * {@code (project_id, occurred_at)} indexes.
 *
 * <p>Blocking; thread-safe.
 */
public final class JdbcUsageStore implements UsageStore {

    private static final String COLUMNS = "occurred_at, request_id, project_id, token_id, method, endpoint, model, "
            + "response_model, status, streamed, cache_status, prompt_tokens, completion_tokens, total_tokens, "
            + "cached_tokens, tokens_estimated, latency_ms, ttft_ms, cost_nanos, cost_known, tool_calls, error_code";
    private static final int BATCH = 500;
    static final int FETCH_SIZE = 1000;

    private final Database db;
    private final SqlDialect dialect;

    public JdbcUsageStore(Database db) {
        this.db = Objects.requireNonNull(db, "db");
        this.dialect = db.dialect();
    }

    @Override
    public void insertAll(List<UsageRecord> records) {
        Objects.requireNonNull(records, "records");
        if (records.isEmpty()) {
            return;
        }
        db.transaction("storing usage records", c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO usage_records (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                int pending = 0;
                for (UsageRecord r : records) {
                    bindRecord(ps, r);
                    ps.addBatch();
                    if (++pending == BATCH) {
                        ps.executeBatch();
                        pending = 0;
                    }
                }
                if (pending > 0) {
                    ps.executeBatch();
                }
            }
            return null;
        });
    }

    private void bindRecord(PreparedStatement ps, UsageRecord r) throws SQLException {
        int i = 1;
        dialect.setInstant(ps, i++, r.timestamp());
        ps.setString(i++, r.requestId());
        ps.setString(i++, r.projectId());
        ps.setString(i++, r.tokenId());
        ps.setString(i++, r.method());
        ps.setString(i++, r.endpoint());
        ps.setString(i++, r.model());
        ps.setString(i++, r.responseModel());
        ps.setInt(i++, r.status());
        ps.setBoolean(i++, r.streamed());
        ps.setString(i++, r.cacheStatus());
        ps.setLong(i++, r.promptTokens());
        ps.setLong(i++, r.completionTokens());
        ps.setLong(i++, r.totalTokens());
        ps.setLong(i++, r.cachedTokens());
        ps.setBoolean(i++, r.tokensEstimated());
        ps.setLong(i++, r.latencyMillis());
        if (r.ttftMillis() == null) {
            ps.setNull(i++, Types.BIGINT);
        } else {
            ps.setLong(i++, r.ttftMillis());
        }
        ps.setLong(i++, r.costNanos());
        ps.setBoolean(i++, r.costKnown());
        ps.setInt(i++, r.toolCalls());
        ps.setString(i, r.errorCode());
    }

    @Override
    public List<UsageRecord> recent(int limit, String projectId) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive, got " + limit);
        }
        return db.call("reading recent usage records", c -> {
            String sql = "SELECT " + COLUMNS + " FROM usage_records"
                    + (projectId == null ? "" : " WHERE project_id = ?")
                    + " ORDER BY occurred_at DESC, id DESC LIMIT ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                if (projectId != null) {
                    ps.setString(i++, projectId);
                }
                ps.setInt(i, limit);
                List<UsageRecord> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(read(rs));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public void scan(UsageQuery query, Visitor visitor) throws IOException {
        Objects.requireNonNull(query, "query");
        List<Object> params = new ArrayList<>();
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        if (query.from() != null) {
            where.append(" AND occurred_at >= ?");
            params.add(SqlDialect.ceilMicros(query.from()));
        }
        if (query.to() != null) {
            where.append(" AND occurred_at < ?");
            params.add(SqlDialect.ceilMicros(query.to()));
        }
        if (query.projectId() != null) {
            where.append(" AND project_id = ?");
            params.add(query.projectId());
        }
        if (query.model() != null) {
            where.append(" AND model = ?");
            params.add(query.model());
        }
        String sql = "SELECT " + COLUMNS + " FROM usage_records" + where + " ORDER BY occurred_at, id";
        try {
            db.call("reading usage records", c -> {
                boolean cursor = dialect == SqlDialect.POSTGRES;
                if (cursor) {
                    c.setAutoCommit(false); // the PostgreSQL driver only streams inside a transaction
                    c.setReadOnly(true);
                }
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setFetchSize(FETCH_SIZE);
                    int i = 1;
                    for (Object p : params) {
                        if (p instanceof Instant instant) {
                            dialect.setInstant(ps, i++, instant);
                        } else {
                            ps.setString(i++, (String) p);
                        }
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            visitor.accept(read(rs));
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } finally {
                    if (cursor) {
                        restore(c);
                    }
                }
                return null;
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static void restore(Connection c) throws SQLException {
        c.rollback();
        c.setReadOnly(false);
        c.setAutoCommit(true);
    }

    @Override
    public long deleteBefore(Instant cutoff) {
        Objects.requireNonNull(cutoff, "cutoff");
        return db.transaction("deleting old usage records", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM usage_records WHERE occurred_at < ?")) {
                dialect.setInstant(ps, 1, SqlDialect.ceilMicros(cutoff));
                return (long) ps.executeUpdate();
            }
        });
    }

    private UsageRecord read(ResultSet rs) throws SQLException {
        long ttft = rs.getLong("ttft_ms");
        Long ttftMillis = rs.wasNull() ? null : ttft;
        return new UsageRecord(rs.getString("request_id"), dialect.getInstant(rs, "occurred_at"),
                rs.getString("project_id"), rs.getString("token_id"), rs.getString("method"), rs.getString("endpoint"),
                rs.getString("model"), rs.getString("response_model"), rs.getInt("status"), rs.getBoolean("streamed"),
                rs.getString("cache_status"), rs.getLong("prompt_tokens"), rs.getLong("completion_tokens"),
                rs.getLong("total_tokens"), rs.getLong("cached_tokens"), rs.getBoolean("tokens_estimated"),
                rs.getLong("latency_ms"), ttftMillis, rs.getLong("cost_nanos"), rs.getBoolean("cost_known"),
                rs.getInt("tool_calls"), rs.getString("error_code"));
    }
}
