package dev.llmproxy.core.health;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.llmproxy.core.cache.CacheStats;
import dev.llmproxy.core.cache.ResponseCache;
import dev.llmproxy.core.proxy.ProxyEngine;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBusStats;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * What {@code /ready} and {@code /health/details} report, assembled from memory only (safe on an
 * event loop): the cached {@link HealthMonitor} results (database, Redis, ...), the event bus and
 * response cache counters, and each upstream's circuit and last probe.
 *
 * <p><b>Ready</b> means: not stopping, AND every component marked required answered its last check,
 * AND the embedder's extra readiness (if any) says so, AND at least one upstream's circuit is not
 * open. Thread-safe.
 */
public final class HealthReport {

    private final HealthMonitor monitor;
    private final ProxyEngine engine;
    private final EventBus eventBus;
    private final String eventBusType;
    private final ResponseCache cache;
    private final String cacheBackend;
    private final BooleanSupplier notStopping;
    private final BooleanSupplier extraReadiness;

    /**
     * @param monitor        cached component checks (may have none)
     * @param engine         the upstreams
     * @param eventBus       the event bus, or null
     * @param cache          the response cache, or null when off
     * @param cacheBackend   how to name the cache backend ({@code in-memory}, {@code redis}, ...)
     * @param notStopping    false once shutdown began
     * @param extraReadiness the embedder's own readiness ({@code LlmProxy.Builder.readiness})
     */
    public HealthReport(HealthMonitor monitor, ProxyEngine engine, EventBus eventBus, ResponseCache cache,
                        String cacheBackend, BooleanSupplier notStopping, BooleanSupplier extraReadiness) {
        this.monitor = monitor;
        this.engine = engine;
        this.eventBus = eventBus;
        this.eventBusType = eventBus == null ? null : busType(eventBus);
        this.cache = cache;
        this.cacheBackend = cacheBackend;
        this.notStopping = notStopping;
        this.extraReadiness = extraReadiness;
    }

    /** The backend name of a bus from its class (the SPI has no name method). */
    static String busType(EventBus bus) {
        String n = bus.getClass().getSimpleName();
        if (n.equals("InMemoryEventBus")) {
            return "in-memory";
        }
        if (n.equals("RedisStreamsEventBus")) {
            return "redis-streams";
        }
        return n;
    }

    /** {@code /ready}: cheap, from memory. */
    public boolean ready() {
        return notStopping.getAsBoolean() && monitor.requiredUp() && extraReadiness.getAsBoolean()
                && engine.anyUpstreamAvailable();
    }

    /** The component results (for tests and embedders). */
    public List<ComponentHealth> components() {
        return monitor.components();
    }

    /** Writes the {@code /health/details} body's fields (inside an object already started). */
    void writeDetails(JsonGenerator g) throws IOException {
        boolean stopping = !notStopping.getAsBoolean();
        boolean ready = ready();
        g.writeStringField("status", ready ? "ok" : "not_ready");
        g.writeObjectFieldStart("checks");
        g.writeBooleanField("not_stopping", !stopping);
        g.writeBooleanField("required_components_up", monitor.requiredUp() && extraReadiness.getAsBoolean());
        g.writeBooleanField("upstream_available", engine.anyUpstreamAvailable());
        g.writeEndObject();
        g.writeObjectFieldStart("components");
        for (ComponentHealth c : monitor.components()) {
            g.writeObjectFieldStart(c.name());
            g.writeStringField("status", c.status());
            g.writeBooleanField("required", c.required());
            if (c.latencyMillis() >= 0) {
                g.writeNumberField("latency_ms", Math.round(c.latencyMillis() * 100) / 100.0);
            }
            if (c.checkedAt() != null) {
                g.writeStringField("checked_at", c.checkedAt().toString());
            }
            if (c.error() != null) {
                g.writeStringField("error", c.error());
            }
            for (Map.Entry<String, Object> d : c.details().entrySet()) {
                writeValue(g, d.getKey(), d.getValue());
            }
            g.writeEndObject();
        }
        if (eventBus != null) {
            EventBusStats s = eventBus.stats();
            g.writeObjectFieldStart("event_bus");
            g.writeStringField("type", eventBusType);
            g.writeNumberField("published", s.published());
            g.writeNumberField("dropped", s.dropped());
            g.writeNumberField("queue_depth", s.queueDepth());
            g.writeNumberField("queue_capacity", s.queueCapacity());
            g.writeNumberField("publish_errors", s.publishErrors());
            g.writeNumberField("reconnects", s.reconnects());
            g.writeEndObject();
        }
        g.writeObjectFieldStart("response_cache");
        if (cache == null) {
            g.writeStringField("status", "disabled");
        } else {
            CacheStats c = cache.stats();
            g.writeStringField("status", "up");
            g.writeStringField("backend", cacheBackend);
            g.writeNumberField("hits", c.hits());
            g.writeNumberField("misses", c.misses());
            g.writeNumberField("hit_ratio", Math.round(c.hitRate() * 10_000) / 10_000.0);
            g.writeNumberField("stores", c.stores());
            g.writeNumberField("evictions", c.evictions());
            g.writeNumberField("errors", c.errors());
            if (c.entries() >= 0) {
                g.writeNumberField("entries", c.entries());
            }
            if (c.bytes() >= 0) {
                g.writeNumberField("bytes", c.bytes());
            }
        }
        g.writeEndObject();
        g.writeEndObject();

        g.writeBooleanField("probes_enabled", engine.probesRunning());
        g.writeArrayFieldStart("upstreams");
        for (ProxyEngine.UpstreamHealth u : engine.upstreamHealth()) {
            g.writeStartObject();
            g.writeStringField("url", u.url());
            g.writeStringField("upstream", u.label());
            g.writeStringField("state", u.state());
            g.writeBooleanField("available", u.available());
            g.writeNumberField("consecutive_failures", u.consecutiveFailures());
            g.writeNumberField("total_failures", u.totalFailures());
            if (u.lastFailureAt() != null) {
                g.writeStringField("last_failure_at", u.lastFailureAt().toString());
                g.writeStringField("last_failure", u.lastFailure());
            } else {
                g.writeNullField("last_failure_at");
                g.writeNullField("last_failure");
            }
            ProxyEngine.Probe p = u.probe();
            if (p == null) {
                g.writeNullField("last_probe");
            } else {
                g.writeObjectFieldStart("last_probe");
                g.writeStringField("at", p.at().toString());
                g.writeStringField("result", p.ok() ? "success" : "failure");
                if (p.status() != 0) {
                    g.writeNumberField("status", p.status());
                }
                g.writeNumberField("latency_ms", Math.round(p.latencySeconds() * 100_000) / 100.0);
                if (p.error() != null) {
                    g.writeStringField("error", p.error());
                }
                g.writeNumberField("consecutive_failures", p.consecutiveFailures());
                g.writeNumberField("successes", p.successes());
                g.writeNumberField("failures", p.failures());
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void writeValue(JsonGenerator g, String key, Object v) throws IOException {
        if (v instanceof Number n) {
            if (n instanceof Double || n instanceof Float) {
                g.writeNumberField(key, n.doubleValue());
            } else {
                g.writeNumberField(key, n.longValue());
            }
        } else if (v instanceof Boolean b) {
            g.writeBooleanField(key, b);
        } else if (v instanceof Instant i) {
            g.writeStringField(key, i.toString());
        } else {
            g.writeStringField(key, String.valueOf(v));
        }
    }
}
