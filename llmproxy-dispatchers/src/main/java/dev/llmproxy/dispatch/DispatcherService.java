package dev.llmproxy.dispatch;

import dev.llmproxy.eventbus.Backlog;
import dev.llmproxy.eventbus.Delivery;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBusException;
import dev.llmproxy.eventbus.PullSubscription;
import dev.llmproxy.eventbus.SubscriptionStats;
import dev.llmproxy.eventbus.SubscriptionOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads events from an {@link EventBus}, transforms them and ships them to a {@link Dispatcher}
 * in batches, acknowledging each event on the bus only once the backend accepted it (or refused
 * it for good). This is what {@code llm-proxy dispatcher} runs; an application can embed it too.
 *
 * <pre>{@code
 * DispatcherService service = DispatcherService.builder()
 *         .name("langfuse").bus(bus).dispatcher(Dispatchers.load("langfuse", config))
 *         .batchSize(100).flushInterval(Duration.ofSeconds(5))
 *         .build().start();
 * ...
 * service.stop(Duration.ofSeconds(10));   // flush, ack, close the dispatcher
 * }</pre>
 *
 * <h2>The loop</h2>
 * One thread ({@code dispatcher-<name>}) joins the bus group (default {@code dispatcher-<name>}:
 * every dispatcher service gets every event; services sharing a group split them) and repeats:
 * poll up to the missing number of events; transform each ({@link EventTransformer}); events the
 * dispatcher does not {@linkplain Dispatcher#accepts take} are acknowledged and counted as
 * skipped; the rest join the batch. The batch is sent when it reaches {@code batchSize}, or when
 * its oldest event has waited {@code flushInterval}.
 *
 * <h2>Delivery</h2>
 * The {@link DispatchResult} decides per event:
 * <ul>
 *   <li><b>accepted</b>: acknowledged on the bus, counted {@code sent};</li>
 *   <li><b>permanent failure</b>: acknowledged, counted {@code failed}, logged with its request id
 *       and reason, never retried;</li>
 *   <li><b>transient failure</b> (also: the dispatcher threw, its stage failed, or did not complete
 *       within {@code sendTimeout}): kept, not acknowledged, and re-sent <em>alone</em> (the
 *       accepted events of the same batch are never re-sent) after an exponential backoff with
 *       full jitter: a random wait in {@code [0, min(maxBackoff, baseBackoff × 2^n)]} for the n-th
 *       retry, and at least the backend's {@code Retry-After} (capped at 5 minutes). The service
 *       polls no new events meanwhile: the backend is the bottleneck, and the bus holds the
 *       rest.</li>
 * </ul>
 * Retries are bounded by age, not by count: an event that has been failing transiently for longer
 * than {@code maxRetryAge} (default 1 hour) is given up, counted {@code failed}, acknowledged and
 * logged at ERROR. That rides out an ordinary backend outage without losing anything, and still
 * lets a backend that refuses one event forever with a 5xx stop blocking the rest. Zero means
 * retry forever.
 *
 * <h2>Guarantees</h2>
 * With {@code redis-streams}: at-least-once. Nothing is acknowledged before the backend answered,
 * so a crash ({@code kill -9}) at any point leaves unacknowledged events pending in Redis; a
 * restart with the same consumer name ({@code REDIS_CONSUMER_NAME}) re-reads them at once,
 * another consumer of the group claims them after {@code REDIS_STREAM_CLAIM_TIME}. Events that
 * were accepted but not yet acknowledged when the process died are sent twice. Keep
 * {@code REDIS_STREAM_CLAIM_TIME} above the longest outage you expect to ride out, or a second
 * consumer of the group may claim (and send) events this one is still retrying. With
 * {@code in-memory}: at-most-once across restarts; within the process nothing is lost while the
 * service runs.
 *
 * <h2>Stopping</h2>
 * {@link #stop(Duration)} (the CLI calls it on SIGINT/SIGTERM): stop polling, send the batch in
 * hand and acknowledge what the backend accepted, keep retrying transient failures until the
 * deadline, give back ({@code nack}) whatever is still unsent (Redis keeps it pending for the next
 * run; the in-memory bus drops and counts it), leave the group, close the dispatcher.
 *
 * <p>Thread-safe: {@link #stats()}, {@link #backlog()} and {@link #stop} may be called from any thread.
 */
public final class DispatcherService implements AutoCloseable {

    public static final int DEFAULT_BATCH_SIZE = 100;
    public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_BASE_BACKOFF = Duration.ofMillis(200);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(30);
    public static final Duration DEFAULT_MAX_RETRY_AGE = Duration.ofHours(1);
    public static final Duration DEFAULT_SEND_TIMEOUT = Duration.ofMinutes(2);
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);
    /** Longest single poll, so a stop request is noticed quickly even when the bus is idle. */
    static final long MAX_POLL_MILLIS = 500;
    /** A backend's Retry-After is honoured up to this long per wait. */
    static final long MAX_RETRY_AFTER_MILLIS = Duration.ofMinutes(5).toMillis();
    private static final int MAX_IDS_LOGGED = 5;

    private static final Logger log = LoggerFactory.getLogger(DispatcherService.class);

    private final String name;
    private final EventBus bus;
    private final Dispatcher dispatcher;
    private final EventTransformer transformer;
    private final SubscriptionOptions subscriptionOptions;
    private final int batchSize;
    private final Duration flushInterval;
    private final Backoff backoff;
    private final Duration maxRetryAge;
    private final Duration sendTimeout;

    private final AtomicLong processed = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final SendLag sendLag = new SendLag();
    // Written by the loop thread only, read by stats(): volatile is enough.
    private volatile int heldCount;
    private volatile long oldestHeldEpochMillis;
    private volatile String lastError;
    private volatile Instant lastErrorAt;

    private final Object lifecycle = new Object();
    private final Object wake = new Object();
    private volatile boolean stopping;
    private volatile long stopDeadlineNanos;
    private PullSubscription subscription;
    private Thread thread;
    private volatile boolean running;

    private DispatcherService(Builder b) {
        this.name = b.name;
        this.bus = b.bus;
        this.dispatcher = b.dispatcher;
        this.transformer = b.transformer;
        this.subscriptionOptions = SubscriptionOptions.group(b.group != null ? b.group : "dispatcher-" + b.name)
                .withConsumer(b.consumer);
        this.batchSize = b.batchSize;
        this.flushInterval = b.flushInterval;
        this.backoff = new Backoff(b.baseBackoff, b.maxBackoff);
        this.maxRetryAge = b.maxRetryAge;
        this.sendTimeout = b.sendTimeout;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Joins the bus group and starts the loop thread.
     *
     * @return this
     * @throws IllegalStateException if already started, or if the bus is closed
     */
    public DispatcherService start() {
        synchronized (lifecycle) {
            if (thread != null) {
                throw new IllegalStateException("already started");
            }
            subscription = bus.subscribe(subscriptionOptions);
            thread = new Thread(this::run, "dispatcher-" + name);
            running = true;
            thread.start();
        }
        log.info("dispatcher '{}' started: group {}, consumer {}, batch size {}, flush interval {} ms", name,
                subscription.group(), subscription.consumer(), batchSize, flushInterval.toMillis());
        return this;
    }

    /** The service name (the dispatcher's name, used in thread names, logs and the default group). */
    public String name() {
        return name;
    }

    /** The bus group; null before {@link #start()}. */
    public String group() {
        PullSubscription s = subscription;
        return s == null ? null : s.group();
    }

    /** This consumer's name in the group; null before {@link #start()}. */
    public String consumer() {
        PullSubscription s = subscription;
        return s == null ? null : s.consumer();
    }

    /** Whether the bus connection works (always true for the in-memory bus); false before start. */
    public boolean busConnected() {
        PullSubscription s = subscription;
        return s != null && s.stats().connected();
    }

    /** The bus subscription's counters (delivered, acked, nacked, ...); null before {@link #start()}. */
    public SubscriptionStats busStats() {
        PullSubscription s = subscription;
        return s == null ? null : s.stats();
    }

    /** Event timestamp → backend acceptance, per accepted event; cheap, no I/O. */
    public SendLag sendLag() {
        return sendLag;
    }

    /** Counters; cheap, no I/O. */
    public DispatcherStats stats() {
        long oldest = oldestHeldEpochMillis;
        int held = heldCount;
        long lag = held == 0 || oldest == 0 ? 0 : Math.max(0, System.currentTimeMillis() - oldest);
        return new DispatcherStats(processed.get(), sent.get(), failed.get(), skipped.get(), retried.get(), held, lag,
                lastError, lastErrorAt, running);
    }

    /**
     * How far the group is behind on the bus. Does I/O with Redis; call it from a metrics or
     * health thread, not in a loop.
     *
     * @throws IllegalStateException before {@link #start()}
     * @throws EventBusException if the bus is unreachable
     */
    public Backlog backlog() {
        PullSubscription s = subscription;
        if (s == null) {
            throw new IllegalStateException("not started");
        }
        return s.backlog();
    }

    /**
     * Stops gracefully (see the class javadoc) and waits for the loop to finish, at most
     * {@code timeout} plus one poll. Idempotent.
     *
     * @return true if the loop finished in time; false if it had to be interrupted
     */
    public boolean stop(Duration timeout) {
        Thread t;
        synchronized (lifecycle) {
            t = thread;
            if (!stopping) {
                stopDeadlineNanos = System.nanoTime() + timeout.toNanos();
                stopping = true;
            }
        }
        synchronized (wake) {
            wake.notifyAll();
        }
        if (t == null || t == Thread.currentThread()) {
            return true;
        }
        try {
            t.join(timeout.toMillis() + MAX_POLL_MILLIS + 1000);
            if (t.isAlive()) {
                log.warn("dispatcher '{}' did not stop within {} ms; interrupting it", name, timeout.toMillis());
                t.interrupt();
                t.join(2000);
                return false;
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@link #stop(Duration)} with {@link #DEFAULT_STOP_TIMEOUT}. */
    @Override
    public void close() {
        stop(DEFAULT_STOP_TIMEOUT);
    }

    /** One event held by the service until the backend took it. */
    private static final class Held {
        final Delivery delivery;
        final DispatchEvent event;
        boolean failedBefore;
        long firstFailureNanos;

        Held(Delivery delivery, DispatchEvent event) {
            this.delivery = delivery;
            this.event = event;
        }
    }

    private void run() {
        List<Held> batch = new ArrayList<>();
        long batchDeadline = 0;
        try {
            while (!stopping && !subscription.isClosed()) {
                long waitMillis = batch.isEmpty() ? MAX_POLL_MILLIS
                        : Math.max(0, Math.min(MAX_POLL_MILLIS, (batchDeadline - System.nanoTime()) / 1_000_000));
                List<Delivery> got = subscription.poll(batchSize - batch.size(), Duration.ofMillis(waitMillis));
                for (Delivery d : got) {
                    Held h = accept(d);
                    if (h != null) {
                        if (batch.isEmpty()) {
                            batchDeadline = System.nanoTime() + flushInterval.toNanos();
                        }
                        batch.add(h);
                    }
                }
                publishHeld(batch);
                if (!batch.isEmpty() && (batch.size() >= batchSize || System.nanoTime() - batchDeadline >= 0)) {
                    deliver(batch);
                    batch.clear();
                    publishHeld(batch);
                }
            }
            if (!batch.isEmpty()) {
                log.info("dispatcher '{}' stopping: sending the last {} events", name, batch.size());
                deliver(batch);
                batch.clear();
            }
        } catch (InterruptedException e) {
            giveBack(batch, "interrupted");
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            log.error("dispatcher '{}' loop failed; {} unsent events stay unacknowledged", name, batch.size(), e);
            recordError("dispatcher loop failed: " + e);
            giveBack(batch, "loop failed");
        } finally {
            publishHeld(List.of());
            subscription.close();
            try {
                dispatcher.close();
            } catch (RuntimeException e) {
                log.warn("dispatcher '{}': close failed: {}", name, e.toString());
            }
            running = false;
            DispatcherStats s = stats();
            log.info("dispatcher '{}' stopped: processed {}, sent {}, failed {}, skipped {}, retried {}", name,
                    s.processed(), s.sent(), s.failed(), s.skipped(), s.retried());
        }
    }

    /** Transforms a delivery; null when it is settled at once (skipped or untransformable). */
    private Held accept(Delivery d) {
        processed.incrementAndGet();
        DispatchEvent event;
        try {
            event = transformer.transform(d.id(), d.event());
        } catch (RuntimeException e) {
            failed.incrementAndGet();
            recordError("cannot transform event " + d.event().requestId() + ": " + e);
            log.error("dispatcher '{}': cannot transform event {}; dropping it", name, d.event().requestId(), e);
            subscription.ack(List.of(d));
            return null;
        }
        boolean wanted;
        try {
            wanted = dispatcher.accepts(event);
        } catch (RuntimeException e) {
            log.warn("dispatcher '{}': accepts() threw for {}; sending it anyway: {}", name, d.event().requestId(),
                    e.toString());
            wanted = true;
        }
        if (!wanted) {
            skipped.incrementAndGet();
            subscription.ack(List.of(d));
            return null;
        }
        return new Held(d, event);
    }

    /**
     * Sends {@code batch} until every event is settled, retrying transient failures alone; during
     * shutdown gives back what is still unsent at the deadline.
     */
    private void deliver(List<Held> batch) throws InterruptedException {
        List<Held> remaining = new ArrayList<>(batch);
        int attempt = 0;
        while (true) {
            DispatchResult result = sendOnce(remaining);
            List<Delivery> settled = new ArrayList<>();
            List<Held> retry = new ArrayList<>();
            Map<String, List<String>> permanent = new LinkedHashMap<>();
            Map<String, List<String>> transientReasons = new LinkedHashMap<>();
            long retryAfterMillis = 0;
            long now = System.nanoTime();
            for (Held h : remaining) {
                DispatchResult.Outcome o = result.outcome(h.event.id());
                switch (o.status()) {
                    case ACCEPTED -> {
                        sendLag.record(System.currentTimeMillis() - h.event.startTime().toEpochMilli());
                        sent.incrementAndGet();
                        settled.add(h.delivery);
                    }
                    case PERMANENT_FAILURE -> {
                        // The reason first, then the counter: whoever sees the failure counted sees why.
                        recordError(reason(o));
                        failed.incrementAndGet();
                        settled.add(h.delivery);
                        permanent.computeIfAbsent(reason(o), k -> new ArrayList<>()).add(h.event.requestId());
                    }
                    default -> {
                        if (!h.failedBefore) {
                            h.failedBefore = true;
                            h.firstFailureNanos = now;
                        }
                        retry.add(h);
                        transientReasons.computeIfAbsent(reason(o), k -> new ArrayList<>()).add(h.event.requestId());
                        if (o.retryAfter() != null) {
                            retryAfterMillis = Math.max(retryAfterMillis, o.retryAfter().toMillis());
                        }
                    }
                }
            }
            if (!settled.isEmpty()) {
                subscription.ack(settled);
            }
            permanent.forEach((reason, ids) -> {
                log.warn("dispatcher '{}': {} event(s) rejected permanently, not retried: {} (request ids {})", name,
                        ids.size(), reason, sample(ids));
            });
            if (retry.isEmpty()) {
                return;
            }
            transientReasons.forEach((reason, ids) -> recordError(reason));
            retry = dropExpired(retry);
            publishHeld(retry);
            if (retry.isEmpty()) {
                return;
            }
            long delay = Math.max(backoff.delayMillis(attempt), Math.min(retryAfterMillis, MAX_RETRY_AFTER_MILLIS));
            if (stopping) {
                long left = (stopDeadlineNanos - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    giveBack(retry, "shutdown deadline reached");
                    return;
                }
                delay = Math.min(delay, left);
            }
            String reasons = String.join("; ", transientReasons.keySet());
            log.warn("dispatcher '{}': {} event(s) failed transiently ({}); retry #{} in {} ms", name, retry.size(),
                    reasons, attempt + 1, delay);
            sleep(delay);
            if (stopping && System.nanoTime() - stopDeadlineNanos >= 0) {
                giveBack(retry, "shutdown deadline reached");
                return;
            }
            retried.addAndGet(retry.size());
            attempt++;
            remaining = retry;
        }
    }

    private List<Held> dropExpired(List<Held> retry) {
        if (maxRetryAge.isZero()) {
            return retry;
        }
        long now = System.nanoTime();
        List<Held> keep = new ArrayList<>(retry.size());
        List<Delivery> expired = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (Held h : retry) {
            if (now - h.firstFailureNanos > maxRetryAge.toNanos()) {
                expired.add(h.delivery);
                ids.add(h.event.requestId());
            } else {
                keep.add(h);
            }
        }
        if (!expired.isEmpty()) {
            String why = expired.size() + " event(s) still failing after the maximum retry age of "
                    + maxRetryAge.toSeconds() + " s; given up";
            // The reason first, then the counter: whoever sees the failures counted sees why.
            recordError(why);
            failed.addAndGet(expired.size());
            subscription.ack(expired);
            log.error("dispatcher '{}': {} (request ids {})", name, why, sample(ids));
        }
        return keep;
    }

    private DispatchResult sendOnce(List<Held> events) throws InterruptedException {
        List<DispatchEvent> batch = new ArrayList<>(events.size());
        for (Held h : events) {
            batch.add(h.event);
        }
        List<DispatchEvent> view = List.copyOf(batch);
        CompletableFuture<DispatchResult> future;
        try {
            future = Objects.requireNonNull(dispatcher.send(view), "send returned null").toCompletableFuture();
        } catch (RuntimeException e) {
            return DispatchResult.all(view, DispatchResult.Outcome.transientFailure("send failed: " + e, null));
        }
        long waitNanos = sendTimeout.toNanos();
        if (stopping) {
            waitNanos = Math.max(0, Math.min(waitNanos, stopDeadlineNanos - System.nanoTime()));
        }
        try {
            DispatchResult r = future.get(waitNanos, TimeUnit.NANOSECONDS);
            return r != null ? r : DispatchResult.empty();
        } catch (TimeoutException e) {
            future.cancel(true);
            return DispatchResult.all(view, DispatchResult.Outcome.transientFailure(
                    "no answer within " + Duration.ofNanos(waitNanos).toMillis() + " ms", null));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            return DispatchResult.all(view, DispatchResult.Outcome.transientFailure("send failed: " + cause, null));
        }
    }

    /** Returns unsent events to the bus: Redis keeps them pending for the next run; memory drops them. */
    private void giveBack(List<Held> events, String why) {
        if (events.isEmpty()) {
            return;
        }
        List<Delivery> ds = new ArrayList<>(events.size());
        for (Held h : events) {
            ds.add(h.delivery);
        }
        try {
            subscription.nack(ds);
        } catch (RuntimeException e) {
            log.warn("dispatcher '{}': nack failed: {}", name, e.toString());
        }
        log.warn("dispatcher '{}': {}; {} unsent event(s) left unacknowledged on the bus", name, why, ds.size());
    }

    private void sleep(long millis) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        synchronized (wake) {
            long left;
            // A stop request wakes the wait early so the shutdown deadline is used for one more try.
            boolean stopSeen = stopping;
            while ((left = until - System.nanoTime()) > 0 && stopping == stopSeen) {
                TimeUnit.NANOSECONDS.timedWait(wake, left);
            }
        }
    }

    private void publishHeld(List<Held> held) {
        long oldest = 0;
        for (Held h : held) {
            long t = h.event.startTime().toEpochMilli();
            if (oldest == 0 || t < oldest) {
                oldest = t;
            }
        }
        oldestHeldEpochMillis = oldest;
        heldCount = held.size();
    }

    private void recordError(String error) {
        lastError = error;
        lastErrorAt = Instant.now();
    }

    private static String reason(DispatchResult.Outcome o) {
        return o.reason() != null ? o.reason() : o.status().name().toLowerCase(Locale.ROOT);
    }

    private static String sample(List<String> ids) {
        return ids.size() <= MAX_IDS_LOGGED ? ids.toString()
                : ids.subList(0, MAX_IDS_LOGGED) + " and " + (ids.size() - MAX_IDS_LOGGED) + " more";
    }

    /**
     * Builds a {@link DispatcherService}. Required: {@link #name}, {@link #bus}, {@link #dispatcher}.
     *
     * <table>
     *   <caption>Defaults</caption>
     *   <tr><th>Setting</th><th>Default</th></tr>
     *   <tr><td>group</td><td>{@code dispatcher-<name>}</td></tr>
     *   <tr><td>consumer</td><td>the bus default ({@code REDIS_CONSUMER_NAME} or generated)</td></tr>
     *   <tr><td>batchSize</td><td>100</td></tr>
     *   <tr><td>flushInterval</td><td>5 s</td></tr>
     *   <tr><td>baseBackoff / maxBackoff</td><td>200 ms / 30 s</td></tr>
     *   <tr><td>maxRetryAge</td><td>1 h (0 = retry forever)</td></tr>
     *   <tr><td>sendTimeout</td><td>2 min (a safety net; HTTP dispatchers time out sooner)</td></tr>
     * </table>
     */
    public static final class Builder {
        private String name;
        private EventBus bus;
        private Dispatcher dispatcher;
        private EventTransformer transformer = new EventTransformer();
        private String group;
        private String consumer;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private Duration flushInterval = DEFAULT_FLUSH_INTERVAL;
        private Duration baseBackoff = DEFAULT_BASE_BACKOFF;
        private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
        private Duration maxRetryAge = DEFAULT_MAX_RETRY_AGE;
        private Duration sendTimeout = DEFAULT_SEND_TIMEOUT;

        private Builder() {
        }

        /** The service name, e.g. the dispatcher's ({@code langfuse}): letters, digits, {@code . _ -}. */
        public Builder name(String name) {
            if (name == null || !name.matches("[A-Za-z0-9._-]{1,100}")) {
                throw new IllegalArgumentException("name must be 1-100 letters, digits, '.', '_' or '-', got '" + name + "'");
            }
            this.name = name;
            return this;
        }

        /** The bus to read. The service does not own it: close it after the service. */
        public Builder bus(EventBus bus) {
            this.bus = Objects.requireNonNull(bus, "bus");
            return this;
        }

        /** The backend. The service owns it and closes it when it stops. */
        public Builder dispatcher(Dispatcher dispatcher) {
            this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
            return this;
        }

        public Builder transformer(EventTransformer transformer) {
            this.transformer = Objects.requireNonNull(transformer, "transformer");
            return this;
        }

        /** The bus group; null means {@code dispatcher-<name>}. */
        public Builder group(String group) {
            this.group = group;
            return this;
        }

        /** This consumer's name in the group; null means the bus default. Keep it stable across restarts. */
        public Builder consumer(String consumer) {
            this.consumer = consumer;
            return this;
        }

        public Builder batchSize(int batchSize) {
            if (batchSize < 1 || batchSize > 10_000) {
                throw new IllegalArgumentException("batch size must be 1-10000, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** How long the first event of a partial batch waits for more before the batch is sent. */
        public Builder flushInterval(Duration flushInterval) {
            if (flushInterval == null || flushInterval.isNegative()) {
                throw new IllegalArgumentException("flush interval must be >= 0, got " + flushInterval);
            }
            this.flushInterval = flushInterval;
            return this;
        }

        /** Backoff of the first retry and the largest backoff. */
        public Builder backoff(Duration base, Duration max) {
            if (base == null || max == null || base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
                throw new IllegalArgumentException("backoff must satisfy 0 < base <= max, got " + base + " and " + max);
            }
            this.baseBackoff = base;
            this.maxBackoff = max;
            return this;
        }

        /** How long an event may keep failing transiently before it is given up; zero = forever. */
        public Builder maxRetryAge(Duration maxRetryAge) {
            if (maxRetryAge == null || maxRetryAge.isNegative()) {
                throw new IllegalArgumentException("max retry age must be >= 0, got " + maxRetryAge);
            }
            this.maxRetryAge = maxRetryAge;
            return this;
        }

        /** How long to wait for one {@link Dispatcher#send} before treating it as a transient failure. */
        public Builder sendTimeout(Duration sendTimeout) {
            if (sendTimeout == null || sendTimeout.isNegative() || sendTimeout.isZero()) {
                throw new IllegalArgumentException("send timeout must be > 0, got " + sendTimeout);
            }
            this.sendTimeout = sendTimeout;
            return this;
        }

        /**
         * Builds the (not yet started) service.
         *
         * @throws IllegalStateException if the name, bus or dispatcher is missing
         */
        public DispatcherService build() {
            if (name == null || bus == null || dispatcher == null) {
                throw new IllegalStateException("name, bus and dispatcher are required");
            }
            return new DispatcherService(this);
        }
    }
}
