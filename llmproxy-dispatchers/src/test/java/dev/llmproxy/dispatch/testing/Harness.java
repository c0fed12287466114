package dev.llmproxy.dispatch.testing;

import dev.llmproxy.dispatch.Dispatcher;
import dev.llmproxy.dispatch.DispatcherService;
import dev.llmproxy.dispatch.DispatcherStats;
import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.Event;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBuses;

import java.time.Duration;

/**
 * An in-memory bus and a running {@link DispatcherService} with fast retries, for backend tests.
 * The flush interval is an hour, so a batch is sent exactly when {@code batchSize} events have
 * arrived: tests publish a multiple of it and know how the batches are cut.
 */
public final class Harness implements AutoCloseable {

    public final EventBus bus = EventBuses.load("in-memory", ComponentConfig.empty());
    public final DispatcherService service;

    public Harness(String name, Dispatcher dispatcher, int batchSize) {
        service = DispatcherService.builder().name(name).bus(bus).dispatcher(dispatcher).batchSize(batchSize)
                .flushInterval(Duration.ofHours(1)).backoff(Duration.ofMillis(5), Duration.ofMillis(50))
                .build().start();
    }

    public void publish(Event... events) {
        for (Event e : events) {
            if (!bus.publish(e)) {
                throw new AssertionError("bus refused " + e);
            }
        }
    }

    /** Waits until {@code n} events are settled (sent or failed). */
    public DispatcherStats awaitSettled(long n) {
        Await.until(n + " events settled", Duration.ofSeconds(30),
                () -> service.stats().sent() + service.stats().failed() >= n, () -> service.stats().toString());
        return service.stats();
    }

    @Override
    public void close() {
        service.stop(Duration.ofSeconds(5));
        bus.close(Duration.ofSeconds(1));
    }
}
