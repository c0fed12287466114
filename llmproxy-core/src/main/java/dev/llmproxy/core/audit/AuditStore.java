package dev.llmproxy.core.audit;

import dev.llmproxy.core.store.Page;
import dev.llmproxy.core.store.PageRequest;

import java.util.List;
import java.util.Optional;

/**
 * Where audit events are kept for querying ({@code /manage/audit}). Implementations:
 * {@code JdbcAuditStore} and {@code InMemoryAuditStore} in {@code dev.llmproxy.core.store}.
 *
 * <h2>Blocking</h2>
 * Every method may block on I/O. <strong>Never call it on a Netty event loop.</strong> Writers
 * should queue events and {@link #appendAll append them in batches} from a background thread, so
 * a slow database never slows a request.
 *
 * <h2>Contract</h2>
 * Thread-safe. Append-only: events are never changed. Timestamps are kept to the microsecond.
 * Appending an id that is already stored is a {@link dev.llmproxy.core.store.StoreException}.
 */
public interface AuditStore {

    /** Stores one event. */
    void append(AuditEvent event);

    /** Stores several events at once (one transaction on a database); all or none. */
    void appendAll(List<AuditEvent> events);

    /** The event with this id, if any. */
    Optional<AuditEvent> get(String id);

    /** One page of the matching events, newest first. */
    Page<AuditEvent> query(AuditQuery query, PageRequest page);
}
