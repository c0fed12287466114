package dev.llmproxy.dispatch;

import dev.llmproxy.dispatch.testing.Await;
import dev.llmproxy.dispatch.testing.ScriptedDispatcher;
import dev.llmproxy.dispatch.testing.TestEvents;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBusConfig;
import dev.llmproxy.eventbus.EventBuses;
import dev.llmproxy.eventbus.testing.RedisTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Dispatcher services on a real Redis Streams bus: fan-out, load balancing, acknowledgement timing. */
class RedisGroupsTest {

    @RegisterExtension
    static final RedisTestSupport redis = new RedisTestSupport();

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int N = 300;

    private EventBus bus;
    private final List<DispatcherService> services = new ArrayList<>();

    @BeforeEach
    void bus() {
        bus = EventBuses.load("redis-streams", redis.config(EventBusConfig.REDIS_STREAM_MAX_LEN, "0",
                EventBusConfig.REDIS_STREAM_BLOCK_TIME, "200ms"));
    }

    @AfterEach
    void close() {
        services.forEach(s -> s.stop(Duration.ofSeconds(5)));
        bus.close(Duration.ofSeconds(5));
    }

    private DispatcherService start(String name, String group, String consumer, Dispatcher d) {
        DispatcherService s = DispatcherService.builder().name(name).bus(bus).dispatcher(d).group(group)
                .consumer(consumer).batchSize(50).flushInterval(Duration.ofMillis(20))
                .backoff(Duration.ofMillis(5), Duration.ofMillis(50)).build().start();
        services.add(s);
        return s;
    }

    private Set<String> publishAll() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < N; i++) {
            assertThat(bus.publish(TestEvents.chat("req-" + i))).isTrue();
            ids.add("req-" + i);
        }
        return ids;
    }

    private static Set<String> received(ScriptedDispatcher d) {
        Set<String> ids = new HashSet<>();
        d.batches().forEach(ids::addAll);
        return ids;
    }

    @Test
    void differentGroups_eachReceiveEveryEvent() {
        ScriptedDispatcher file = ScriptedDispatcher.acceptingAll();
        ScriptedDispatcher langfuse = ScriptedDispatcher.acceptingAll();
        DispatcherService a = start("file", null, null, file);
        DispatcherService b = start("langfuse", null, null, langfuse);
        assertThat(a.group()).isEqualTo("dispatcher-file");
        assertThat(b.group()).isEqualTo("dispatcher-langfuse");

        Set<String> all = publishAll();
        Await.until("both groups got everything", WAIT, () -> a.stats().sent() == N && b.stats().sent() == N);
        assertThat(received(file)).isEqualTo(all);
        assertThat(received(langfuse)).isEqualTo(all);
        assertThat(a.backlog().pending()).isZero();
    }

    @Test
    void sameGroup_splitsTheEventsBetweenItsConsumers() throws Exception {
        // Each consumer holds its first batch until the other has one too, so both take part
        // however the reads interleave.
        CountDownLatch bothHaveWork = new CountDownLatch(2);
        ScriptedDispatcher[] ds = new ScriptedDispatcher[2];
        for (int i = 0; i < 2; i++) {
            ds[i] = ScriptedDispatcher.acceptingAll().beforeFirstSend(() -> {
                bothHaveWork.countDown();
                try {
                    bothHaveWork.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        DispatcherService one = start("file", "shared", "consumer-1", ds[0]);
        DispatcherService two = start("file", "shared", "consumer-2", ds[1]);

        Set<String> all = publishAll();
        Await.until("the group got everything", WAIT, () -> one.stats().sent() + two.stats().sent() == N);
        Set<String> first = received(ds[0]);
        Set<String> second = received(ds[1]);
        assertThat(first).isNotEmpty();
        assertThat(second).isNotEmpty();
        Set<String> overlap = new HashSet<>(first);
        overlap.retainAll(second);
        assertThat(overlap).as("no event goes to both consumers of a group").isEmpty();
        Set<String> union = new HashSet<>(first);
        union.addAll(second);
        assertThat(union).isEqualTo(all);
    }

    @Test
    void eventsStayPendingInRedis_untilTheBackendAnswers() throws Exception {
        CompletableFuture<Void> release = new CompletableFuture<>();
        CountDownLatch inSend = new CountDownLatch(1);
        Dispatcher slow = batch -> {
            inSend.countDown();
            return release.thenApply(v -> DispatchResult.allAccepted(batch));
        };
        DispatcherService s = start("slow", null, null, slow);
        for (int i = 0; i < 10; i++) {
            bus.publish(TestEvents.chat("req-" + i));
        }
        assertThat(inSend.await(20, TimeUnit.SECONDS)).isTrue();
        Await.until("all ten read", WAIT, () -> s.stats().processed() == 10);
        assertThat(s.backlog().pending()).as("read but not acknowledged while the backend works").isEqualTo(10);

        release.complete(null);
        Await.until("acknowledged", WAIT, () -> s.stats().sent() == 10 && s.backlog().pending() == 0);
    }

    @Test
    void stopDuringAnOutage_leavesEventsPending_andTheNextRunWithTheSameConsumerSendsThem() {
        ScriptedDispatcher down = new ScriptedDispatcher((e, n) -> DispatchResult.Outcome.transientFailure("HTTP 503", null));
        DispatcherService first = start("lunary", null, "lunary-1", down);
        for (int i = 0; i < 20; i++) {
            bus.publish(TestEvents.chat("req-" + i));
        }
        Await.until("the outage is seen", WAIT, () -> first.stats().processed() == 20 && first.stats().retried() > 0);
        assertThat(first.stop(Duration.ofMillis(200))).isTrue();
        assertThat(first.stats().sent()).isZero();
        assertThat(first.stats().failed()).isZero();

        ScriptedDispatcher up = ScriptedDispatcher.acceptingAll();
        DispatcherService second = start("lunary", null, "lunary-1", up);
        Await.until("the restart sends them", WAIT, () -> second.stats().sent() == 20);
        assertThat(received(up)).hasSize(20);
        assertThat(second.busStats().redelivered()).isEqualTo(20);
        Await.until("nothing pending", WAIT, () -> second.backlog().pending() == 0);
    }
}
