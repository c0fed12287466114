package dev.llmproxy.eventbus.memory;

import static dev.llmproxy.eventbus.testing.TestEvents.numbered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmproxy.eventbus.Backlog;
import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.Delivery;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBusConfig;
import dev.llmproxy.eventbus.EventBusStats;
import dev.llmproxy.eventbus.PullSubscription;
import dev.llmproxy.eventbus.Subscription;
import dev.llmproxy.eventbus.SubscriptionOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class InMemoryEventBusTest {
    private final List<EventBus> buses = new ArrayList<>();

    private EventBus bus(int capacity) {
        EventBus bus = new InMemoryEventBusProvider().create(ComponentConfig.of(Map.of(
                EventBusConfig.OBSERVABILITY_BUFFER_SIZE, String.valueOf(capacity),
                EventBusConfig.REDIS_STREAM_BLOCK_TIME, "200ms")));
        buses.add(bus);
        return bus;
    }

    @AfterEach
    void closeBuses() {
        buses.forEach(b -> b.close(Duration.ZERO));
    }

    private static List<String> ids(List<Delivery> deliveries) {
        return deliveries.stream().map(d -> d.event().requestId()).collect(Collectors.toList());
    }

    /** Polls and acks until {@code n} deliveries arrived or 10 s passed. */
    private static List<Delivery> take(PullSubscription sub, int n) throws InterruptedException {
        List<Delivery> got = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (got.size() < n && System.nanoTime() < deadline) {
            List<Delivery> batch = sub.poll(n - got.size(), Duration.ofMillis(100));
            sub.ack(batch);
            got.addAll(batch);
        }
        return got;
    }

    private static List<String> expectedIds(int n) {
        return IntStream.range(0, n).mapToObj(i -> "req-" + i).collect(Collectors.toList());
    }

    @Test
    void differentGroups_eachReceiveEveryEventInOrder() throws Exception {
        EventBus bus = bus(1000);
        PullSubscription a = bus.subscribe(SubscriptionOptions.group("file-log"));
        PullSubscription b = bus.subscribe(SubscriptionOptions.group("langfuse"));
        for (int i = 0; i < 500; i++) {
            assertThat(bus.publish(numbered(i))).isTrue();
        }
        assertThat(ids(take(a, 500))).isEqualTo(expectedIds(500));
        assertThat(ids(take(b, 500))).isEqualTo(expectedIds(500));
        assertThat(bus.stats().published()).isEqualTo(500);
        assertThat(bus.stats().dropped()).isZero();
    }

    @Test
    void sameGroup_consumersShareTheEvents_eachExactlyOnce() throws Exception {
        EventBus bus = bus(10_000);
        PullSubscription c1 = bus.subscribe(SubscriptionOptions.group("dispatchers").withConsumer("c1"));
        PullSubscription c2 = bus.subscribe(SubscriptionOptions.group("dispatchers").withConsumer("c2"));
        List<String> got1 = Collections.synchronizedList(new ArrayList<>());
        List<String> got2 = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger total = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> f1 = pool.submit(() -> consumeUntil(c1, got1, total, 5000));
            Future<?> f2 = pool.submit(() -> consumeUntil(c2, got2, total, 5000));
            for (int i = 0; i < 5000; i++) {
                bus.publish(numbered(i));
                if (i % 100 == 0) {
                    Thread.sleep(1); // let both consumers get a turn
                }
            }
            f1.get(10, TimeUnit.SECONDS);
            f2.get(10, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        Set<String> union = new HashSet<>(got1);
        union.addAll(got2);
        assertThat(got1.size() + got2.size()).isEqualTo(5000);
        assertThat(union).containsExactlyInAnyOrderElementsOf(expectedIds(5000));
        assertThat(got1).isNotEmpty();
        assertThat(got2).isNotEmpty();
    }

    private static Void consumeUntil(PullSubscription sub, List<String> into, AtomicInteger total, int n)
            throws InterruptedException {
        while (total.get() < n) {
            List<Delivery> batch = sub.poll(50, Duration.ofMillis(50));
            batch.forEach(d -> into.add(d.event().requestId()));
            total.addAndGet(batch.size());
            sub.ack(batch);
        }
        return null;
    }

    @Test
    void fullQueue_dropsAndCounts_andKeepsTheOldestEvents() throws Exception {
        EventBus bus = bus(10);
        PullSubscription idle = bus.subscribe(SubscriptionOptions.group("idle"));
        int accepted = 0;
        for (int i = 0; i < 25; i++) {
            if (bus.publish(numbered(i))) {
                accepted++;
            }
        }
        assertThat(accepted).isEqualTo(10);
        EventBusStats stats = bus.stats();
        assertThat(stats.published()).isEqualTo(10);
        assertThat(stats.dropped()).isEqualTo(15);
        assertThat(stats.queueDepth()).isEqualTo(10);
        assertThat(stats.queueCapacity()).isEqualTo(10);
        assertThat(ids(take(idle, 10))).isEqualTo(expectedIds(10));
    }

    @Test
    void blockedSubscriber_doesNotDelayOthers_andOnlyItsGroupDrops() throws Exception {
        EventBus bus = bus(100);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch slowStarted = new CountDownLatch(1);
        List<String> slow = new CopyOnWriteArrayList<>();
        List<String> fast = new CopyOnWriteArrayList<>();
        Subscription slowSub = bus.subscribe(SubscriptionOptions.group("slow").withBatchSize(1), batch -> {
            slowStarted.countDown();
            release.await(); // stuck, like a backend that hangs
            batch.forEach(d -> slow.add(d.event().requestId()));
        });
        bus.subscribe(SubscriptionOptions.group("fast"), batch -> batch.forEach(d -> fast.add(d.event().requestId())));

        bus.publish(numbered(0));
        assertThat(slowStarted.await(5, TimeUnit.SECONDS)).isTrue(); // slow handler now holds event 0
        for (int i = 1; i < 1000; i++) {
            bus.publish(numbered(i));
            if (i % 50 == 0) {
                awaitSize(fast, i + 1); // the fast consumer keeps up; the slow one cannot
            }
        }
        awaitSize(fast, 1000);
        assertThat(fast).containsExactlyElementsOf(expectedIds(1000));

        long droppedForSlow = bus.stats().dropped();
        assertThat(droppedForSlow).isEqualTo(1000 - 1 - 100); // queue of 100 full behind the stuck batch
        release.countDown();
        awaitSize(slow, 101);
        assertThat(slow).hasSize(101).startsWith("req-0", "req-1");
        assertThat(slowSub.stats().delivered()).isEqualTo(101);
    }

    private static void awaitSize(List<?> list, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (list.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(list).hasSize(n);
    }

    @Test
    void close_drainsQueuedEventsThroughHandlersBeforeReturning() {
        EventBus bus = bus(2000);
        AtomicInteger handled = new AtomicInteger();
        Subscription sub = bus.subscribe(SubscriptionOptions.group("file-log").withBatchSize(10), batch -> {
            Thread.sleep(1); // a little work per batch, so the queue is still full when close starts
            handled.addAndGet(batch.size());
        });
        for (int i = 0; i < 2000; i++) {
            assertThat(bus.publish(numbered(i))).isTrue();
        }
        bus.close(Duration.ofSeconds(20));
        assertThat(handled.get()).isEqualTo(2000);
        assertThat(bus.stats().dropped()).isZero();
        assertThat(sub.isClosed()).isTrue();
        assertThat(bus.publish(numbered(1))).isFalse();
        assertThat(bus.stats().dropped()).isEqualTo(1);
        assertThatThrownBy(() -> bus.subscribe(SubscriptionOptions.defaults())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void close_waitsForPulledBatchesToBeAcknowledged() throws Exception {
        EventBus bus = bus(100);
        PullSubscription sub = bus.subscribe(SubscriptionOptions.group("g"));
        bus.publish(numbered(1));
        List<Delivery> held = sub.poll(10, Duration.ofSeconds(1));
        assertThat(held).hasSize(1);
        CountDownLatch closed = new CountDownLatch(1);
        Thread closer = new Thread(() -> {
            bus.close(Duration.ofSeconds(10));
            closed.countDown();
        });
        closer.start();
        assertThat(closed.await(200, TimeUnit.MILLISECONDS)).as("close waits while a batch is in flight").isFalse();
        sub.ack(held);
        assertThat(closed.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(sub.isClosed()).isTrue();
        assertThat(sub.poll(10, Duration.ofSeconds(5))).isEmpty();
    }

    @Test
    void close_withTimeout_countsWhatWasNotDrainedAsDropped() {
        EventBus bus = bus(100);
        PullSubscription idle = bus.subscribe(SubscriptionOptions.group("idle"));
        for (int i = 0; i < 5; i++) {
            bus.publish(numbered(i));
        }
        bus.close(Duration.ofMillis(20));
        assertThat(bus.stats().dropped()).isEqualTo(5);
        assertThat(idle.isClosed()).isTrue();
    }

    @Test
    void handlerFailure_dropsTheBatchAndCountsIt_thenDeliveryContinues() throws Exception {
        EventBus bus = bus(100);
        List<String> seen = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        Subscription sub = bus.subscribe(SubscriptionOptions.group("flaky").withBatchSize(1), batch -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("backend down");
            }
            batch.forEach(d -> seen.add(d.event().requestId()));
        });
        bus.publish(numbered(0));
        bus.publish(numbered(1));
        awaitSize(seen, 1);
        assertThat(seen).containsExactly("req-1");
        assertThat(sub.stats().nacked()).isEqualTo(1);
        assertThat(sub.stats().acked()).isEqualTo(1);
    }

    @Test
    void noSubscribers_eventsAreAcceptedAndDiscarded() {
        EventBus bus = bus(10);
        assertThat(bus.publish(numbered(1))).isTrue();
        assertThat(bus.stats().published()).isEqualTo(1);
        assertThat(bus.stats().queueDepth()).isZero();
    }

    @Test
    void lastConsumerLeaving_dropsItsGroupsQueue_andLaterSubscribersStartFresh() throws Exception {
        EventBus bus = bus(10);
        PullSubscription sub = bus.subscribe(SubscriptionOptions.group("g"));
        bus.publish(numbered(1));
        bus.publish(numbered(2));
        sub.close();
        assertThat(sub.isClosed()).isTrue();
        assertThat(bus.stats().dropped()).isEqualTo(2);
        PullSubscription again = bus.subscribe(SubscriptionOptions.group("g"));
        assertThat(again.poll(10, Duration.ZERO)).isEmpty();
        bus.publish(numbered(3));
        assertThat(ids(again.poll(10, Duration.ofSeconds(1)))).containsExactly("req-3");
    }

    @Test
    void closingOneConsumer_wakesItsBlockedPoll() throws Exception {
        EventBus bus = bus(10);
        PullSubscription sub = bus.subscribe(SubscriptionOptions.group("g"));
        CountDownLatch returned = new CountDownLatch(1);
        Thread poller = new Thread(() -> {
            try {
                sub.poll(10, Duration.ofMinutes(5));
            } catch (InterruptedException ignored) {
                // not expected
            }
            returned.countDown();
        });
        poller.start();
        Thread.sleep(50);
        sub.close();
        assertThat(returned.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void ackBookkeeping_backlogAndStats() throws Exception {
        EventBus bus = bus(10);
        PullSubscription sub = bus.subscribe(SubscriptionOptions.group("g").withConsumer("me"));
        assertThat(sub.group()).isEqualTo("g");
        assertThat(sub.consumer()).isEqualTo("me");
        for (int i = 0; i < 4; i++) {
            bus.publish(numbered(i));
        }
        List<Delivery> batch = sub.poll(3, Duration.ZERO);
        assertThat(batch).hasSize(3).allSatisfy(d -> assertThat(d.redelivered()).isFalse());
        assertThat(batch.stream().map(Delivery::id).distinct()).hasSize(3);
        assertThat(sub.backlog()).isEqualTo(new Backlog(1, 3, 1));
        sub.ack(batch.subList(0, 2));
        sub.ack(batch.subList(0, 2)); // repeated acks are ignored
        sub.nack(batch.subList(2, 3));
        assertThat(sub.stats().acked()).isEqualTo(2);
        assertThat(sub.stats().nacked()).isEqualTo(1);
        assertThat(sub.stats().inFlight()).isZero();
        assertThat(sub.stats().delivered()).isEqualTo(3);
    }

    @Test
    void poll_validatesArguments() {
        PullSubscription sub = bus(10).subscribe(SubscriptionOptions.defaults());
        assertThat(sub.group()).isEqualTo(EventBusConfig.DEFAULT_CONSUMER_GROUP);
        assertThatThrownBy(() -> sub.poll(0, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> sub.poll(1, Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    }
}
