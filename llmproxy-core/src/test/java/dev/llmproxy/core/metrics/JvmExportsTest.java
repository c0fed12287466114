package dev.llmproxy.core.metrics;

import io.prometheus.client.CollectorRegistry;
import org.junit.jupiter.api.Test;

import java.util.Collections;

import static org.assertj.core.api.Assertions.assertThat;

/** The JVM's metrics join the registry at the first scrape (not at start-up), once. */
class JvmExportsTest {

    @Test
    void jvmMetricsAreRegisteredAtTheFirstScrape_andOnlyOnce() {
        CollectorRegistry registry = new CollectorRegistry(true);
        PrometheusMetrics metrics = new PrometheusMetrics(registry, "openai", null);
        assertThat(Collections.list(registry.metricFamilySamples()))
                .noneMatch(f -> f.name.startsWith("jvm_") || f.name.startsWith("process_"));

        String first = metrics.scrape();
        assertThat(first).contains("jvm_threads_current", "jvm_memory_pool_bytes_used", "jvm_gc_collection_seconds",
                "process_cpu_seconds_total", "llm_requests_total");
        String second = metrics.scrape(); // registering twice would throw
        assertThat(second).contains("jvm_threads_current");
    }
}
