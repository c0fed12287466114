package dev.llmproxy.core.proxy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The one background thread that finishes the bookkeeping of exchanges that reached the upstream,
 * off the event loops: reading model and usage from the captured answer, counting tokens,
 * redacting headers into the instrumentation event, publishing it, and handing the usage
 * observation to the usage writer. The event loop only takes copies it already had and enqueues
 * (a lock-free offer; an unpark only when the thread has found nothing to do for a 1 ms linger
 * and sleeps, so under load the event loop makes no system call for it).
 *
 * <p><b>Lossless and ordered.</b> Jobs run one at a time in the order they were submitted, so
 * each event loop's events reach the bus in the order its exchanges ended, as when they were
 * published inline. Nothing is dropped here: when {@value #MAX_QUEUED} jobs are waiting (the
 * thread starved of CPU) or after {@link #close}, the submitting thread runs the job itself,
 * which keeps memory bounded at the price of that job overtaking the queued ones.
 *
 * <p>The thread starts with the first job, so an engine without events or usage has none.
 * Thread-safe.
 */
final class ExchangeCompletions implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ExchangeCompletions.class);

    /** Jobs waiting before submitters run them inline; each holds at most the two body caps. */
    static final int MAX_QUEUED = 4096;
    private static final long PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile Thread thread;
    /** Set by the thread before it parks; submitters unpark it only then (Dekker with the queue). */
    private volatile boolean parked;
    private volatile boolean closed;

    /** Runs {@code job} on the completion thread, or inline when the queue is full or closed. */
    void submit(Runnable job) {
        if (closed || queued.get() >= MAX_QUEUED) {
            runSafely(job);
            return;
        }
        if (!started.get() && started.compareAndSet(false, true)) {
            Thread t = new Thread(this::run, "llmproxy-exchange-completions");
            t.setDaemon(true);
            thread = t;
            t.start();
        }
        queued.incrementAndGet();
        queue.offer(job);
        if (parked) {
            Thread t = thread;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    /** Jobs waiting (for tests and diagnostics). */
    int queued() {
        return Math.max(0, queued.get());
    }

    private void run() {
        while (true) {
            Runnable job = queue.poll();
            if (job != null) {
                queued.decrementAndGet();
                runSafely(job);
                continue;
            }
            if (closed) {
                return;
            }
            // Linger first without advertising it: under steady load the next jobs arrive within
            // the linger and submitters do not have to unpark this thread (a futex call on the
            // event loop per request). Only a thread that found nothing after it parks for real.
            LockSupport.parkNanos(this, LINGER_NANOS);
            if (!queue.isEmpty() || closed) {
                continue;
            }
            parked = true;
            if (queue.isEmpty() && !closed) {
                LockSupport.parkNanos(this, PARK_NANOS);
            }
            parked = false;
        }
    }

    private static void runSafely(Runnable job) {
        try {
            job.run();
        } catch (RuntimeException e) {
            // Telemetry must never break anything else; the job logs its own failures.
            log.warn("exchange completion failed: {}", e.toString());
        }
    }

    /**
     * Runs every queued job (waiting up to 30 s) and makes later submissions run inline. Call it
     * after the event loops stopped and before the event bus and the usage writer are closed.
     */
    @Override
    public void close() {
        closed = true;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Runnable job;
        while ((job = queue.poll()) != null) { // a submission that raced with closing
            queued.decrementAndGet();
            runSafely(job);
        }
    }
}
