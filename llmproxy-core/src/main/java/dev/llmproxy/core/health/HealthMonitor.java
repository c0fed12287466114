package dev.llmproxy.core.health;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs every {@link HealthCheck} off the event loops and caches the results, so that
 * {@code /ready} and {@code /health/details} answer from memory in microseconds.
 *
 * <p>Every {@code interval} a scheduler thread ({@code llmproxy-health}) hands each check to a
 * worker thread and waits at most {@code timeout} for it; a check that takes longer is reported
 * down ("timed out") and interrupted, and a check still running from an earlier round is not
 * started twice. State changes are logged once (up → down, down → up). Thread-safe.
 */
public final class HealthMonitor implements AutoCloseable {

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
    public static final long DEFAULT_TIMEOUT_MILLIS = 2000;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(DEFAULT_TIMEOUT_MILLIS);

    private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);

    private final List<HealthCheck> checks;
    private final Duration interval;
    private final Duration timeout;
    private final Map<String, ComponentHealth> results = new ConcurrentHashMap<>();
    private final Map<String, Future<?>> running = new ConcurrentHashMap<>();
    private ScheduledExecutorService scheduler;
    /** Runs the checks; threads are made on demand and die after a minute idle. */
    private final ExecutorService workers = Executors.newCachedThreadPool(named("llmproxy-health-check"));

    public HealthMonitor(List<HealthCheck> checks, Duration interval, Duration timeout) {
        this.checks = List.copyOf(checks);
        this.interval = interval;
        this.timeout = timeout;
        for (HealthCheck c : this.checks) {
            results.put(c.name(), new ComponentHealth(c.name(), "unknown", c.requiredForReadiness(), -1, null, null,
                    c.describe()));
        }
    }

    /** Checks everything once (waiting up to the timeout), then keeps checking in the background. */
    public synchronized void start() {
        if (scheduler != null || checks.isEmpty()) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(named("llmproxy-health"));
        refresh();
        long millis = interval.toMillis();
        scheduler.scheduleWithFixedDelay(this::refresh, millis, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts checking in the background at once and returns without waiting: until the first
     * round has answered, components are {@code unknown} and {@link #requiredUp()} is false (so
     * {@code /ready} says not ready, which is the truth), while the caller goes on starting up.
     */
    public synchronized void startInBackground() {
        if (scheduler != null || checks.isEmpty()) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(named("llmproxy-health"));
        scheduler.scheduleWithFixedDelay(this::refresh, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Runs each check once with the timeout; blocks the caller (never call it on an event loop). */
    void refresh() {
        List<Map.Entry<HealthCheck, Future<ComponentHealth>>> started = new ArrayList<>();
        for (HealthCheck c : checks) {
            Future<?> previous = running.get(c.name());
            if (previous != null && !previous.isDone()) {
                continue; // still hanging from an earlier round: already reported as timed out
            }
            Future<ComponentHealth> f = workers.submit(() -> runCheck(c));
            running.put(c.name(), f);
            started.add(Map.entry(c, f));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Map.Entry<HealthCheck, Future<ComponentHealth>> e : started) {
            HealthCheck c = e.getKey();
            ComponentHealth result;
            try {
                result = e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException ex) {
                e.getValue().cancel(true);
                result = new ComponentHealth(c.name(), "down", c.requiredForReadiness(), timeout.toMillis(),
                        Instant.now(), "timed out after " + timeout.toMillis() + " ms", c.describe());
            } catch (ExecutionException ex) {
                result = down(c, 0, ex.getCause());
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
            record(result);
        }
    }

    private ComponentHealth runCheck(HealthCheck c) {
        long start = System.nanoTime();
        try {
            HealthCheck.Result r = c.check();
            double ms = (System.nanoTime() - start) / 1e6;
            return new ComponentHealth(c.name(), r.up() ? "up" : "down", c.requiredForReadiness(), ms, Instant.now(),
                    r.up() ? null : "check failed", r.details());
        } catch (Exception | LinkageError e) {
            return down(c, (System.nanoTime() - start) / 1e6, e);
        }
    }

    private static ComponentHealth down(HealthCheck c, double ms, Throwable e) {
        String why = e == null ? "failed" : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new ComponentHealth(c.name(), "down", c.requiredForReadiness(), ms, Instant.now(), why, c.describe());
    }

    private void record(ComponentHealth now) {
        ComponentHealth before = results.put(now.name(), now);
        if (before != null && !before.status().equals(now.status()) && !"unknown".equals(before.status())) {
            if (now.up()) {
                log.info("{} is reachable again", now.name());
            } else {
                log.warn("{} is down: {}{}", now.name(), now.error(),
                        now.required() ? "; /ready reports not ready until it answers" : "");
            }
        } else if (before != null && "unknown".equals(before.status()) && !now.up()) {
            log.warn("{} is down: {}", now.name(), now.error());
        }
    }

    /** Whether every component {@code /ready} depends on answered its last check. */
    public boolean requiredUp() {
        for (ComponentHealth h : results.values()) {
            if (h.required() && !h.up()) {
                return false;
            }
        }
        return true;
    }

    /** The cached results, in registration order. */
    public List<ComponentHealth> components() {
        Map<String, ComponentHealth> ordered = new LinkedHashMap<>();
        for (HealthCheck c : checks) {
            ordered.put(c.name(), results.get(c.name()));
        }
        return List.copyOf(ordered.values());
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
        workers.shutdownNow();
    }

    private static java.util.concurrent.ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
