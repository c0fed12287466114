package dev.llmproxy.examples.eventbus;

import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.ConfigurationException;
import dev.llmproxy.eventbus.Delivery;
import dev.llmproxy.eventbus.Event;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.PullSubscription;
import dev.llmproxy.eventbus.SubscriptionOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The bus's contract on a real directory: fan-out, resume after restart, redelivery, bad lines. */
class JsonlFileEventBusTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private EventBus open() {
        return new JsonlFileEventBusProvider().create(ComponentConfig.of(Map.of(JsonlFileEventBusProvider.DIR,
                dir.toString())));
    }

    private static Event event(String id) {
        return Event.builder().requestId(id).method("POST").path("/v1/chat/completions").status(200)
                .durationMillis(3).requestBody("{\"line\":\"one\\ntwo\"}".getBytes(StandardCharsets.UTF_8), 1024)
                .build();
    }

    /** Polls until {@code n} deliveries arrived (or the wait is over). */
    private static List<Delivery> take(PullSubscription s, int n) throws InterruptedException {
        List<Delivery> all = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (all.size() < n && System.nanoTime() < deadline) {
            all.addAll(s.poll(n - all.size(), Duration.ofMillis(200)));
        }
        return all;
    }

    private static List<String> ids(List<Delivery> deliveries) {
        return deliveries.stream().map(d -> d.event().requestId()).toList();
    }

    @Test
    void everyGroupGetsEveryEvent_inOrder_withBodiesIntact() throws Exception {
        try (EventBus bus = open()) {
            for (int i = 0; i < 5; i++) {
                assertThat(bus.publish(event("e" + i))).isTrue();
            }
            PullSubscription a = bus.subscribe(SubscriptionOptions.group("a"));
            PullSubscription b = bus.subscribe(SubscriptionOptions.group("b"));
            List<Delivery> fromA = take(a, 5);
            assertThat(ids(fromA)).containsExactly("e0", "e1", "e2", "e3", "e4");
            assertThat(ids(take(b, 5))).containsExactly("e0", "e1", "e2", "e3", "e4");
            assertThat(fromA.get(0).event().requestBody().toUtf8String()).isEqualTo("{\"line\":\"one\\ntwo\"}");
            assertThat(bus.stats().published()).isEqualTo(5);
            assertThat(Files.readAllLines(dir.resolve(JsonlFileEventBus.LOG_FILE))).hasSize(5);
        }
    }

    @Test
    void aNewSubscriptionResumesAtTheOldestUnacknowledgedEvent() throws Exception {
        try (EventBus bus = open()) {
            for (int i = 0; i < 4; i++) {
                bus.publish(event("e" + i));
            }
            PullSubscription first = bus.subscribe(SubscriptionOptions.group("g"));
            List<Delivery> got = take(first, 4);
            first.ack(got.subList(0, 2));
            assertThat(first.backlog().pending()).isEqualTo(2);
            first.close(); // as if the process died with e2 and e3 unacknowledged

            PullSubscription second = bus.subscribe(SubscriptionOptions.group("g"));
            List<Delivery> again = take(second, 2);
            assertThat(ids(again)).containsExactly("e2", "e3");
            second.ack(again);
            assertThat(second.poll(10, Duration.ofMillis(300))).isEmpty();
            assertThat(second.backlog().waiting()).isZero();
        }
    }

    @Test
    void aNackedEventComesAgain_markedRedelivered() throws Exception {
        try (EventBus bus = open()) {
            bus.publish(event("x"));
            bus.publish(event("y"));
            PullSubscription s = bus.subscribe(SubscriptionOptions.group("g"));
            List<Delivery> got = take(s, 2);
            s.ack(got.subList(0, 1));
            s.nack(got.subList(1, 2));
            List<Delivery> again = take(s, 1);
            assertThat(ids(again)).containsExactly("y");
            assertThat(again.get(0).redelivered()).isTrue();
            assertThat(s.stats().redelivered()).isEqualTo(1);
            assertThat(s.stats().nacked()).isEqualTo(1);
        }
    }

    @Test
    void aLineThatIsNotAnEvent_isSkippedAndCounted() throws Exception {
        Files.writeString(dir.resolve(JsonlFileEventBus.LOG_FILE), "not json\n", StandardOpenOption.CREATE);
        try (EventBus bus = open()) {
            bus.publish(event("good"));
            PullSubscription s = bus.subscribe(SubscriptionOptions.group("g"));
            assertThat(ids(take(s, 1))).containsExactly("good");
            assertThat(s.stats().undecodable()).isEqualTo(1);
        }
    }

    @Test
    void publishAfterClose_isRefusedAndCounted_andABadBufferSizeIsAConfigurationError() {
        EventBus bus = open();
        bus.close(Duration.ofSeconds(5));
        assertThat(bus.publish(event("late"))).isFalse();
        assertThat(bus.stats().dropped()).isEqualTo(1);
        assertThatThrownBy(() -> new JsonlFileEventBusProvider().create(ComponentConfig.of(Map.of(
                JsonlFileEventBusProvider.DIR, dir.toString(), "OBSERVABILITY_BUFFER_SIZE", "0"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("OBSERVABILITY_BUFFER_SIZE");
    }
}
