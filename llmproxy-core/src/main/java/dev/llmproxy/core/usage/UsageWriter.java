package dev.llmproxy.core.usage;

import dev.llmproxy.core.metrics.ProxyMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes usage records to a {@link UsageStore} in the background: the proxy's event loops
 * {@link #record hand over} observations without blocking or locking (a lock-free queue bounded by
 * a counter; when full the observation is dropped, counted, and a WARN is logged at most every
 * {@value #WARN_EVERY_SECONDS} s); one writer thread turns them into records
 * ({@link UsageRecords}: parsing, token estimates, prices), inserts up to {@code batchSize} per
 * transaction, adds cost to the metrics, and — when a retention is set — deletes records older
 * than it once an hour. {@link #close} stops taking new observations and writes every queued one
 * before returning (within 30 s).
 *
 * <p>A failing store (database down) does not lose the batch in hand: it is retried with backoff
 * (100 ms doubling to 5 s) while new observations wait in the bounded queue (beyond it they are
 * dropped and counted, so an outage never backs up into requests). A batch still failing after
 * {@link #DEFAULT_GIVE_UP_AFTER} is written one record at a time, so that a single record the
 * database refuses cannot hold back the rest; only the records that still fail are counted as
 * failed. On {@link #close} a failing batch gets {@value #CLOSE_RETRY_SECONDS} s more.
 * Thread-safe.
 */
public final class UsageWriter implements UsageSink, AutoCloseable {

    public static final int DEFAULT_QUEUE_CAPACITY = 10_000;
    public static final int DEFAULT_BATCH_SIZE = 500;
    static final int WARN_EVERY_SECONDS = 10;
    /**
     * Sleep when the queue is empty: 1 ms after a batch, doubling to 50 ms while nothing comes.
     * Under light load this writes small batches often instead of one large batch every 50 ms:
     * at c=1 a 50 ms batch was ~400 records and ~2.5 ms of CPU in one piece, which on a 2-core
     * machine delayed whichever request shared its core by as much (the c=1 p99); idle, the
     * thread still wakes only every 50 ms.
     */
    private static final long MIN_IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final Duration RETENTION_INTERVAL = Duration.ofHours(1);
    /** How long one batch is retried as a whole before it is written record by record. */
    public static final Duration DEFAULT_GIVE_UP_AFTER = Duration.ofMinutes(2);
    static final int CLOSE_RETRY_SECONDS = 10;
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(5);

    private static final Logger log = LoggerFactory.getLogger(UsageWriter.class);

    private final UsageStore store;
    private final UsageRecords records;
    private final int capacity;
    private final int batchSize;
    private final Duration retention;
    private final Clock clock;
    private final ConcurrentLinkedQueue<UsageObservation> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong deleted = new AtomicLong();
    private final AtomicLong lastDropWarnNanos = new AtomicLong(System.nanoTime() - TimeUnit.SECONDS.toNanos(WARN_EVERY_SECONDS));
    private final AtomicLong droppedSinceWarn = new AtomicLong();
    private final Thread thread;
    private volatile boolean closed;
    private volatile long closedAtNanos;
    private final long giveUpAfterNanos;
    private volatile ProxyMetrics metrics = ProxyMetrics.NOOP;
    private Instant nextRetentionRun;

    /**
     * @param store         where records go
     * @param records       turns observations into records (carries the price table)
     * @param queueCapacity observations waiting to be written before new ones are dropped
     * @param batchSize     records per insert transaction
     * @param retention     records older than this are deleted hourly; null keeps everything
     * @param clock         for retention
     */
    public UsageWriter(UsageStore store, UsageRecords records, int queueCapacity, int batchSize, Duration retention,
                       Clock clock) {
        this(store, records, queueCapacity, batchSize, retention, clock, DEFAULT_GIVE_UP_AFTER);
    }

    UsageWriter(UsageStore store, UsageRecords records, int queueCapacity, int batchSize, Duration retention,
                Clock clock, Duration giveUpAfter) {
        this.giveUpAfterNanos = giveUpAfter.toNanos();
        if (queueCapacity < 1 || batchSize < 1) {
            throw new IllegalArgumentException("queue capacity and batch size must be positive");
        }
        if (retention != null && (retention.isNegative() || retention.isZero())) {
            throw new IllegalArgumentException("retention must be positive, got " + retention);
        }
        this.store = store;
        this.records = records;
        this.capacity = queueCapacity;
        this.batchSize = batchSize;
        this.retention = retention;
        this.clock = clock;
        this.thread = new Thread(this::run, "llmproxy-usage-writer");
        thread.setDaemon(true);
        thread.start();
    }

    /** Where cost is counted ({@code llm_cost_usd_total}); default nowhere. */
    public void metrics(ProxyMetrics value) {
        this.metrics = value == null ? ProxyMetrics.NOOP : value;
    }

    @Override
    public void record(UsageObservation observation) {
        if (closed) {
            dropped.incrementAndGet();
            return;
        }
        if (queued.incrementAndGet() > capacity) {
            queued.decrementAndGet();
            dropped.incrementAndGet();
            droppedSinceWarn.incrementAndGet();
            warnDropsRateLimited();
            return;
        }
        queue.offer(observation);
    }

    private void warnDropsRateLimited() {
        long now = System.nanoTime();
        long last = lastDropWarnNanos.get();
        if (now - last >= TimeUnit.SECONDS.toNanos(WARN_EVERY_SECONDS) && lastDropWarnNanos.compareAndSet(last, now)) {
            log.warn("usage writer queue full ({} records): dropped {} usage records in the last {} s ({} in total);"
                    + " the database is slow or down", capacity, droppedSinceWarn.getAndSet(0), WARN_EVERY_SECONDS,
                    dropped.get());
        }
    }

    /** Counters for metrics and tests. */
    public Stats stats() {
        return new Stats(written.get(), dropped.get(), failed.get(), Math.max(0, queued.get()), batches.get(),
                deleted.get());
    }

    /**
     * @param written    records stored
     * @param dropped    observations dropped because the queue was full (or the writer closed)
     * @param failed     records lost because the store failed
     * @param queueDepth observations waiting
     * @param batches    insert transactions committed
     * @param deleted    records removed by retention
     */
    public record Stats(long written, long dropped, long failed, long queueDepth, long batches, long deleted) {
    }

    private void run() {
        List<UsageObservation> batch = new ArrayList<>(batchSize);
        long idlePark = MIN_IDLE_PARK_NANOS;
        while (true) {
            UsageObservation o;
            while (batch.size() < batchSize && (o = queue.poll()) != null) {
                queued.decrementAndGet();
                batch.add(o);
            }
            if (!batch.isEmpty()) {
                write(batch);
                batch.clear();
                idlePark = MIN_IDLE_PARK_NANOS;
                continue;
            }
            if (closed) {
                return; // closed and drained
            }
            applyRetention();
            LockSupport.parkNanos(this, idlePark);
            idlePark = Math.min(idlePark * 2, IDLE_PARK_NANOS);
        }
    }

    private void write(List<UsageObservation> batch) {
        List<UsageRecord> out = new ArrayList<>(batch.size());
        for (UsageObservation o : batch) {
            try {
                out.add(records.toRecord(o));
            } catch (RuntimeException e) {
                failed.incrementAndGet();
                log.warn("cannot build the usage record of request {}: {}", o.requestId(), e.toString());
            }
        }
        if (out.isEmpty()) {
            return;
        }
        List<UsageRecord> stored = insertRetrying(out);
        ProxyMetrics m = metrics;
        for (UsageRecord r : stored) {
            if (r.costNanos() > 0) {
                try {
                    m.cost(r.projectId(), r.model(), r.costNanos() / 1e9);
                } catch (RuntimeException e) {
                    log.debug("cost metric failed: {}", e.toString());
                }
            }
        }
    }

    /** Inserts {@code out}, retrying while the store fails; returns the records that were stored. */
    private List<UsageRecord> insertRetrying(List<UsageRecord> out) {
        long started = System.nanoTime();
        long backoff = FIRST_BACKOFF_NANOS;
        int attempts = 0;
        while (true) {
            attempts++;
            try {
                store.insertAll(out);
                written.addAndGet(out.size());
                batches.incrementAndGet();
                if (attempts > 1) {
                    log.info("stored {} usage records after {} failed attempts", out.size(), attempts - 1);
                }
                return out;
            } catch (RuntimeException e) {
                if (attempts == 1) {
                    log.warn("storing {} usage records failed; retrying (new records wait in the queue): {}",
                            out.size(), e.toString());
                }
                long now = System.nanoTime();
                boolean giveUp = now - started >= giveUpAfterNanos
                        || (closed && now - closedAtNanos >= TimeUnit.SECONDS.toNanos(CLOSE_RETRY_SECONDS));
                if (giveUp) {
                    return insertOneByOne(out);
                }
                LockSupport.parkNanos(this, backoff); // close() unparks
                backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
            }
        }
    }

    /** The last resort for a batch: whatever the store refuses on its own is lost and counted. */
    private List<UsageRecord> insertOneByOne(List<UsageRecord> out) {
        List<UsageRecord> stored = new ArrayList<>(out.size());
        RuntimeException last = null;
        for (UsageRecord r : out) {
            try {
                store.insertAll(List.of(r));
                stored.add(r);
            } catch (RuntimeException e) {
                last = e;
                failed.incrementAndGet();
            }
        }
        written.addAndGet(stored.size());
        if (last != null) {
            log.warn("{} of {} usage records could not be stored and are lost: {}", out.size() - stored.size(),
                    out.size(), last.toString());
        }
        return stored;
    }

    private void applyRetention() {
        if (retention == null) {
            return;
        }
        Instant now = clock.instant();
        if (nextRetentionRun != null && now.isBefore(nextRetentionRun)) {
            return;
        }
        nextRetentionRun = now.plus(RETENTION_INTERVAL);
        try {
            long n = store.deleteBefore(now.minus(retention));
            deleted.addAndGet(n);
            if (n > 0) {
                log.info("usage retention: deleted {} records older than {}", n, retention);
            }
        } catch (RuntimeException e) {
            log.warn("usage retention failed (retrying in {}): {}", RETENTION_INTERVAL, e.toString());
        }
    }

    /** Stops taking observations and writes every queued one; waits up to 30 s. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closedAtNanos = System.nanoTime();
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("usage writer still busy after 30 s; {} records may be lost", queued.get());
        }
        long lost = droppedSinceWarn.getAndSet(0);
        if (lost > 0) {
            log.warn("usage writer dropped {} records since the last warning", lost);
        }
    }
}
