package dev.llmproxy.eventbus.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.Delivery;
import dev.llmproxy.eventbus.Event;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBusStats;
import dev.llmproxy.eventbus.PullSubscription;
import dev.llmproxy.eventbus.SubscriptionOptions;
import dev.llmproxy.eventbus.testing.TestEvents;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Prints the single-thread publish rate with one fast subscriber. It measures, it does not judge:
 * timing depends on the machine, so the only assertions are on the accounting. The target is
 * above 1,000,000 publishes per second.
 */
class InMemoryEventBusThroughputTest {

    @Test
    @Timeout(60)
    void publishRate_withOneFastSubscriber_isPrinted() throws Exception {
        EventBus bus = new InMemoryEventBusProvider().create(ComponentConfig.empty()); // 10000 per group
        PullSubscription sub = bus.subscribe(SubscriptionOptions.group("fast"));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong received = new AtomicLong();
        Thread consumer = new Thread(() -> {
            try {
                while (!stop.get() || sub.backlog().waiting() > 0) {
                    List<Delivery> batch = sub.poll(1000, Duration.ofMillis(10));
                    received.addAndGet(batch.size());
                    sub.ack(batch);
                }
            } catch (InterruptedException ignored) {
                // stop
            }
        });
        consumer.start();
        Event event = TestEvents.numbered(1); // the proxy builds one per request; publishing is what we time
        int warmup = 500_000;
        for (int i = 0; i < warmup; i++) {
            bus.publish(event);
        }
        int n = 5_000_000;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            bus.publish(event);
        }
        long elapsed = System.nanoTime() - t0;
        stop.set(true);
        consumer.join(10_000);
        EventBusStats stats = bus.stats();
        System.out.printf("in-memory publish: %,d events in %d ms = %,.0f publishes/s on one thread "
                        + "(one subscriber received %,d, dropped %,d)%n",
                n, elapsed / 1_000_000, n * 1e9 / elapsed, received.get(), stats.dropped());
        assertThat(stats.published() + stats.dropped()).isEqualTo(warmup + n);
        assertThat(received.get()).isEqualTo(stats.published());
        bus.close(Duration.ZERO);
    }
}
