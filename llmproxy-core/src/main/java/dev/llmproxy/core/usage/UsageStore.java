package dev.llmproxy.core.usage;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * Where usage records are kept ({@code /manage/usage/*}). Implementations: {@code JdbcUsageStore}
 * (table {@code usage_records}, SQLite or PostgreSQL) and {@code InMemoryUsageStore}, both in
 * {@code dev.llmproxy.core.store}.
 *
 * <h2>Blocking</h2>
 * Every method may block on I/O. <strong>Never call it on a Netty event loop.</strong> The proxy
 * hands records to a {@link UsageWriter}, which inserts them in batches from its own thread.
 *
 * <h2>Contract</h2>
 * Thread-safe. Append-only apart from {@link #deleteBefore}. Timestamps are kept to the
 * microsecond. Request ids need not be unique (clients may send their own).
 */
public interface UsageStore {

    /** Stores the records in one transaction: all or none. */
    void insertAll(List<UsageRecord> records);

    /** The newest {@code limit} records (of {@code projectId} when not null), newest first. */
    List<UsageRecord> recent(int limit, String projectId);

    /**
     * Hands every matching record to {@code visitor}, oldest first (ties in insertion order),
     * reading them as a stream: memory use does not grow with the number of rows. An
     * {@link IOException} thrown by the visitor stops the scan and is rethrown.
     */
    void scan(UsageQuery query, Visitor visitor) throws IOException;

    /** Deletes the records older than {@code cutoff}; returns how many. */
    long deleteBefore(Instant cutoff);

    /** Receives records from {@link #scan}. */
    @FunctionalInterface
    interface Visitor {
        void accept(UsageRecord record) throws IOException;
    }
}
