package dev.llmproxy.core.usage;

import dev.llmproxy.core.store.InMemoryUsageStore;
import dev.llmproxy.core.store.StoreException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

class UsageWriterTest {

    /** A real in-memory store whose inserts can be held at a gate and made to fail. */
    private static final class GatedStore implements UsageStore {
        final InMemoryUsageStore delegate = new InMemoryUsageStore();
        final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        final CountDownLatch gate = new CountDownLatch(1);
        final CountDownLatch firstInsertStarted = new CountDownLatch(1);
        volatile boolean fail;
        /** Records with this request id are refused by the "database" whatever the batch. */
        volatile String poison;
        final java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public void insertAll(List<UsageRecord> records) {
            attempts.incrementAndGet();
            firstInsertStarted.countDown();
            try {
                if (!gate.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (fail) {
                throw new StoreException("database down");
            }
            if (poison != null && records.stream().anyMatch(r -> r.requestId().equals(poison))) {
                throw new StoreException("value too long for column");
            }
            batchSizes.add(records.size());
            delegate.insertAll(records);
        }

        @Override
        public List<UsageRecord> recent(int limit, String projectId) {
            return delegate.recent(limit, projectId);
        }

        @Override
        public void scan(UsageQuery query, Visitor visitor) throws IOException {
            delegate.scan(query, visitor);
        }

        @Override
        public long deleteBefore(Instant cutoff) {
            return delegate.deleteBefore(cutoff);
        }

        long count() {
            return delegate.recent(100_000, null).size();
        }
    }

    private final GatedStore store = new GatedStore();
    private UsageWriter writer;

    @AfterEach
    void close() {
        store.gate.countDown();
        if (writer != null) {
            writer.close();
        }
    }

    private UsageWriter writer(int capacity, int batch) {
        writer = new UsageWriter(store, new UsageRecords(PriceTable.builtIn()), capacity, batch, null, Clock.systemUTC());
        return writer;
    }

    private UsageWriter writer(int capacity, int batch, Duration giveUpAfter) {
        writer = new UsageWriter(store, new UsageRecords(PriceTable.builtIn()), capacity, batch, null,
                Clock.systemUTC(), giveUpAfter);
        return writer;
    }

    private static UsageObservation observation(int i) {
        return new UsageObservation("req-" + i, Instant.now(), "p", "t", "POST", "/v1/chat/completions", null, 200,
                false, "NONE", 1_000_000, -1, null, null);
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(condition.getAsBoolean()).as("condition within 20 s").isTrue();
    }

    @Test
    void queuedRecords_areInsertedInBatchesOfAtMostTheBatchSize() throws Exception {
        UsageWriter w = writer(1000, 100);
        w.record(observation(0));
        assertThat(store.firstInsertStarted.await(20, TimeUnit.SECONDS)).isTrue(); // the writer holds record 0
        for (int i = 1; i <= 250; i++) {
            w.record(observation(i));
        }
        assertThat(w.stats().queueDepth()).isEqualTo(250);
        store.gate.countDown();

        await(() -> w.stats().written() == 251);
        assertThat(store.batchSizes).containsExactly(1, 100, 100, 50);
        assertThat(w.stats().batches()).isEqualTo(4);
        assertThat(store.count()).isEqualTo(251);
    }

    @Test
    void close_writesEverythingStillQueued() throws Exception {
        UsageWriter w = writer(1000, 10);
        for (int i = 0; i < 95; i++) {
            w.record(observation(i));
        }
        store.gate.countDown();
        w.close();

        assertThat(store.count()).isEqualTo(95);
        assertThat(w.stats().written()).isEqualTo(95);
        assertThat(w.stats().queueDepth()).isZero();
        w.record(observation(999));
        assertThat(w.stats().dropped()).as("closed: no longer accepted").isEqualTo(1);
    }

    @Test
    void aFullQueue_dropsAndCounts_withoutBlockingTheCaller() throws Exception {
        UsageWriter w = writer(10, 100);
        w.record(observation(0));
        assertThat(store.firstInsertStarted.await(20, TimeUnit.SECONDS)).isTrue();
        long started = System.nanoTime();
        for (int i = 1; i <= 25; i++) {
            w.record(observation(i));
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("never waits for the store")
                .isLessThan(Duration.ofSeconds(5));
        assertThat(w.stats().dropped()).isEqualTo(15);
        assertThat(w.stats().queueDepth()).isEqualTo(10);

        store.gate.countDown();
        w.close();
        assertThat(w.stats().written()).isEqualTo(11);
        assertThat(store.count()).isEqualTo(11);
    }

    @Test
    void aFailingStore_keepsTheBatch_andStoresItWhenTheDatabaseIsBack() throws Exception {
        UsageWriter w = writer(100, 100);
        store.fail = true;
        store.gate.countDown();
        w.record(observation(1));
        await(() -> store.attempts.get() >= 3); // the database is down for a few retries
        w.record(observation(2)); // waits in the queue meanwhile
        store.fail = false;
        await(() -> w.stats().written() == 2);
        assertThat(w.stats().failed()).isZero();
        assertThat(store.delegate.recent(10, null)).extracting(UsageRecord::requestId)
                .containsExactlyInAnyOrder("req-1", "req-2");
    }

    @Test
    void aRecordTheDatabaseRefuses_isLostAlone_afterTheBatchIsTriedRecordByRecord() throws Exception {
        UsageWriter w = writer(100, 100, Duration.ofMillis(300));
        store.poison = "req-2";
        w.record(observation(1));
        w.record(observation(2));
        w.record(observation(3));
        store.gate.countDown();
        await(() -> w.stats().written() == 2 && w.stats().failed() == 1);
        assertThat(store.delegate.recent(10, null)).extracting(UsageRecord::requestId)
                .containsExactlyInAnyOrder("req-1", "req-3");
        w.record(observation(4)); // and the writer carries on
        await(() -> w.stats().written() == 3);
    }

    @Test
    void close_givesAFailingBatchAFewMoreSeconds_thenCountsItAsFailed() throws Exception {
        UsageWriter w = writer(100, 100);
        store.fail = true;
        store.gate.countDown();
        w.record(observation(1));
        await(() -> store.attempts.get() >= 2);
        long started = System.nanoTime();
        w.close();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(25));
        assertThat(w.stats().failed()).isEqualTo(1);
        assertThat(w.stats().written()).isZero();
    }

    @Test
    void retention_deletesRecordsOlderThanItOnStart() throws Exception {
        store.gate.countDown();
        store.delegate.insertAll(List.of(
                new UsageRecords(PriceTable.builtIn()).toRecord(new UsageObservation("old", Instant.now().minus(Duration.ofDays(40)),
                        "p", "t", "GET", "/v1/models", null, 200, false, "NONE", 0, -1, null, null)),
                new UsageRecords(PriceTable.builtIn()).toRecord(observation(1))));
        writer = new UsageWriter(store, new UsageRecords(PriceTable.builtIn()), 10, 10, Duration.ofDays(30),
                Clock.systemUTC());
        await(() -> writer.stats().deleted() == 1);
        assertThat(store.delegate.recent(10, null)).extracting(UsageRecord::requestId).containsExactly("req-1");
    }
}
