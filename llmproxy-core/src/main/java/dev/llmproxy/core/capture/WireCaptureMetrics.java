package dev.llmproxy.core.capture;

import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;

import java.util.List;
import java.util.function.Supplier;

/**
 * Exports a {@link WireCapture}'s counters to Prometheus, read at scrape time:
 * {@code llm_proxy_wire_capture_written_total}, {@code llm_proxy_wire_capture_dropped_total{reason}}
 * ({@code queue_full} or {@code write_error}), {@code llm_proxy_wire_capture_bytes_total},
 * {@code llm_proxy_wire_capture_files_rotated_total}, {@code llm_proxy_wire_capture_files_deleted_total},
 * {@code llm_proxy_wire_capture_queue_depth} and {@code llm_proxy_wire_capture_paused}.
 *
 * <p>Only loaded when metrics are on (simpleclient is an optional dependency of the library).
 */
public final class WireCaptureMetrics extends Collector {

    private final Supplier<WireCaptureStats> stats;

    private WireCaptureMetrics(Supplier<WireCaptureStats> stats) {
        this.stats = stats;
    }

    /** Registers the capture's metrics in {@code registry}. */
    public static void register(CollectorRegistry registry, Supplier<WireCaptureStats> stats) {
        new WireCaptureMetrics(stats).register(registry);
    }

    @Override
    public List<MetricFamilySamples> collect() {
        WireCaptureStats s = stats.get();
        CounterMetricFamily dropped = new CounterMetricFamily("llm_proxy_wire_capture_dropped_total",
                "Exchanges not captured, by reason (queue_full: writer too slow; write_error: disk full or"
                        + " unwritable, including while paused after an error)", List.of("reason"));
        dropped.addMetric(List.of("queue_full"), s.droppedQueueFull());
        dropped.addMetric(List.of("write_error"), s.droppedWriteError());
        return List.of(
                new CounterMetricFamily("llm_proxy_wire_capture_written_total", "Exchanges written to capture files",
                        s.written()),
                dropped,
                new CounterMetricFamily("llm_proxy_wire_capture_bytes_total", "Bytes appended to capture files",
                        s.bytesWritten()),
                new CounterMetricFamily("llm_proxy_wire_capture_files_rotated_total",
                        "Capture files closed at the size limit", s.filesRotated()),
                new CounterMetricFamily("llm_proxy_wire_capture_files_deleted_total",
                        "Old capture files deleted to stay within the count and size bounds", s.filesDeleted()),
                new GaugeMetricFamily("llm_proxy_wire_capture_queue_depth", "Exchanges waiting for the capture writer",
                        s.queueDepth()),
                new GaugeMetricFamily("llm_proxy_wire_capture_paused",
                        "1 while capture is paused after a write error", s.paused() ? 1 : 0));
    }
}
