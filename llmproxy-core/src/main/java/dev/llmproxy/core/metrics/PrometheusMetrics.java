package dev.llmproxy.core.metrics;

import dev.llmproxy.core.ProxyError;
import dev.llmproxy.core.cache.CacheStats;
import dev.llmproxy.core.health.ComponentHealth;
import dev.llmproxy.core.proxy.ProxyEngine;
import dev.llmproxy.eventbus.EventBusStats;
import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.GaugeMetricFamily;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.Histogram;
import io.prometheus.client.exporter.common.TextFormat;
import io.prometheus.client.hotspot.GarbageCollectorExports;
import io.prometheus.client.hotspot.MemoryPoolsExports;
import io.prometheus.client.hotspot.StandardExports;
import io.prometheus.client.hotspot.ThreadExports;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * {@link ProxyMetrics} exported in the Prometheus text format ({@code /metrics/prometheus}) and as
 * the original's JSON summary ({@code /metrics}). Metric names follow the seed documents: the
 * {@code llm_proxy_*} counters and JVM stand-ins for the Go runtime gauges, plus
 * {@code llm_requests_total{provider,status}}, latency and time-to-first-token histograms with
 * buckets suited to LLM calls (up to 5 minutes), token and cost ({@code llm_cost_usd_total}) counters per project and model, usage writer counters, and event
 * bus counters.
 *
 * <p><b>Cardinality:</b> labels never carry a path, token or request id. Project and model labels
 * are capped at {@value #MAX_LABEL_VALUES} distinct values each; later values are reported as
 * {@code other}, so a client inventing model names cannot blow up the series count.
 *
 * <p>Registers into the given registry (never the global default). Thread-safe; the recording
 * methods are lock-free.
 */
public final class PrometheusMetrics implements ProxyMetrics {

    static final int MAX_LABEL_VALUES = 200;

    private static final double[] DURATION_BUCKETS = {
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300};
    private static final double[] TTFT_BUCKETS = {
            0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30};

    private final CollectorRegistry registry;
    private final String provider;
    private final long startNanos = System.nanoTime();

    private final LongAdder requests = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder cacheHits = new LongAdder();
    private final LongAdder cacheMisses = new LongAdder();
    private final LongAdder cacheBypass = new LongAdder();
    private final LongAdder cacheStores = new LongAdder();

    private final Counter requestsByStatus;
    private final Counter proxyErrors;
    private final Counter tokens;
    private final Counter cost;
    private final Histogram duration;
    private final Histogram ttft;
    private final Map<String, Boolean> projectLabels = new ConcurrentHashMap<>();
    private final Map<String, Boolean> modelLabels = new ConcurrentHashMap<>();
    private volatile boolean jvmExportsRegistered;
    /*
     * Labelled children looked up once, not per request: Counter.labels(...) builds a label list
     * and hashes it on every call. Statuses 100..599 are indexed directly; token counters are
     * cached per (bounded) project and model.
     */
    private final AtomicReferenceArray<Counter.Child> byStatus = new AtomicReferenceArray<>(600);
    // Created on first use, as labels() would, so the exposition lists no series before traffic.
    private volatile Histogram.Child durationChild;
    private volatile Histogram.Child ttftChild;
    private final Map<String, Map<String, Counter.Child[]>> tokenChildren = new ConcurrentHashMap<>();

    /**
     * @param registry    where the metrics are registered
     * @param provider    the {@code provider} label (the provider profile's name)
     * @param eventBus    event bus counters to export at scrape time, or null
     */
    public PrometheusMetrics(CollectorRegistry registry, String provider, Supplier<EventBusStats> eventBus) {
        this(registry, provider, eventBus, null);
    }

    /**
     * @param cache the response cache's own counters (evictions, entries, bytes, backend errors)
     *              to export at scrape time, or null
     */
    public PrometheusMetrics(CollectorRegistry registry, String provider, Supplier<EventBusStats> eventBus,
                             Supplier<CacheStats> cache) {
        this.registry = registry;
        this.provider = provider;
        this.requestsByStatus = Counter.build("llm_requests_total", "Proxied requests by provider and status code")
                .labelNames("provider", "status").register(registry);
        this.proxyErrors = Counter.build("llm_proxy_errors_by_code_total", "Errors the proxy answered itself, by code")
                .labelNames("code").register(registry);
        this.tokens = Counter.build("llm_tokens_total", "Tokens by project, model and type (prompt or completion)")
                .labelNames("project", "model", "type").register(registry);
        this.cost = Counter.build("llm_cost_usd", "Cost in USD by project and model, from the usage price table")
                .labelNames("project", "model").register(registry);
        this.duration = Histogram.build("llm_request_duration_seconds", "Request duration, head to last byte")
                .labelNames("provider").buckets(DURATION_BUCKETS).register(registry);
        this.ttft = Histogram.build("llm_time_to_first_token_seconds", "Time to the first response body byte")
                .labelNames("provider").buckets(TTFT_BUCKETS).register(registry);
        new SeedCounters(eventBus, cache).register(registry);
    }

    /**
     * The JVM's own metrics (process, memory pools, GC, threads), registered at the first scrape
     * rather than with the proxy: registering them reads the management beans and the container's
     * cgroup files, loading some hundred classes while the server starts (start-up time).
     */
    private void registerJvmExports() {
        if (jvmExportsRegistered) {
            return;
        }
        synchronized (this) {
            if (!jvmExportsRegistered) {
                new StandardExports().register(registry);
                new MemoryPoolsExports().register(registry);
                new GarbageCollectorExports().register(registry);
                new ThreadExports().register(registry);
                jvmExportsRegistered = true;
            }
        }
    }

    @Override
    public void requestCompleted(int status, long durationNanos, long ttftNanos, boolean upstream) {
        requests.increment();
        if (status >= 400) {
            errors.increment();
        }
        statusChild(status).inc();
        Histogram.Child d = durationChild;
        if (d == null) {
            durationChild = d = duration.labels(provider);
        }
        d.observe(durationNanos / 1e9);
        if (ttftNanos >= 0) {
            Histogram.Child t = ttftChild;
            if (t == null) {
                ttftChild = t = ttft.labels(provider);
            }
            t.observe(ttftNanos / 1e9);
        }
    }

    @Override
    public void proxyError(ProxyError error) {
        proxyErrors.labels(error.code()).inc();
    }

    @Override
    public void tokens(String projectId, String model, long promptTokens, long completionTokens) {
        String project = bounded(projectLabels, projectId == null ? "none" : projectId);
        String m = bounded(modelLabels, model == null ? "unknown" : model);
        Map<String, Counter.Child[]> byModel = tokenChildren.get(project); // get first: no capturing lambda
        if (byModel == null) {
            byModel = tokenChildren.computeIfAbsent(project, p -> new ConcurrentHashMap<>());
        }
        Counter.Child[] children = byModel.get(m);
        if (children == null) {
            children = byModel.computeIfAbsent(m, x -> new Counter.Child[] {
                    tokens.labels(project, x, "prompt"), tokens.labels(project, x, "completion")});
        }
        if (promptTokens > 0) {
            children[0].inc(promptTokens);
        }
        if (completionTokens > 0) {
            children[1].inc(completionTokens);
        }
    }

    @Override
    public void cost(String projectId, String model, double usd) {
        if (usd > 0) {
            cost.labels(bounded(projectLabels, projectId == null ? "none" : projectId),
                    bounded(modelLabels, model == null ? "unknown" : model)).inc(usd);
        }
    }

    /**
     * Exports the usage writer's counters ({@code llm_proxy_usage_records_written_total},
     * {@code ..._dropped_total}, {@code ..._failed_total} and the queue depth gauge), read at
     * scrape time.
     */
    public void usageWriter(Supplier<dev.llmproxy.core.usage.UsageWriter.Stats> stats) {
        new Collector() {
            @Override
            public List<MetricFamilySamples> collect() {
                dev.llmproxy.core.usage.UsageWriter.Stats s = stats.get();
                return List.of(
                        new CounterMetricFamily("llm_proxy_usage_records_written_total",
                                "Usage records stored in the database", s.written()),
                        new CounterMetricFamily("llm_proxy_usage_records_dropped_total",
                                "Usage records dropped because the writer queue was full", s.dropped()),
                        new CounterMetricFamily("llm_proxy_usage_records_failed_total",
                                "Usage records lost because the database refused them", s.failed()),
                        new GaugeMetricFamily("llm_proxy_usage_queue_depth", "Usage records waiting to be written",
                                s.queueDepth()));
            }
        }.register(registry);
    }

    @Override
    public void cache(String outcome) {
        switch (outcome) {
            case "hit", "conditional-hit" -> cacheHits.increment();
            case "miss" -> cacheMisses.increment();
            case "bypass" -> cacheBypass.increment();
            case "stored" -> cacheStores.increment();
            default -> { }
        }
    }

    /** The registry these metrics live in, for components that export their own (e.g. wire capture). */
    public CollectorRegistry registry() {
        return registry;
    }

    /**
     * Exports each upstream's health at scrape time (reads memory only):
     * {@code llm_proxy_upstream_up}, {@code llm_proxy_upstream_circuit_state} (0 closed,
     * 1 half-open, 2 open), {@code llm_proxy_upstream_consecutive_failures},
     * {@code llm_proxy_upstream_failures_total}, {@code llm_proxy_upstream_probes_total{result}},
     * {@code llm_proxy_upstream_probe_latency_seconds} and
     * {@code llm_proxy_upstream_last_probe_timestamp_seconds}, all labelled {@code upstream} =
     * the configured endpoint's {@code host:port} (bounded by the configuration).
     */
    public void upstreams(Supplier<List<ProxyEngine.UpstreamHealth>> upstreams) {
        new Collector() {
            @Override
            public List<MetricFamilySamples> collect() {
                List<String> label = List.of("upstream");
                GaugeMetricFamily up = new GaugeMetricFamily("llm_proxy_upstream_up",
                        "1 while requests may go to the upstream (circuit closed or half-open), 0 while it is skipped",
                        label);
                GaugeMetricFamily state = new GaugeMetricFamily("llm_proxy_upstream_circuit_state",
                        "Circuit breaker state: 0 closed, 1 half-open, 2 open", label);
                GaugeMetricFamily streak = new GaugeMetricFamily("llm_proxy_upstream_consecutive_failures",
                        "Failures (requests and probes) since the upstream's last success", label);
                CounterMetricFamily failures = new CounterMetricFamily("llm_proxy_upstream_failures_total",
                        "Upstream failures: refused connections, timeouts, 5xx answers and failed probes", label);
                CounterMetricFamily probes = new CounterMetricFamily("llm_proxy_upstream_probes_total",
                        "Active health probes by result (success or failure)", List.of("upstream", "result"));
                GaugeMetricFamily latency = new GaugeMetricFamily("llm_proxy_upstream_probe_latency_seconds",
                        "Duration of the last active probe", label);
                GaugeMetricFamily lastProbe = new GaugeMetricFamily("llm_proxy_upstream_last_probe_timestamp_seconds",
                        "Unix time of the last active probe", label);
                for (ProxyEngine.UpstreamHealth u : upstreams.get()) {
                    List<String> l = List.of(u.label());
                    up.addMetric(l, u.available() ? 1 : 0);
                    state.addMetric(l, switch (u.state()) {
                        case "open" -> 2;
                        case "half_open" -> 1;
                        default -> 0;
                    });
                    streak.addMetric(l, u.consecutiveFailures());
                    failures.addMetric(l, u.totalFailures());
                    ProxyEngine.Probe p = u.probe();
                    probes.addMetric(List.of(u.label(), "success"), p == null ? 0 : p.successes());
                    probes.addMetric(List.of(u.label(), "failure"), p == null ? 0 : p.failures());
                    if (p != null) {
                        latency.addMetric(l, p.latencySeconds());
                        lastProbe.addMetric(l, p.at().toEpochMilli() / 1000.0);
                    }
                }
                return List.of(up, state, streak, failures, probes, latency, lastProbe);
            }
        }.register(registry);
    }

    /**
     * Exports the cached dependency checks ({@code /health/details} components):
     * {@code llm_proxy_component_up{component}} and
     * {@code llm_proxy_component_check_latency_seconds{component}}.
     */
    public void components(Supplier<List<ComponentHealth>> components) {
        new Collector() {
            @Override
            public List<MetricFamilySamples> collect() {
                GaugeMetricFamily up = new GaugeMetricFamily("llm_proxy_component_up",
                        "1 when the dependency (database, redis, ...) answered its last health check", List.of("component"));
                GaugeMetricFamily latency = new GaugeMetricFamily("llm_proxy_component_check_latency_seconds",
                        "Duration of the dependency's last health check", List.of("component"));
                for (ComponentHealth c : components.get()) {
                    up.addMetric(List.of(c.name()), c.up() ? 1 : 0);
                    if (c.latencyMillis() >= 0) {
                        latency.addMetric(List.of(c.name()), c.latencyMillis() / 1000.0);
                    }
                }
                return List.of(up, latency);
            }
        }.register(registry);
    }

    /** The Prometheus text exposition (format 0.0.4). */
    public String scrape() {
        registerJvmExports();
        StringWriter out = new StringWriter(16 * 1024);
        try {
            TextFormat.write004(out, registry.metricFamilySamples());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** The original's JSON summary served at {@code /metrics}. */
    public Map<String, Number> summary() {
        return Map.of("uptime_seconds", uptimeSeconds(), "request_count", requests.sum(),
                "error_count", errors.sum(), "cache_hits", cacheHits.sum(), "cache_misses", cacheMisses.sum(),
                "cache_bypass", cacheBypass.sum(), "cache_stores", cacheStores.sum());
    }

    private double uptimeSeconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** Status codes are a small, fixed set; anything odd is folded to keep the label bounded. */
    private Counter.Child statusChild(int status) {
        if (status < 100 || status > 599) {
            return requestsByStatus.labels(provider, "other");
        }
        Counter.Child c = byStatus.get(status);
        if (c == null) {
            c = requestsByStatus.labels(provider, Integer.toString(status)); // the same child every time
            byStatus.set(status, c);
        }
        return c;
    }

    private static String bounded(Map<String, Boolean> seen, String value) {
        if (seen.containsKey(value)) {
            return value;
        }
        if (seen.size() >= MAX_LABEL_VALUES) {
            return "other";
        }
        seen.putIfAbsent(value, Boolean.TRUE);
        return value;
    }

    /** The seed's unlabelled counters and runtime gauges, read at scrape time. */
    private final class SeedCounters extends Collector {
        private final Supplier<EventBusStats> eventBus;
        private final Supplier<CacheStats> cache;

        SeedCounters(Supplier<EventBusStats> eventBus, Supplier<CacheStats> cache) {
            this.eventBus = eventBus;
            this.cache = cache;
        }

        @Override
        public List<MetricFamilySamples> collect() {
            List<MetricFamilySamples> out = new ArrayList<>();
            out.add(new GaugeMetricFamily("llm_proxy_uptime_seconds", "Time since the server started", uptimeSeconds()));
            out.add(new CounterMetricFamily("llm_proxy_requests_total", "Total number of proxy requests", requests.sum()));
            out.add(new CounterMetricFamily("llm_proxy_errors_total", "Total number of proxy errors", errors.sum()));
            out.add(new CounterMetricFamily("llm_proxy_cache_hits_total", "Total number of cache hits", cacheHits.sum()));
            out.add(new CounterMetricFamily("llm_proxy_cache_misses_total", "Total number of cache misses",
                    cacheMisses.sum()));
            out.add(new CounterMetricFamily("llm_proxy_cache_bypass_total", "Total number of cache bypasses",
                    cacheBypass.sum()));
            out.add(new CounterMetricFamily("llm_proxy_cache_stores_total", "Total number of cache stores",
                    cacheStores.sum()));
            // JVM stand-ins for the seed's Go runtime gauges.
            out.add(new GaugeMetricFamily("llm_proxy_goroutines", "Live JVM threads (stand-in for goroutines)",
                    ManagementFactory.getThreadMXBean().getThreadCount()));
            MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
            out.add(new GaugeMetricFamily("llm_proxy_memory_heap_alloc_bytes", "Heap bytes in use", heap.getUsed()));
            out.add(new GaugeMetricFamily("llm_proxy_memory_heap_sys_bytes", "Heap bytes committed by the JVM",
                    heap.getCommitted()));
            out.add(new GaugeMetricFamily("llm_proxy_memory_heap_idle_bytes", "Committed heap bytes not in use",
                    Math.max(0, heap.getCommitted() - heap.getUsed())));
            long gcRuns = 0;
            long gcMillis = 0;
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                gcRuns += Math.max(0, gc.getCollectionCount());
                gcMillis += Math.max(0, gc.getCollectionTime());
            }
            out.add(new CounterMetricFamily("llm_proxy_gc_runs_total", "Total number of GC runs", gcRuns));
            out.add(new CounterMetricFamily("llm_proxy_gc_pause_total_seconds", "Total GC time in seconds",
                    gcMillis / 1000.0));
            EventBusStats s = eventBus == null ? null : eventBus.get();
            if (s != null) {
                out.add(new CounterMetricFamily("llm_proxy_events_published_total",
                        "Instrumentation events handed to the event bus backend", s.published()));
                out.add(new CounterMetricFamily("llm_proxy_events_dropped_total",
                        "Instrumentation events dropped (buffer full or backend down)", s.dropped()));
                out.add(new GaugeMetricFamily("llm_proxy_event_queue_depth", "Events waiting to be published",
                        s.queueDepth()));
            }
            CacheStats c = cache == null ? null : cache.get();
            if (c != null) {
                out.add(new CounterMetricFamily("llm_proxy_cache_evictions_total",
                        "Cached responses evicted to stay within the byte bound", c.evictions()));
                out.add(new CounterMetricFamily("llm_proxy_cache_errors_total",
                        "Cache backend errors and timeouts (each served as a miss)", c.errors()));
                if (c.entries() >= 0) {
                    out.add(new GaugeMetricFamily("llm_proxy_cache_entries", "Responses held by the cache", c.entries()));
                }
                if (c.bytes() >= 0) {
                    out.add(new GaugeMetricFamily("llm_proxy_cache_bytes", "Bytes held by the cache", c.bytes()));
                }
            }
            return out;
        }
    }
}
