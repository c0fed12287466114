package dev.llmproxy.core.store;

import dev.llmproxy.core.audit.AuditEvent;
import dev.llmproxy.core.audit.AuditQuery;
import dev.llmproxy.core.audit.AuditStore;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@link AuditStore} in memory, with the same behaviour as {@link JdbcAuditStore}: for embedders
 * without a database and for tests. Unbounded and lost at exit, so not for long-running production
 * use. Thread-safe (one lock); a query scans and sorts every event.
 */
public final class InMemoryAuditStore implements AuditStore {

    private static final Comparator<AuditEvent> NEWEST_FIRST = Comparator.comparing(AuditEvent::timestamp)
            .thenComparing(AuditEvent::id, InMemoryProjectStore.CODE_POINT_ORDER).reversed();

    private final Map<String, AuditEvent> byId = new LinkedHashMap<>();

    @Override
    public void append(AuditEvent event) {
        appendAll(List.of(event));
    }

    @Override
    public void appendAll(List<AuditEvent> events) {
        Objects.requireNonNull(events, "events");
        List<AuditEvent> stored = new ArrayList<>(events.size());
        for (AuditEvent e : events) {
            stored.add(normalized(Objects.requireNonNull(e, "event")));
        }
        synchronized (byId) {
            // All or none, as in the database's transaction.
            for (int i = 0; i < stored.size(); i++) {
                String id = stored.get(i).id();
                if (byId.containsKey(id) || stored.subList(0, i).stream().anyMatch(e -> e.id().equals(id))) {
                    throw new StoreException("an audit event with the same id is already stored");
                }
            }
            stored.forEach(e -> byId.put(e.id(), e));
        }
    }

    @Override
    public Optional<AuditEvent> get(String id) {
        Objects.requireNonNull(id, "id");
        synchronized (byId) {
            return Optional.ofNullable(byId.get(id));
        }
    }

    @Override
    public Page<AuditEvent> query(AuditQuery query, PageRequest page) {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(page, "page");
        List<AuditEvent> all;
        synchronized (byId) {
            all = List.copyOf(byId.values());
        }
        String needle = query.search() == null ? null : query.search().toLowerCase(Locale.ROOT);
        List<AuditEvent> matching = all.stream()
                .filter(e -> query.from() == null || !e.timestamp().isBefore(query.from()))
                .filter(e -> query.to() == null || e.timestamp().isBefore(query.to()))
                .filter(e -> query.action() == null || query.action().equals(e.action()))
                .filter(e -> query.outcome() == null || query.outcome() == e.outcome())
                .filter(e -> query.projectId() == null || query.projectId().equals(e.projectId()))
                .filter(e -> query.tokenId() == null || query.tokenId().equals(e.tokenId()))
                .filter(e -> query.actor() == null || query.actor().equals(e.actor()))
                .filter(e -> query.clientIp() == null || query.clientIp().equals(e.clientIp()))
                .filter(e -> query.requestId() == null || query.requestId().equals(e.requestId()))
                .filter(e -> needle == null || contains(e, needle))
                .sorted(NEWEST_FIRST)
                .toList();
        return Page.slice(matching, page);
    }

    private static boolean contains(AuditEvent e, String needle) {
        return Stream.of(e.action(), e.actor(), e.reason(), e.clientIp(), e.requestId(), e.projectId(), e.tokenId(),
                        AuditJson.write(e.details()))
                .anyMatch(v -> v != null && v.toLowerCase(Locale.ROOT).contains(needle));
    }

    private static AuditEvent normalized(AuditEvent e) {
        return new AuditEvent(e.id(), SqlDialect.micros(e.timestamp()), e.actor(), e.action(), e.outcome(),
                e.reason(), e.clientIp(), e.requestId(), e.projectId(), e.tokenId(), e.details());
    }
}
