package dev.llmproxy.eventbus.redis;

import dev.llmproxy.eventbus.Event;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBusStats;
import dev.llmproxy.eventbus.EventHandler;
import dev.llmproxy.eventbus.PullSubscription;
import dev.llmproxy.eventbus.Subscription;
import dev.llmproxy.eventbus.SubscriptionOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code redis-streams} event bus: events cross processes through one Redis stream, consumer
 * groups give fan-out (one group per consumer kind) and load balancing (several consumers in a
 * group), and consumers acknowledge only what they have processed (at-least-once).
 *
 * <pre>
 *  request threads ──publish()──► bounded buffer ──► publisher thread ──XADD pipeline──► stream
 *                     (offer only,                    (encodes, batches,                   │
 *                      never I/O)                      reconnects)                         │
 *  consumer ◄──poll()── StreamSubscription ◄──XREADGROUP / XAUTOCLAIM (reader connection)──┘
 *  consumer ──ack()──► XACK (shared control connection)
 * </pre>
 *
 * <p><b>Cost on the request path:</b> one {@code ArrayBlockingQueue.offer}. No encoding, no
 * network round trip. Memory: up to {@code OBSERVABILITY_BUFFER_SIZE} events buffered while Redis
 * is slow or down, plus the batch the publisher is retrying (at most as many again); each event
 * holds its captured bodies (at most the configured caps), so the worst case is
 * {@code 2 × buffer size × (max request body + max response body)}. Size the buffer with that in
 * mind.
 *
 * <p><b>Threads and connections:</b> one publisher thread and connection; one reader connection
 * per subscription (plus one thread per handler subscription); one shared control connection for
 * acknowledgements. No connection pool.
 *
 * <p><b>Guarantees.</b> An event accepted by {@link #publish} reaches the stream unless the buffer
 * is still unwritten when close gives up (counted as dropped). Redis may trim the stream to about
 * {@code REDIS_STREAM_MAX_LEN} entries; a group that lags further behind loses the oldest. A
 * delivered message stays pending until acknowledged; if its consumer dies it is claimed by another
 * after {@code REDIS_STREAM_CLAIM_TIME}, so a consumer can see an event twice (see
 * {@link dev.llmproxy.eventbus.Delivery#redelivered()}).
 *
 * <p>Thread-safe.
 */
final class RedisStreamsEventBus implements EventBus {
    private static final Logger log = LoggerFactory.getLogger(RedisStreamsEventBus.class);

    private final RedisSettings settings;
    private final RedisConnector connector;
    private final ArrayBlockingQueue<Event> buffer;
    private final StreamPublisher publisher;
    private final RedisControl control;
    private final AtomicLong rejected = new AtomicLong();

    private final Object lock = new Object();
    private final Set<String> consumersInUse = new HashSet<>(); // "group\0consumer"; guarded by lock
    private final List<StreamSubscription> subscriptions = new ArrayList<>(); // guarded by lock
    private volatile boolean closing;

    RedisStreamsEventBus(RedisSettings settings) {
        this.settings = settings;
        this.connector = new RedisConnector(settings);
        this.buffer = new ArrayBlockingQueue<>(settings.bufferSize());
        this.publisher = new StreamPublisher(settings, connector, buffer);
        this.control = new RedisControl(connector);
        publisher.start();
        log.info("Redis Streams event bus started: {}", settings);
    }

    @Override
    public boolean publish(Event event) {
        Objects.requireNonNull(event, "event");
        if (closing || !buffer.offer(event)) {
            rejected.incrementAndGet();
            return false;
        }
        return true;
    }

    @Override
    public PullSubscription subscribe(SubscriptionOptions options) {
        String group = options.group() != null ? options.group() : settings.defaultGroup();
        synchronized (lock) {
            if (closing) {
                throw new IllegalStateException("event bus is closed");
            }
            String consumer = options.consumer() != null ? options.consumer()
                    : settings.consumerName() != null ? settings.consumerName() : ConsumerNames.generate();
            if (!consumersInUse.add(group + '\0' + consumer)) {
                throw new IllegalStateException("consumer '" + consumer + "' of group '" + group
                        + "' is already subscribed on this bus; give each subscription its own consumer name");
            }
            StreamSubscription sub = new StreamSubscription(this, settings, connector, control, group, consumer);
            subscriptions.add(sub);
            return sub;
        }
    }

    @Override
    public Subscription subscribe(SubscriptionOptions options, EventHandler handler) {
        SubscriptionOptions resolved = options
                .withBatchSize(options.batchSize() > 0 ? options.batchSize() : settings.batchSize())
                .withPollTimeout(options.pollTimeout() != null ? options.pollTimeout() : settings.blockTime());
        return EventBus.super.subscribe(resolved, handler);
    }

    void onClosed(StreamSubscription sub) {
        synchronized (lock) {
            consumersInUse.remove(sub.group() + '\0' + sub.consumer());
            if (!closing) {
                subscriptions.remove(sub);
            }
        }
    }

    @Override
    public EventBusStats stats() {
        return new EventBusStats(publisher.published.get(), rejected.get() + publisher.dropped.get(),
                buffer.size(), settings.bufferSize(), publisher.publishErrors.get(), publisher.reconnects.get());
    }

    @Override
    public void close(Duration timeout) {
        List<StreamSubscription> subs;
        synchronized (lock) {
            if (closing) {
                return;
            }
            closing = true;
            subs = new ArrayList<>(subscriptions);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        // 1. Stop taking new messages: they stay in the stream for the other consumers.
        for (StreamSubscription s : subs) {
            s.close();
        }
        // 2. Write what publishers handed us.
        publisher.stop(deadline);
        // 3. Let consumers finish and acknowledge the batches they hold.
        try {
            while (System.nanoTime() - deadline < 0 && subs.stream().anyMatch(s -> s.inFlightCount() > 0)) {
                Thread.sleep(5);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int unacked = 0;
        for (StreamSubscription s : subs) {
            s.flushUnsentAcks();
            unacked += s.inFlightCount() + s.unsentAckCount();
        }
        if (unacked > 0) {
            log.info("[{}] closing with {} deliveries unacknowledged; they stay pending and will be "
                    + "claimed by another consumer after {}", settings.streamKey(), unacked, settings.claimTime());
        }
        control.close();
        EventBusStats st = stats();
        log.info("Redis Streams event bus closed: published={}, dropped={}, publishErrors={}, reconnects={}",
                st.published(), st.dropped(), st.publishErrors(), st.reconnects());
    }

    @Override
    public String toString() {
        return "RedisStreamsEventBus[" + settings + "]";
    }
}
