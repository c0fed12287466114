package dev.llmproxy.dispatch;

import dev.llmproxy.dispatch.testing.Await;
import dev.llmproxy.dispatch.testing.ScriptedDispatcher;
import dev.llmproxy.dispatch.testing.TestEvents;
import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBuses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The service loop against the in-memory bus and a scripted backend. */
class DispatcherServiceTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private EventBus bus;
    private DispatcherService service;

    @BeforeEach
    void bus() {
        bus = EventBuses.load("in-memory", ComponentConfig.empty());
    }

    @AfterEach
    void close() {
        if (service != null) {
            service.stop(Duration.ofSeconds(5));
        }
        bus.close(Duration.ofSeconds(1));
    }

    private DispatcherService.Builder service(Dispatcher d) {
        return DispatcherService.builder().name("test").bus(bus).dispatcher(d)
                .backoff(Duration.ofMillis(5), Duration.ofMillis(20));
    }

    private void publish(int from, int to) {
        for (int i = from; i < to; i++) {
            assertThat(bus.publish(TestEvents.chat("req-" + i))).isTrue();
        }
    }

    @Test
    void fullBatchesAreSentAtBatchSize_andTheRestOnStop() {
        ScriptedDispatcher d = ScriptedDispatcher.acceptingAll();
        service = service(d).batchSize(10).flushInterval(Duration.ofHours(1)).build().start();
        publish(0, 25);

        Await.until("two full batches", WAIT, () -> service.stats().sent() == 20 && service.stats().pending() == 5);
        assertThat(d.batches()).extracting(List::size).containsExactly(10, 10);

        assertThat(service.stop(Duration.ofSeconds(5))).isTrue();
        assertThat(d.batches()).extracting(List::size).containsExactly(10, 10, 5);
        assertThat(service.stats().sent()).isEqualTo(25);
        assertThat(service.stats().pending()).isZero();
        assertThat(service.stats().running()).isFalse();
        assertThat(service.busStats().acked()).isEqualTo(25);
        assertThat(d.closed()).as("the service closes its dispatcher").isTrue();
    }

    @Test
    void aPartialBatchIsSentAfterTheFlushInterval() {
        ScriptedDispatcher d = ScriptedDispatcher.acceptingAll();
        service = service(d).batchSize(100).flushInterval(Duration.ofMillis(50)).build().start();
        publish(0, 3);

        Await.until("the partial batch", WAIT, () -> service.stats().sent() == 3);
        assertThat(d.batches().stream().mapToInt(List::size).sum()).isEqualTo(3);
        assertThat(service.stats().running()).isTrue();
    }

    @Test
    void partialFailure_retriesOnlyTheTransientOnes_andNeverResendsAcceptedEvents() {
        // req-i: i % 3 == 0 fails transiently the first time; == 1 is accepted; == 2 is refused for good.
        ScriptedDispatcher d = new ScriptedDispatcher((e, before) -> {
            int i = Integer.parseInt(e.requestId().substring(4));
            if (i % 3 == 0) {
                return before == 0 ? DispatchResult.Outcome.transientFailure("HTTP 503", null)
                        : DispatchResult.Outcome.accepted();
            }
            return i % 3 == 1 ? DispatchResult.Outcome.accepted() : DispatchResult.Outcome.permanentFailure("HTTP 400: bad");
        });
        service = service(d).batchSize(30).flushInterval(Duration.ofHours(1)).build().start();
        publish(0, 30);

        Await.until("every event settled", WAIT, () -> service.stats().sent() + service.stats().failed() == 30);
        DispatcherStats s = service.stats();
        assertThat(s.sent()).isEqualTo(20);
        assertThat(s.failed()).isEqualTo(10);
        assertThat(s.retried()).isEqualTo(10);
        assertThat(s.pending()).isZero();
        assertThat(s.lastError()).isIn("HTTP 503", "HTTP 400: bad");

        List<List<String>> batches = d.batches();
        assertThat(batches).hasSize(2);
        assertThat(batches.get(0)).hasSize(30);
        List<String> expectedRetry = new ArrayList<>();
        for (int i = 0; i < 30; i += 3) {
            expectedRetry.add("req-" + i);
        }
        assertThat(batches.get(1)).as("the retry holds exactly the transient failures").isEqualTo(expectedRetry);
        for (int i = 0; i < 30; i++) {
            assertThat(d.sendCount("req-" + i)).as("req-" + i).isEqualTo(i % 3 == 0 ? 2 : 1);
        }
        Await.until("acks", WAIT, () -> service.busStats().acked() == 30);
    }

    @Test
    void anEventFailingTransientlyForever_isGivenUpAfterTheMaximumRetryAge() {
        ScriptedDispatcher d = new ScriptedDispatcher((e, n) -> DispatchResult.Outcome.transientFailure("HTTP 502", null));
        service = service(d).batchSize(5).flushInterval(Duration.ofMillis(10)).maxRetryAge(Duration.ofMillis(200))
                .build().start();
        publish(0, 5);

        Await.until("given up", WAIT, () -> service.stats().failed() == 5);
        assertThat(d.sendCount("req-0")).isGreaterThan(1);
        assertThat(service.stats().sent()).isZero();
        assertThat(service.stats().lastError()).contains("maximum retry age");
        Await.until("acked", WAIT, () -> service.busStats().acked() == 5);
    }

    @Test
    void eventsTheDispatcherDoesNotTake_areSkippedAndAcked() {
        ScriptedDispatcher d = new ScriptedDispatcher((e, n) -> DispatchResult.Outcome.accepted(),
                e -> "POST".equals(e.event().method()));
        service = service(d).batchSize(1).build().start();
        bus.publish(TestEvents.listModels("get-1"));
        bus.publish(TestEvents.chat("post-1"));

        Await.until("both settled", WAIT, () -> service.stats().sent() == 1 && service.stats().skipped() == 1);
        assertThat(d.batches()).containsExactly(List.of("post-1"));
        assertThat(service.stats().processed()).isEqualTo(2);
        Await.until("acked", WAIT, () -> service.busStats().acked() == 2);
    }

    @Test
    void aThrowingOrFailingOrHangingDispatcher_isATransientFailure() {
        AtomicInteger calls = new AtomicInteger();
        Dispatcher flaky = new Dispatcher() {
            @Override
            public CompletionStage<DispatchResult> send(List<DispatchEvent> batch) {
                switch (calls.incrementAndGet()) {
                    case 1:
                        throw new IllegalStateException("boom");
                    case 2:
                        return CompletableFuture.failedFuture(new java.io.IOException("connection reset"));
                    case 3:
                        return new CompletableFuture<>(); // never completes
                    default:
                        return CompletableFuture.completedFuture(DispatchResult.allAccepted(batch));
                }
            }
        };
        service = service(flaky).batchSize(2).sendTimeout(Duration.ofMillis(100)).build().start();
        publish(0, 2);

        Await.until("sent after three failures", WAIT, () -> service.stats().sent() == 2);
        assertThat(calls.get()).isEqualTo(4);
        assertThat(service.stats().retried()).isEqualTo(6);
        assertThat(service.stats().failed()).isZero();
        assertThat(service.stats().lastError()).startsWith("no answer within");
    }

    @Test
    void aDispatcherThatReportsNothing_getsItsEventsRetried() {
        AtomicInteger calls = new AtomicInteger();
        Dispatcher forgetful = batch -> CompletableFuture.completedFuture(
                calls.incrementAndGet() == 1 ? DispatchResult.empty() : DispatchResult.allAccepted(batch));
        service = service(forgetful).batchSize(3).build().start();
        publish(0, 3);
        Await.until("sent", WAIT, () -> service.stats().sent() == 3);
        assertThat(calls.get()).isEqualTo(2);
    }

    @Test
    void pendingAndLag_describeTheEventsHeld() {
        service = service(ScriptedDispatcher.acceptingAll()).batchSize(100).flushInterval(Duration.ofHours(1))
                .build().start();
        publish(0, 4);
        Await.until("held", WAIT, () -> service.stats().pending() == 4);
        long sinceT0 = Duration.between(TestEvents.T0, Instant.now()).toMillis();
        assertThat(service.stats().lagMillis()).isGreaterThanOrEqualTo(sinceT0);
        assertThat(service.stats().processed()).isEqualTo(4);
    }

    @Test
    void stopDuringAnOutage_retriesUntilTheDeadline_thenGivesTheEventsBack() {
        ScriptedDispatcher d = new ScriptedDispatcher((e, n) -> DispatchResult.Outcome.transientFailure("HTTP 503", null));
        service = service(d).batchSize(3).flushInterval(Duration.ofMillis(10)).build().start();
        publish(0, 3);
        Await.until("first failure", WAIT, () -> d.sendCount("req-0") >= 1);

        assertThat(service.stop(Duration.ofMillis(300))).isTrue();
        assertThat(service.stats().sent()).isZero();
        assertThat(service.stats().failed()).as("not counted failed: given back to the bus").isZero();
        assertThat(service.stats().pending()).isZero();
        assertThat(service.busStats().nacked()).isEqualTo(3);
        assertThat(service.busStats().acked()).isZero();
    }

    @Test
    void defaultGroup_isDispatcherDashName() {
        service = service(ScriptedDispatcher.acceptingAll()).build().start();
        assertThat(service.group()).isEqualTo("dispatcher-test");
        DispatcherService custom = DispatcherService.builder().name("x").bus(bus).dispatcher(ScriptedDispatcher.acceptingAll())
                .group("my-group").consumer("me").build().start();
        try {
            assertThat(custom.group()).isEqualTo("my-group");
            assertThat(custom.consumer()).isEqualTo("me");
        } finally {
            custom.stop(Duration.ofSeconds(2));
        }
    }

    @Test
    void backoff_isFullJitterBelowADoublingCappedCeiling() {
        Backoff b = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(30));
        assertThat(b.ceilingMillis(0)).isEqualTo(200);
        assertThat(b.ceilingMillis(1)).isEqualTo(400);
        assertThat(b.ceilingMillis(5)).isEqualTo(6400);
        assertThat(b.ceilingMillis(8)).isEqualTo(30_000);
        assertThat(b.ceilingMillis(100)).isEqualTo(30_000);
        for (int attempt = 0; attempt < 12; attempt++) {
            for (int i = 0; i < 200; i++) {
                assertThat(b.delayMillis(attempt)).isBetween(0L, b.ceilingMillis(attempt));
            }
        }
    }
}
