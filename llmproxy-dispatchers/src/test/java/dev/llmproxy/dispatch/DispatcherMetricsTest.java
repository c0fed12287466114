package dev.llmproxy.dispatch;

import dev.llmproxy.dispatch.testing.Await;
import dev.llmproxy.dispatch.testing.ScriptedDispatcher;
import dev.llmproxy.dispatch.testing.TestEvents;
import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBuses;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code /metrics} of a dispatcher's health listener: counters, send lag histogram, pending. */
class DispatcherMetricsTest {

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static double sample(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(text);
        assertThat(m.find()).as("series %s in%n%s", series, text).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void metricsHoldSentFailedRetriedAndTheLagFromEventTimestampToSend() throws Exception {
        EventBus bus = EventBuses.load("in-memory", ComponentConfig.empty());
        ScriptedDispatcher d = new ScriptedDispatcher((e, n) -> {
            if (e.requestId().equals("bad")) {
                return DispatchResult.Outcome.permanentFailure("HTTP 400");
            }
            if (e.requestId().equals("flaky") && n == 0) {
                return DispatchResult.Outcome.transientFailure("HTTP 503", null);
            }
            return DispatchResult.Outcome.accepted();
        }, e -> true);
        DispatcherService service = DispatcherService.builder().name("lunary").bus(bus).dispatcher(d).batchSize(1)
                .backoff(Duration.ofMillis(10), Duration.ofMillis(20)).build().start();
        DispatcherMetrics metrics = new DispatcherMetrics(service);
        try (DispatcherHealthServer health = DispatcherHealthServer.start(new InetSocketAddress("127.0.0.1", 0), service,
                metrics::scrape)) {
            // Two events that happened 3 s ago, one just now: the lag is measured from the event's own time.
            Instant threeSecondsAgo = Instant.now().minusSeconds(3);
            bus.publish(TestEvents.chat("old-1").toBuilder().timestamp(threeSecondsAgo).build());
            bus.publish(TestEvents.chat("old-2").toBuilder().timestamp(threeSecondsAgo).build());
            bus.publish(TestEvents.chat("flaky").toBuilder().timestamp(Instant.now()).build());
            bus.publish(TestEvents.chat("bad").toBuilder().timestamp(Instant.now()).build());
            Await.until("settled", Duration.ofSeconds(20), () -> service.stats().sent() == 3
                    && service.stats().failed() == 1);

            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + health.address().getPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
            String text = r.body();
            String l = "{service=\"lunary\",}";
            assertThat(sample(text, "llm_dispatcher_events_sent_total" + l)).isEqualTo(3);
            assertThat(sample(text, "llm_dispatcher_events_failed_total" + l)).isEqualTo(1);
            assertThat(sample(text, "llm_dispatcher_events_retried_total" + l)).isEqualTo(1);
            assertThat(sample(text, "llm_dispatcher_events_processed_total" + l)).isEqualTo(4);
            assertThat(sample(text, "llm_dispatcher_pending_events" + l)).isZero();
            assertThat(sample(text, "llm_dispatcher_up" + l)).isEqualTo(1);
            assertThat(sample(text, "llm_dispatcher_send_lag_seconds_count" + l)).isEqualTo(3);
            assertThat(sample(text, "llm_dispatcher_send_lag_seconds_bucket{service=\"lunary\",le=\"+Inf\",}"))
                    .isEqualTo(3);
            // The two old events took at least 3 s; the fresh one less than 2.5 s.
            assertThat(sample(text, "llm_dispatcher_send_lag_seconds_bucket{service=\"lunary\",le=\"2.5\",}"))
                    .isEqualTo(1);
            assertThat(sample(text, "llm_dispatcher_send_lag_seconds_bucket{service=\"lunary\",le=\"60.0\",}"))
                    .isEqualTo(3);
            assertThat(sample(text, "llm_dispatcher_send_lag_seconds_sum" + l)).isGreaterThanOrEqualTo(6);
            assertThat(text).contains("jvm_threads_current");
            assertThat(sample(text, "llm_dispatcher_bus_pending_events" + l)).isZero();
        } finally {
            service.stop(Duration.ofSeconds(5));
            bus.close(Duration.ofSeconds(1));
        }
    }
}
