package dev.llmproxy.core.store;

import dev.llmproxy.core.usage.UsageQuery;
import dev.llmproxy.core.usage.UsageRecord;
import dev.llmproxy.core.usage.UsageStore;

import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * {@link UsageStore} in memory, with the same behaviour as {@link JdbcUsageStore} (timestamps kept
 * to the microsecond, the same ordering): for embedders without a database and for tests.
 * Unbounded apart from {@link #deleteBefore} and lost at exit. Thread-safe (one lock); a scan
 * works on a snapshot, so the visitor runs without the lock.
 */
public final class InMemoryUsageStore implements UsageStore {

    /** Records in insertion order, each with its insertion sequence number. */
    private final List<Entry> entries = new ArrayList<>();
    private long sequence;

    private record Entry(long seq, UsageRecord record) {
    }

    private static final Comparator<Entry> OLDEST_FIRST =
            Comparator.comparing((Entry e) -> e.record.timestamp()).thenComparingLong(Entry::seq);

    @Override
    public void insertAll(List<UsageRecord> records) {
        Objects.requireNonNull(records, "records");
        List<UsageRecord> stored = new ArrayList<>(records.size());
        for (UsageRecord r : records) {
            Objects.requireNonNull(r, "record");
            stored.add(new UsageRecord(r.requestId(), r.timestamp().truncatedTo(ChronoUnit.MICROS), r.projectId(),
                    r.tokenId(), r.method(), r.endpoint(), r.model(), r.responseModel(), r.status(), r.streamed(),
                    r.cacheStatus(), r.promptTokens(), r.completionTokens(), r.totalTokens(), r.cachedTokens(),
                    r.tokensEstimated(), r.latencyMillis(), r.ttftMillis(), r.costNanos(), r.costKnown(), r.toolCalls(),
                    r.errorCode()));
        }
        synchronized (entries) {
            for (UsageRecord r : stored) {
                entries.add(new Entry(sequence++, r));
            }
        }
    }

    @Override
    public List<UsageRecord> recent(int limit, String projectId) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive, got " + limit);
        }
        return snapshot(new UsageQuery(projectId, null, null, null), OLDEST_FIRST.reversed()).stream()
                .limit(limit).map(Entry::record).toList();
    }

    @Override
    public void scan(UsageQuery query, Visitor visitor) throws IOException {
        Objects.requireNonNull(query, "query");
        for (Entry e : snapshot(query, OLDEST_FIRST)) {
            visitor.accept(e.record);
        }
    }

    @Override
    public long deleteBefore(Instant cutoff) {
        Objects.requireNonNull(cutoff, "cutoff");
        synchronized (entries) {
            int before = entries.size();
            entries.removeIf(e -> e.record.timestamp().isBefore(cutoff));
            return before - entries.size();
        }
    }

    private List<Entry> snapshot(UsageQuery query, Comparator<Entry> order) {
        List<Entry> out;
        synchronized (entries) {
            out = new ArrayList<>(entries.size());
            for (Entry e : entries) {
                if (query.matches(e.record)) {
                    out.add(e);
                }
            }
        }
        out.sort(order);
        return out;
    }
}
