package dev.llmproxy.dispatch;

import dev.llmproxy.eventbus.Backlog;
import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;
import io.prometheus.client.exporter.common.TextFormat;
import io.prometheus.client.hotspot.GarbageCollectorExports;
import io.prometheus.client.hotspot.MemoryPoolsExports;
import io.prometheus.client.hotspot.StandardExports;
import io.prometheus.client.hotspot.ThreadExports;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A dispatcher process's Prometheus metrics, served at {@code /metrics} of its health listener
 * ({@code llm-proxy dispatcher --health-listen HOST:PORT}). Read at scrape time from
 * {@link DispatcherService#stats()} (memory) and {@link DispatcherService#backlog()} (one Redis
 * round trip with Redis Streams; skipped when the bus does not answer). Every series is labelled
 * {@code service} = the dispatcher's name.
 *
 * <ul>
 *   <li>{@code llm_dispatcher_events_processed_total}, {@code _sent_total}, {@code _failed_total},
 *       {@code _skipped_total}, {@code _retried_total}: counters (see {@link DispatcherStats});</li>
 *   <li>{@code llm_dispatcher_send_lag_seconds}: histogram of event timestamp → backend accepted;</li>
 *   <li>{@code llm_dispatcher_pending_events}: events held by the service (batch + retries);</li>
 *   <li>{@code llm_dispatcher_oldest_pending_age_seconds}: age of the oldest of those;</li>
 *   <li>{@code llm_dispatcher_bus_pending_events} (delivered, not acknowledged) and
 *       {@code llm_dispatcher_bus_waiting_events} (not yet delivered to the group): the consumer
 *       group's backlog on the bus;</li>
 *   <li>{@code llm_dispatcher_up}: 1 while the loop runs and the bus answers;</li>
 *   <li>JVM metrics ({@code process_*}, {@code jvm_*}).</li>
 * </ul>
 * Thread-safe; own registry.
 */
public final class DispatcherMetrics {

    private final CollectorRegistry registry = new CollectorRegistry(true);

    public DispatcherMetrics(DispatcherService service) {
        new ServiceCollector(service).register(registry);
        new StandardExports().register(registry);
        new MemoryPoolsExports().register(registry);
        new GarbageCollectorExports().register(registry);
        new ThreadExports().register(registry);
    }

    /** The text exposition format 0.0.4. */
    public String scrape() {
        StringWriter out = new StringWriter(8 * 1024);
        try {
            TextFormat.write004(out, registry.metricFamilySamples());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** The content type of {@link #scrape()}. */
    public static String contentType() {
        return TextFormat.CONTENT_TYPE_004;
    }

    private static final class ServiceCollector extends Collector {
        private final DispatcherService service;

        ServiceCollector(DispatcherService service) {
            this.service = service;
        }

        @Override
        public List<MetricFamilySamples> collect() {
            List<String> label = List.of("service");
            List<String> value = List.of(service.name());
            DispatcherStats s = service.stats();
            List<MetricFamilySamples> out = new ArrayList<>();
            out.add(counter("llm_dispatcher_events_processed_total", "Events received from the bus (with redeliveries)",
                    s.processed(), value));
            out.add(counter("llm_dispatcher_events_sent_total", "Events the backend accepted", s.sent(), value));
            out.add(counter("llm_dispatcher_events_failed_total",
                    "Events given up on (permanent failures, retries past the maximum age)", s.failed(), value));
            out.add(counter("llm_dispatcher_events_skipped_total", "Events the dispatcher does not take",
                    s.skipped(), value));
            out.add(counter("llm_dispatcher_events_retried_total", "Re-sends of transiently failed events",
                    s.retried(), value));
            out.add(new GaugeMetricFamily("llm_dispatcher_pending_events",
                    "Events held by the dispatcher and not yet accepted (batch being filled, retries)", label)
                    .addMetric(value, s.pending()));
            out.add(new GaugeMetricFamily("llm_dispatcher_oldest_pending_age_seconds",
                    "Age of the oldest event held by the dispatcher, 0 when none", label)
                    .addMetric(value, s.lagMillis() / 1000.0));
            boolean connected = service.busConnected();
            out.add(new GaugeMetricFamily("llm_dispatcher_up", "1 while the loop runs and the bus answers", label)
                    .addMetric(value, s.running() && connected ? 1 : 0));
            out.add(lagHistogram(service.sendLag().snapshot(), value));
            if (connected) {
                try {
                    Backlog b = service.backlog();
                    out.add(new GaugeMetricFamily("llm_dispatcher_bus_pending_events",
                            "Events delivered to the consumer group but not acknowledged (XPENDING)", label)
                            .addMetric(value, b.pending()));
                    out.add(new GaugeMetricFamily("llm_dispatcher_bus_waiting_events",
                            "Events on the bus not yet delivered to the consumer group", label)
                            .addMetric(value, b.waiting()));
                } catch (RuntimeException e) {
                    // The bus did not answer: leave the backlog series out of this scrape.
                }
            }
            return out;
        }

        private static MetricFamilySamples counter(String name, String help, long v, List<String> labelValue) {
            return new CounterMetricFamily(name, help, List.of("service")).addMetric(labelValue, v);
        }

        private static MetricFamilySamples lagHistogram(SendLag.Snapshot h, List<String> labelValue) {
            String name = "llm_dispatcher_send_lag_seconds";
            List<MetricFamilySamples.Sample> samples = new ArrayList<>();
            for (int i = 0; i < h.bounds().length; i++) {
                samples.add(new MetricFamilySamples.Sample(name + "_bucket", List.of("service", "le"),
                        List.of(labelValue.get(0), Collector.doubleToGoString(h.bounds()[i])), h.cumulative()[i]));
            }
            samples.add(new MetricFamilySamples.Sample(name + "_bucket", List.of("service", "le"),
                    List.of(labelValue.get(0), "+Inf"), h.count()));
            samples.add(new MetricFamilySamples.Sample(name + "_count", List.of("service"), labelValue, h.count()));
            samples.add(new MetricFamilySamples.Sample(name + "_sum", List.of("service"), labelValue, h.sumSeconds()));
            return new MetricFamilySamples(name, Type.HISTOGRAM,
                    "Seconds from an event's timestamp (request arrival) to its acceptance by the backend", samples);
        }
    }
}
