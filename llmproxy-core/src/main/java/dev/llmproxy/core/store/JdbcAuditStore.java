package dev.llmproxy.core.store;

import dev.llmproxy.core.audit.AuditEvent;
import dev.llmproxy.core.audit.AuditQuery;
import dev.llmproxy.core.audit.AuditStore;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * {@link AuditStore} on a {@link Database} (table {@code audit_events}). {@code details} is kept as
 * a JSON text column.
 *
 * <p>{@link #appendAll} inserts with one JDBC batch per 500 events inside one transaction. Queries
 * filter in SQL on indexed columns where given (time, action, project); free-text search is a
 * case-insensitive {@code LIKE '%…%'} over the text columns and scans the filtered rows, so narrow
 * it with a time range on large tables.
 *
 * <p>Blocking; thread-safe.
 */
public final class JdbcAuditStore implements AuditStore {

    private static final String COLUMNS = "id, occurred_at, actor, action, outcome, reason, client_ip, request_id, "
            + "project_id, token_id, details";
    private static final String[] SEARCHED = {"action", "actor", "reason", "client_ip", "request_id", "project_id",
            "token_id", "details"};
    private static final int BATCH = 500;

    private final Database db;
    private final SqlDialect dialect;

    public JdbcAuditStore(Database db) {
        this.db = Objects.requireNonNull(db, "db");
        this.dialect = db.dialect();
    }

    @Override
    public void append(AuditEvent event) {
        appendAll(List.of(event));
    }

    @Override
    public void appendAll(List<AuditEvent> events) {
        Objects.requireNonNull(events, "events");
        if (events.isEmpty()) {
            return;
        }
        db.transaction("storing audit events", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO audit_events (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                int pending = 0;
                for (AuditEvent e : events) {
                    ps.setString(1, e.id());
                    dialect.setInstant(ps, 2, e.timestamp());
                    ps.setString(3, e.actor());
                    ps.setString(4, e.action());
                    ps.setString(5, e.outcome().wireName());
                    ps.setString(6, e.reason());
                    ps.setString(7, e.clientIp());
                    ps.setString(8, e.requestId());
                    ps.setString(9, e.projectId());
                    ps.setString(10, e.tokenId());
                    ps.setString(11, AuditJson.write(e.details()));
                    ps.addBatch();
                    if (++pending == BATCH) {
                        ps.executeBatch();
                        pending = 0;
                    }
                }
                if (pending > 0) {
                    ps.executeBatch();
                }
            } catch (SQLException e) {
                if (dialect.isUniqueViolation(e)) {
                    throw new StoreException("an audit event with the same id is already stored", e);
                }
                throw e;
            }
            return null;
        });
    }

    @Override
    public Optional<AuditEvent> get(String id) {
        Objects.requireNonNull(id, "id");
        return db.call("reading an audit event", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM audit_events WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public Page<AuditEvent> query(AuditQuery query, PageRequest page) {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(page, "page");
        List<Object> params = new ArrayList<>();
        String where = where(query, params);
        return db.call("querying audit events", c -> {
            long total;
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM audit_events" + where)) {
                bind(ps, params);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    total = rs.getLong(1);
                }
            }
            List<AuditEvent> items = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM audit_events" + where
                    + " ORDER BY occurred_at DESC, id DESC LIMIT ? OFFSET ?")) {
                int next = bind(ps, params);
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

    private static String where(AuditQuery q, List<Object> params) {
        StringBuilder sql = new StringBuilder(" WHERE 1 = 1");
        if (q.from() != null) {
            sql.append(" AND occurred_at >= ?");
            params.add(SqlDialect.ceilMicros(q.from()));
        }
        if (q.to() != null) {
            sql.append(" AND occurred_at < ?");
            params.add(SqlDialect.ceilMicros(q.to()));
        }
        exact(sql, params, "action", q.action());
        exact(sql, params, "outcome", q.outcome() == null ? null : q.outcome().wireName());
        exact(sql, params, "project_id", q.projectId());
        exact(sql, params, "token_id", q.tokenId());
        exact(sql, params, "actor", q.actor());
        exact(sql, params, "client_ip", q.clientIp());
        exact(sql, params, "request_id", q.requestId());
        if (q.search() != null) {
            String pattern = "%" + escapeLike(q.search().toLowerCase(Locale.ROOT)) + "%";
            sql.append(" AND (");
            for (int i = 0; i < SEARCHED.length; i++) {
                sql.append(i == 0 ? "" : " OR ").append("LOWER(").append(SEARCHED[i]).append(") LIKE ? ESCAPE '\\'");
                params.add(pattern);
            }
            sql.append(')');
        }
        return sql.toString();
    }

    private static void exact(StringBuilder sql, List<Object> params, String column, String value) {
        if (value != null) {
            sql.append(" AND ").append(column).append(" = ?");
            params.add(value);
        }
    }

    /** Makes {@code %}, {@code _} and the escape character itself match literally. */
    private static String escapeLike(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    private int bind(PreparedStatement ps, List<Object> params) throws SQLException {
        int i = 1;
        for (Object p : params) {
            if (p instanceof Instant instant) {
                dialect.setInstant(ps, i++, instant);
            } else {
                ps.setString(i++, (String) p);
            }
        }
        return i;
    }

    private AuditEvent read(ResultSet rs) throws SQLException {
        return new AuditEvent(rs.getString("id"), dialect.getInstant(rs, "occurred_at"), rs.getString("actor"),
                rs.getString("action"), AuditEvent.Outcome.fromWireName(rs.getString("outcome")),
                rs.getString("reason"), rs.getString("client_ip"), rs.getString("request_id"),
                rs.getString("project_id"), rs.getString("token_id"), AuditJson.read(rs.getString("details")));
    }
}
