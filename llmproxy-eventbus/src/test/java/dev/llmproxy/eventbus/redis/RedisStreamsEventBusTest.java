package dev.llmproxy.eventbus.redis;

import static dev.llmproxy.eventbus.EventBusConfig.OBSERVABILITY_BUFFER_SIZE;
import static dev.llmproxy.eventbus.EventBusConfig.REDIS_CONSUMER_NAME;
import static dev.llmproxy.eventbus.EventBusConfig.REDIS_STREAM_BLOCK_TIME;
import static dev.llmproxy.eventbus.EventBusConfig.REDIS_STREAM_CLAIM_TIME;
import static dev.llmproxy.eventbus.EventBusConfig.REDIS_STREAM_MAX_LEN;
import static dev.llmproxy.eventbus.testing.TestEvents.numbered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmproxy.eventbus.Backlog;
import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.Delivery;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBusStats;
import dev.llmproxy.eventbus.EventBuses;
import dev.llmproxy.eventbus.EventCodec;
import dev.llmproxy.eventbus.PullSubscription;
import dev.llmproxy.eventbus.Subscription;
import dev.llmproxy.eventbus.SubscriptionOptions;
import dev.llmproxy.eventbus.testing.RedisTestSupport;
import dev.llmproxy.eventbus.testing.TcpProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
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
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XPendingParams;
import redis.embedded.RedisServer;

/**
 * The Redis Streams bus against a real Redis ({@code REDIS_URL}, or an embedded redis-server).
 * Each test works under its own key prefix, deleted afterwards.
 */
@Timeout(60)
class RedisStreamsEventBusTest {
    @RegisterExtension
    static final RedisTestSupport redis = new RedisTestSupport();

    private final List<EventBus> buses = new ArrayList<>();

    @AfterEach
    void closeBuses() {
        buses.forEach(b -> b.close(Duration.ofSeconds(2)));
    }

    /** A bus on the test server; short block time so polls and closes are quick. */
    private EventBus bus(String... overrides) {
        return busWith(redis.config(withDefaults(overrides)));
    }

    private EventBus busWith(ComponentConfig config) {
        EventBus bus = EventBuses.load("redis-streams", config);
        buses.add(bus);
        return bus;
    }

    private static String[] withDefaults(String... overrides) {
        List<String> kv = new ArrayList<>(List.of(REDIS_STREAM_BLOCK_TIME, "200ms", REDIS_STREAM_MAX_LEN, "0"));
        kv.addAll(Arrays.asList(overrides));
        return kv.toArray(new String[0]);
    }

    private String stream() {
        return redis.key("events");
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    private static void publishAll(EventBus bus, int from, int to) {
        for (int i = from; i < to; i++) {
            assertThat(bus.publish(numbered(i))).as("publish %d", i).isTrue();
        }
    }

    /** Polls and acks until {@code n} deliveries arrived (or 20 s passed). */
    private static List<Delivery> takeAndAck(PullSubscription sub, int n) throws InterruptedException {
        List<Delivery> got = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (got.size() < n && System.nanoTime() < deadline) {
            List<Delivery> batch = sub.poll(Math.min(500, n - got.size()), Duration.ofMillis(200));
            got.addAll(batch);
            sub.ack(batch);
        }
        return got;
    }

    private static Set<String> expectedIds(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "req-" + i).collect(Collectors.toCollection(LinkedHashSet::new));
    }

    private static List<String> ids(List<Delivery> ds) {
        return ds.stream().map(d -> d.event().requestId()).collect(Collectors.toList());
    }

    private long pendingCount(String group) {
        try (Jedis j = redis.jedis()) {
            return j.xpending(stream(), group).getTotal();
        }
    }

    @Test
    void tenThousandEvents_areAllReadByOneGroup() throws Exception {
        EventBus bus = bus(OBSERVABILITY_BUFFER_SIZE, "20000");
        PullSubscription sub = bus.subscribe(SubscriptionOptions.group("dispatchers"));
        publishAll(bus, 0, 10_000);

        List<Delivery> got = takeAndAck(sub, 10_000);

        assertThat(ids(got)).hasSize(10_000).doesNotHaveDuplicates();
        assertThat(new HashSet<>(ids(got))).isEqualTo(expectedIds(0, 10_000));
        assertThat(got.get(0).event()).isEqualTo(numbered(0)); // the whole event survives the trip
        EventBusStats stats = bus.stats();
        assertThat(stats.published()).isEqualTo(10_000);
        assertThat(stats.dropped()).isZero();
        Backlog backlog = sub.backlog();
        assertThat(backlog.pending()).isZero();
        assertThat(backlog.length()).isEqualTo(10_000);
        assertThat(sub.stats().acked()).isEqualTo(10_000);
    }

    @Test
    void crashedConsumer_leavesMessagesPending_andAnotherConsumerClaimsThem() throws Exception {
        EventBus crashing = bus(REDIS_STREAM_CLAIM_TIME, "500ms");
        PullSubscription a = crashing.subscribe(SubscriptionOptions.group("g").withConsumer("a"));
        publishAll(crashing, 0, 100);
        await("100 events written", () -> crashing.stats().published() == 100);

        List<Delivery> takenByA = new ArrayList<>();
        while (takenByA.size() < 40) {
            takenByA.addAll(a.poll(40 - takenByA.size(), Duration.ofSeconds(1))); // never acknowledged
        }
        crashing.close(Duration.ZERO); // the process "dies" holding 40 unacknowledged events
        assertThat(pendingCount("g")).isEqualTo(40);

        EventBus survivor = bus(REDIS_STREAM_CLAIM_TIME, "500ms");
        PullSubscription b = survivor.subscribe(SubscriptionOptions.group("g").withConsumer("b"));
        List<Delivery> takenByB = takeAndAck(b, 100);

        // None lost: b saw the 60 never delivered plus the 40 a held, which it claimed after the claim time.
        assertThat(new HashSet<>(ids(takenByB))).isEqualTo(expectedIds(0, 100));
        Set<String> claimed = takenByB.stream().filter(Delivery::redelivered).map(d -> d.event().requestId())
                .collect(Collectors.toSet());
        assertThat(claimed).isEqualTo(new HashSet<>(ids(takenByA)));
        assertThat(takenByB.stream().filter(Delivery::redelivered).map(Delivery::id).collect(Collectors.toSet()))
                .isEqualTo(takenByA.stream().map(Delivery::id).collect(Collectors.toSet())); // same stream ids
        assertThat(b.stats().redelivered()).isEqualTo(40);
        assertThat(pendingCount("g")).isZero();
    }

    @Test
    void namedConsumer_restarting_recoversItsOwnPendingMessagesAtOnce() throws Exception {
        // Claim time far away: recovery must come from the consumer's own pending list.
        EventBus first = bus(REDIS_CONSUMER_NAME, "dispatcher-1", REDIS_STREAM_CLAIM_TIME, "10m");
        PullSubscription before = first.subscribe(SubscriptionOptions.group("g"));
        assertThat(before.consumer()).isEqualTo("dispatcher-1");
        publishAll(first, 0, 5);
        List<Delivery> held = new ArrayList<>();
        while (held.size() < 5) {
            held.addAll(before.poll(5, Duration.ofSeconds(1)));
        }
        first.close(Duration.ZERO);

        EventBus second = bus(REDIS_CONSUMER_NAME, "dispatcher-1", REDIS_STREAM_CLAIM_TIME, "10m");
        PullSubscription after = second.subscribe(SubscriptionOptions.group("g"));
        List<Delivery> recovered = after.poll(10, Duration.ofSeconds(5));
        assertThat(recovered).hasSize(5).allSatisfy(d -> assertThat(d.redelivered()).isTrue());
        assertThat(ids(recovered)).isEqualTo(ids(held));
        after.ack(recovered);
        assertThat(pendingCount("g")).isZero();
    }

    @Test
    void differentGroups_fanOut_whileConsumersOfOneGroup_shareTheLoad() throws Exception {
        EventBus bus = bus();
        PullSubscription c1 = bus.subscribe(SubscriptionOptions.group("balanced").withConsumer("c1"));
        PullSubscription c2 = bus.subscribe(SubscriptionOptions.group("balanced").withConsumer("c2"));
        PullSubscription audit = bus.subscribe(SubscriptionOptions.group("audit"));
        PullSubscription file = bus.subscribe(SubscriptionOptions.group("file"));
        List<String> got1 = new CopyOnWriteArrayList<>();
        List<String> got2 = new CopyOnWriteArrayList<>();
        AtomicInteger balancedTotal = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Future<?> f1 = pool.submit(() -> shareUntil(c1, got1, balancedTotal, 1000));
            Future<?> f2 = pool.submit(() -> shareUntil(c2, got2, balancedTotal, 1000));
            Future<List<Delivery>> fa = pool.submit(() -> takeAndAck(audit, 1000));
            Future<List<Delivery>> ff = pool.submit(() -> takeAndAck(file, 1000));
            for (int i = 0; i < 1000; i += 50) {
                publishAll(bus, i, i + 50);
                Thread.sleep(5);
            }
            f1.get(30, TimeUnit.SECONDS);
            f2.get(30, TimeUnit.SECONDS);
            assertThat(new HashSet<>(ids(fa.get(30, TimeUnit.SECONDS)))).isEqualTo(expectedIds(0, 1000));
            assertThat(new HashSet<>(ids(ff.get(30, TimeUnit.SECONDS)))).isEqualTo(expectedIds(0, 1000));
        } finally {
            pool.shutdownNow();
        }
        Set<String> overlap = new HashSet<>(got1);
        overlap.retainAll(got2);
        assertThat(overlap).as("an event given to both consumers of one group").isEmpty();
        assertThat(got1.size() + got2.size()).isEqualTo(1000);
        Set<String> union = new HashSet<>(got1);
        union.addAll(got2);
        assertThat(union).isEqualTo(expectedIds(0, 1000));
        assertThat(got1).as("c1's share").isNotEmpty();
        assertThat(got2).as("c2's share").isNotEmpty();
        assertThat(pendingCount("balanced")).isZero();
    }

    private static Void shareUntil(PullSubscription sub, List<String> into, AtomicInteger total, int n)
            throws InterruptedException {
        while (total.get() < n) {
            List<Delivery> batch = sub.poll(20, Duration.ofMillis(100));
            into.addAll(ids(batch));
            sub.ack(batch);
            total.addAndGet(batch.size());
            Thread.sleep(1); // give the other consumer of the group a turn
        }
        return null;
    }

    @Test
    void redisDown_publishStillReturnsAtOnce_dropsBeyondTheBuffer_andDeliversTheRestWhenBack() throws Exception {
        try (TcpProxy link = new TcpProxy(redis.host(), redis.port())) {
            link.stop(); // Redis unreachable from the start
            EventBus bus = busWith(redis.configFor("127.0.0.1", link.port(), withDefaults(
                    OBSERVABILITY_BUFFER_SIZE, "100")));
            PullSubscription sub = bus.subscribe(SubscriptionOptions.group("g"));

            Set<String> accepted = new LinkedHashSet<>();
            int rejected = 0;
            long t0 = System.nanoTime();
            for (int i = 0; i < 1000; i++) {
                if (bus.publish(numbered(i))) {
                    accepted.add("req-" + i);
                } else {
                    rejected++;
                }
            }
            long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - t0);
            System.out.printf("1000 publishes with Redis down took %d us in total%n", micros);

            // The buffer holds 100; the publisher thread holds at most one more batch of at most
            // the buffer's size, which it keeps retrying.
            assertThat(accepted.size()).isBetween(100, 200);
            assertThat(rejected).isEqualTo(1000 - accepted.size());
            assertThat(bus.stats().dropped()).isEqualTo(rejected);
            assertThat(bus.stats().published()).isZero();
            await("a failed write attempt", () -> bus.stats().publishErrors() > 0);

            // Consumers see no events and no exceptions while Redis is down.
            assertThat(sub.poll(10, Duration.ofMillis(300))).isEmpty();
            assertThat(sub.stats().connected()).isFalse();
            assertThat(sub.stats().errors()).isPositive();

            link.start(); // Redis is back
            await("buffered events written", () -> bus.stats().published() == accepted.size());
            assertThat(bus.stats().reconnects()).isPositive();
            List<Delivery> got = takeAndAck(sub, accepted.size());
            assertThat(new LinkedHashSet<>(ids(got))).isEqualTo(accepted);
            assertThat(sub.stats().connected()).isTrue();
            assertThat(bus.stats().dropped()).isEqualTo(rejected);
        }
    }

    @Test
    void redisLostMidStream_unacknowledgedWorkIsRecovered_andNothingIsLost() throws Exception {
        try (TcpProxy link = new TcpProxy(redis.host(), redis.port())) {
            EventBus bus = busWith(redis.configFor("127.0.0.1", link.port(), withDefaults()));
            PullSubscription sub = bus.subscribe(SubscriptionOptions.group("g"));
            publishAll(bus, 0, 50);
            List<Delivery> first = takeAndAck(sub, 50);

            link.stop();
            publishAll(bus, 50, 100); // buffered while Redis is unreachable
            assertThat(sub.poll(10, Duration.ofMillis(300))).isEmpty();
            link.start();

            List<Delivery> rest = takeAndAck(sub, 50);
            List<String> all = new ArrayList<>(ids(first));
            all.addAll(ids(rest));
            assertThat(new HashSet<>(all)).isEqualTo(expectedIds(0, 100));
            await("acks flushed", () -> pendingCount("g") == 0);
        }
    }

    @Test
    void redisRestartedWithoutPersistence_groupIsRecreated_andBufferedEventsArrive() throws Exception {
        int port = RedisTestSupport.freePort();
        RedisServer server = RedisTestSupport.startEmbedded(port);
        try {
            EventBus bus = busWith(redis.configFor("127.0.0.1", port, withDefaults()));
            PullSubscription sub = bus.subscribe(SubscriptionOptions.group("g"));
            publishAll(bus, 0, 10);
            assertThat(new HashSet<>(ids(takeAndAck(sub, 10)))).isEqualTo(expectedIds(0, 10));

            server.stop(); // killed: the stream and the consumer group are gone with it
            publishAll(bus, 10, 30); // buffered meanwhile
            assertThat(sub.poll(10, Duration.ofMillis(300))).isEmpty();

            server = RedisTestSupport.startEmbedded(port); // back, empty
            await("buffered events written", () -> bus.stats().published() == 30);
            List<Delivery> after = takeAndAck(sub, 20);
            assertThat(new HashSet<>(ids(after))).isEqualTo(expectedIds(10, 30));
            assertThat(bus.stats().dropped()).isZero();
        } finally {
            server.stop();
        }
    }

    @Test
    void undecodableMessages_areCountedAcknowledgedAndSkipped() throws Exception {
        EventBus bus = bus();
        PullSubscription sub = bus.subscribe(SubscriptionOptions.group("g"));
        try (Jedis j = redis.jedis()) {
            j.xadd(stream(), StreamEntryID.NEW_ENTRY, Map.of("event", "{not json"));
            j.xadd(stream(), StreamEntryID.NEW_ENTRY, Map.of("data", "{\"RequestID\":\"from the Go proxy\"}"));
            j.xadd(stream(), StreamEntryID.NEW_ENTRY, Map.of("event",
                    EventCodec.encodeToString(numbered(99)).replace("\"v\":1", "\"v\":7")));
        }
        publishAll(bus, 0, 2);

        List<Delivery> got = takeAndAck(sub, 2);
        assertThat(ids(got)).containsExactly("req-0", "req-1");
        await("poison counted", () -> sub.stats().undecodable() == 3);
        assertThat(sub.poll(10, Duration.ofMillis(300))).isEmpty(); // they never come back
        assertThat(pendingCount("g")).isZero();
    }

    @Test
    void pendingMessagesTrimmedFromTheStream_areAcknowledgedInsteadOfLoopingForever() throws Exception {
        EventBus first = bus(REDIS_STREAM_CLAIM_TIME, "200ms");
        PullSubscription a = first.subscribe(SubscriptionOptions.group("g").withConsumer("a"));
        publishAll(first, 0, 10);
        List<Delivery> held = new ArrayList<>();
        while (held.size() < 10) {
            held.addAll(a.poll(10, Duration.ofSeconds(1)));
        }
        first.close(Duration.ZERO);
        try (Jedis j = redis.jedis()) {
            j.xtrim(stream(), 0, false); // everything a held is gone from the stream
        }
        EventBus second = bus(REDIS_STREAM_CLAIM_TIME, "200ms");
        PullSubscription b = second.subscribe(SubscriptionOptions.group("g").withConsumer("b"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pendingCount("g") > 0 && System.nanoTime() < deadline) {
            assertThat(b.poll(10, Duration.ofMillis(100))).isEmpty();
        }
        assertThat(pendingCount("g")).isZero();
    }

    @Test
    void handlerSubscription_acknowledgesAfterSuccess_andAFailedBatchComesBack() throws Exception {
        EventBus bus = bus(REDIS_STREAM_CLAIM_TIME, "300ms");
        List<Delivery> handled = new CopyOnWriteArrayList<>();
        List<String> failedBatch = new CopyOnWriteArrayList<>();
        Subscription sub = bus.subscribe(SubscriptionOptions.group("file-log").withBatchSize(5), batch -> {
            if (failedBatch.isEmpty()) {
                failedBatch.addAll(ids(batch));
                throw new java.io.IOException("backend unavailable");
            }
            handled.addAll(batch);
        });
        publishAll(bus, 0, 20);
        await("all 20 handled", () -> new HashSet<>(ids(handled)).size() == 20);
        // The failed batch was not acknowledged: it came back, marked as a redelivery.
        assertThat(handled.stream().filter(Delivery::redelivered).map(d -> d.event().requestId()))
                .containsExactlyInAnyOrderElementsOf(failedBatch);
        assertThat(sub.stats().nacked()).isEqualTo(failedBatch.size());
        await("all acknowledged", () -> pendingCount("file-log") == 0);
        sub.close();
        assertThat(sub.isClosed()).isTrue();
    }

    @Test
    void close_writesEverythingStillBuffered() throws Exception {
        EventBus bus = bus();
        publishAll(bus, 0, 2_000);
        bus.close(Duration.ofSeconds(10));
        assertThat(bus.stats().published()).isEqualTo(2_000);
        assertThat(bus.stats().queueDepth()).isZero();
        try (Jedis j = redis.jedis()) {
            assertThat(j.xlen(stream())).isEqualTo(2_000);
        }
        assertThat(bus.publish(numbered(1))).isFalse();
        assertThatThrownBy(() -> bus.subscribe(SubscriptionOptions.defaults())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void maxLen_trimsTheStreamApproximately() throws Exception {
        EventBus bus = bus(REDIS_STREAM_MAX_LEN, "100");
        publishAll(bus, 0, 2_000);
        await("written", () -> bus.stats().published() == 2_000);
        try (Jedis j = redis.jedis()) {
            assertThat(j.xlen(stream())).isBetween(100L, 500L);
        }
    }

    @Test
    void backlog_reportsPendingAndLength() throws Exception {
        EventBus bus = bus();
        PullSubscription sub = bus.subscribe(SubscriptionOptions.group("g"));
        publishAll(bus, 0, 10);
        await("written", () -> bus.stats().published() == 10);
        List<Delivery> held = new ArrayList<>();
        while (held.size() < 4) {
            held.addAll(sub.poll(4 - held.size(), Duration.ofSeconds(1)));
        }
        Backlog backlog = sub.backlog();
        assertThat(backlog.pending()).isEqualTo(4);
        assertThat(backlog.length()).isEqualTo(10);
        assertThat(backlog.waiting()).isIn(6L, -1L); // -1 on Redis < 7, which cannot tell
        assertThat(sub.stats().inFlight()).isEqualTo(4);
        sub.nack(held);
        assertThat(sub.stats().inFlight()).isZero();
        assertThat(pendingCount("g")).as("nack leaves messages pending for redelivery").isEqualTo(4);
        try (Jedis j = redis.jedis()) {
            assertThat(j.xpending(stream(), "g", XPendingParams.xPendingParams().count(10))).hasSize(4);
        }
    }

    @Test
    void consumerNames_areUniquePerSubscription_andDuplicatesAreRejected() {
        EventBus bus = bus();
        PullSubscription s1 = bus.subscribe(SubscriptionOptions.group("g"));
        PullSubscription s2 = bus.subscribe(SubscriptionOptions.group("g"));
        assertThat(s1.consumer()).isNotEqualTo(s2.consumer()).contains(String.valueOf(ProcessHandle.current().pid()));
        bus.subscribe(SubscriptionOptions.group("g").withConsumer("x"));
        assertThatThrownBy(() -> bus.subscribe(SubscriptionOptions.group("g").withConsumer("x")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already subscribed");
        bus.subscribe(SubscriptionOptions.group("other").withConsumer("x")); // fine in another group
    }

    @Test
    void closingASubscription_interruptsALongBlockingPoll() throws Exception {
        EventBus bus = bus(REDIS_STREAM_BLOCK_TIME, "60s");
        PullSubscription sub = bus.subscribe(SubscriptionOptions.group("g"));
        sub.poll(1, Duration.ZERO); // creates the group and connects
        CountDownLatch returned = new CountDownLatch(1);
        List<Delivery> result = Collections.synchronizedList(new ArrayList<>());
        Thread poller = new Thread(() -> {
            try {
                result.addAll(sub.poll(10, Duration.ofMinutes(5)));
            } catch (InterruptedException ignored) {
                // not expected
            }
            returned.countDown();
        });
        poller.start();
        Thread.sleep(200); // let it block in XREADGROUP
        sub.close();
        assertThat(returned.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(result).isEmpty();
        assertThat(sub.isClosed()).isTrue();
    }
}
