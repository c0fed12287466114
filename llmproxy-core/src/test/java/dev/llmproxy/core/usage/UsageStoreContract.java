package dev.llmproxy.core.usage;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What every {@link UsageStore} must do. Subclasses (one per backend) supply a fresh, empty store per test. */
public abstract class UsageStoreContract {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00.000001Z");

    protected UsageStore store;

    /** A fresh, empty store of the backend under test. */
    protected abstract UsageStore openStore();

    @BeforeEach
    void open() {
        store = openStore();
    }

    private static UsageRecord record(String id, Instant at, String project, String model) {
        return new UsageRecord(id, at, project, "tok-" + id, "POST", "/v1/chat/completions", model, null, 200, true,
                "MISS", 11, 7, 18, 3, false, 1234, 56L, 98_765, true, 2, null);
    }

    private List<UsageRecord> scan(UsageQuery q) throws IOException {
        List<UsageRecord> out = new ArrayList<>();
        store.scan(q, out::add);
        return out;
    }

    @Test
    void insert_thenScan_returnsEqualRecords_oldestFirst_withTiesInInsertionOrder() throws IOException {
        UsageRecord full = new UsageRecord("r1", T0.plusNanos(1999), "p1", "t1", "POST", "/v1/chat/completions", "gpt-4o",
                "gpt-4o-2024-08-06", 200, true, "MISS", 11, 7, 18, 3, true, 1234, 56L, 98_765, true, 2, null);
        UsageRecord sparse = new UsageRecord("r2", T0.minusSeconds(5), null, null, "GET", "/v1/nope", null, null, 404,
                false, "NONE", 0, 0, 0, 0, false, 3, null, 0, false, 0, "endpoint_not_found");
        UsageRecord tie = record("r3", T0.plusNanos(1999), "p1", "gpt-4o");
        store.insertAll(List.of(full, sparse, tie));

        List<UsageRecord> all = scan(UsageQuery.all());
        assertThat(all).extracting(UsageRecord::requestId).containsExactly("r2", "r1", "r3");
        assertThat(all.get(1)).as("microseconds kept, nanos dropped")
                .isEqualTo(new UsageRecord("r1", T0.plusNanos(1000), "p1", "t1", "POST", "/v1/chat/completions", "gpt-4o",
                        "gpt-4o-2024-08-06", 200, true, "MISS", 11, 7, 18, 3, true, 1234, 56L, 98_765, true, 2, null));
        assertThat(all.get(0)).isEqualTo(sparse);
    }

    @Test
    void scan_filtersByProjectModelAndHalfOpenTimeRange() throws IOException {
        store.insertAll(List.of(record("a", T0, "p1", "m1"), record("b", T0.plusSeconds(1), "p1", "m2"),
                record("c", T0.plusSeconds(2), "p2", "m1"), record("d", T0.plusSeconds(3), null, null)));

        assertThat(scan(new UsageQuery("p1", null, null, null))).extracting(UsageRecord::requestId).containsExactly("a", "b");
        assertThat(scan(new UsageQuery(null, "m1", null, null))).extracting(UsageRecord::requestId).containsExactly("a", "c");
        assertThat(scan(new UsageQuery(null, null, T0.plusSeconds(1), T0.plusSeconds(3))))
                .extracting(UsageRecord::requestId).containsExactly("b", "c");
        assertThat(scan(new UsageQuery("p2", "m2", null, null))).isEmpty();
    }

    @Test
    void recent_isNewestFirst_limited_andFilteredByProject() {
        for (int i = 0; i < 5; i++) {
            store.insertAll(List.of(record("r" + i, T0.plusSeconds(i), i % 2 == 0 ? "even" : "odd", "m")));
        }
        assertThat(store.recent(3, null)).extracting(UsageRecord::requestId).containsExactly("r4", "r3", "r2");
        assertThat(store.recent(10, "odd")).extracting(UsageRecord::requestId).containsExactly("r3", "r1");
    }

    @Test
    void manyRecords_inOneCall_areAllStored_andStreamedBack() throws IOException {
        List<UsageRecord> batch = new ArrayList<>();
        for (int i = 0; i < 2500; i++) {
            batch.add(record("bulk-" + i, T0.plusMillis(i), "p", "m"));
        }
        store.insertAll(batch);
        long[] seen = {0};
        long[] tokens = {0};
        store.scan(UsageQuery.all(), r -> {
            seen[0]++;
            tokens[0] += r.totalTokens();
        });
        assertThat(seen[0]).isEqualTo(2500);
        assertThat(tokens[0]).isEqualTo(2500L * 18);
    }

    @Test
    void aVisitorFailure_stopsTheScan_andIsRethrown() {
        store.insertAll(List.of(record("a", T0, "p", "m"), record("b", T0.plusSeconds(1), "p", "m")));
        List<String> seen = new ArrayList<>();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.scan(UsageQuery.all(), r -> {
            seen.add(r.requestId());
            throw new IOException("client gone");
        })).isInstanceOf(IOException.class).hasMessage("client gone");
        assertThat(seen).containsExactly("a");
        assertThat(store.recent(5, null)).as("the store still works").hasSize(2);
    }

    @Test
    void deleteBefore_removesOnlyOlderRecords() {
        store.insertAll(List.of(record("old", T0.minusSeconds(10), "p", "m"), record("edge", T0, "p", "m"),
                record("new", T0.plusSeconds(10), "p", "m")));
        assertThat(store.deleteBefore(T0)).isEqualTo(1);
        assertThat(store.recent(10, null)).extracting(UsageRecord::requestId).containsExactly("new", "edge");
    }
}
