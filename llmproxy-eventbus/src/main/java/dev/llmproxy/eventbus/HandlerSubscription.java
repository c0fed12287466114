package dev.llmproxy.eventbus;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an {@link EventHandler} over a {@link PullSubscription} on a dedicated daemon thread:
 * poll, handle, ack (or nack on failure and back off). Shared by every bus, so the handler
 * contract is the same everywhere.
 */
final class HandlerSubscription implements Subscription {
    private static final Logger log = LoggerFactory.getLogger(HandlerSubscription.class);
    private static final int DEFAULT_BATCH_SIZE = EventBusConfig.DEFAULT_BATCH_SIZE;
    private static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofSeconds(1);
    private static final long FIRST_BACKOFF_MILLIS = 100;
    private static final long MAX_BACKOFF_MILLIS = 5_000;
    private static final AtomicInteger THREAD_IDS = new AtomicInteger();

    private final PullSubscription pull;
    private final EventHandler handler;
    private final int batchSize;
    private final Duration pollTimeout;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread worker;

    private HandlerSubscription(PullSubscription pull, SubscriptionOptions options, EventHandler handler) {
        this.pull = pull;
        this.handler = handler;
        this.batchSize = options.batchSize() > 0 ? options.batchSize() : DEFAULT_BATCH_SIZE;
        this.pollTimeout = options.pollTimeout() != null ? options.pollTimeout() : DEFAULT_POLL_TIMEOUT;
        this.worker = new Thread(this::run, "llmproxy-events-" + pull.group() + "-" + pull.consumer()
                + "-" + THREAD_IDS.incrementAndGet());
        // Daemon: a forgotten subscription must not keep the JVM alive; close() is the graceful path.
        worker.setDaemon(true);
    }

    static Subscription start(PullSubscription pull, SubscriptionOptions options, EventHandler handler) {
        Objects.requireNonNull(handler, "handler");
        HandlerSubscription s = new HandlerSubscription(pull, options, handler);
        s.worker.start();
        return s;
    }

    private void run() {
        long backoff = 0;
        while (true) {
            List<Delivery> batch;
            try {
                batch = pull.poll(batchSize, pollTimeout);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("[{}/{}] poll failed; retrying", pull.group(), pull.consumer(), e);
                backoff = nextBackoff(backoff);
                if (pause(backoff)) {
                    return;
                }
                continue;
            }
            if (batch.isEmpty()) {
                if (pull.isClosed()) {
                    return;
                }
                continue;
            }
            try {
                handler.handle(Collections.unmodifiableList(batch));
            } catch (Exception | AssertionError | LinkageError e) {
                log.warn("[{}/{}] handler failed on a batch of {} events; not acknowledged",
                        pull.group(), pull.consumer(), batch.size(), e);
                pull.nack(batch);
                backoff = nextBackoff(backoff);
                if (pause(backoff)) {
                    return;
                }
                continue;
            }
            pull.ack(batch);
            backoff = 0;
        }
    }

    private static long nextBackoff(long current) {
        return current == 0 ? FIRST_BACKOFF_MILLIS : Math.min(current * 2, MAX_BACKOFF_MILLIS);
    }

    /** Sleeps unless closed first; returns true when closed. */
    private boolean pause(long millis) {
        try {
            return stop.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            return true;
        }
    }

    @Override
    public String group() {
        return pull.group();
    }

    @Override
    public String consumer() {
        return pull.consumer();
    }

    @Override
    public SubscriptionStats stats() {
        return pull.stats();
    }

    @Override
    public boolean isClosed() {
        return pull.isClosed();
    }

    @Override
    public void close() {
        pull.close();
        stop.countDown();
        if (Thread.currentThread() == worker) {
            return; // closed from inside the handler: the loop ends after this batch
        }
        try {
            worker.join(EventBus.DEFAULT_CLOSE_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (worker.isAlive()) {
            log.warn("[{}/{}] handler still busy after {}; leaving its thread to finish",
                    pull.group(), pull.consumer(), EventBus.DEFAULT_CLOSE_TIMEOUT);
        }
    }

    @Override
    public String toString() {
        return "HandlerSubscription[" + pull.group() + "/" + pull.consumer() + "]";
    }
}
