package dev.llmproxy.eventbus.memory;

import dev.llmproxy.eventbus.Backlog;
import dev.llmproxy.eventbus.Delivery;
import dev.llmproxy.eventbus.Event;
import dev.llmproxy.eventbus.PullSubscription;
import dev.llmproxy.eventbus.SubscriptionStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * One consumer of an in-memory group. Polls take events out of the group's shared queue, so the
 * group's consumers split the events between them. Acknowledgement only does bookkeeping (the
 * event is already out of the queue), which {@link InMemoryEventBus#close} uses to wait for
 * batches in progress.
 */
final class MemorySubscription implements PullSubscription {
    private final InMemoryEventBus bus;
    private final GroupQueue group;
    private final String consumer;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder acked = new LongAdder();
    private final LongAdder nacked = new LongAdder();
    private volatile boolean taking;
    private volatile boolean closed;

    MemorySubscription(InMemoryEventBus bus, GroupQueue group, String consumer) {
        this.bus = bus;
        this.group = group;
        this.consumer = consumer;
    }

    @Override
    public List<Delivery> poll(int maxEvents, Duration timeout) throws InterruptedException {
        if (maxEvents < 1) {
            throw new IllegalArgumentException("maxEvents must be >= 1, got " + maxEvents);
        }
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, got " + timeout);
        }
        List<Delivery> out = new ArrayList<>();
        if (isClosed()) {
            return out;
        }
        List<Event> events = new ArrayList<>(Math.min(maxEvents, 256));
        try {
            long first = group.drain(events, maxEvents, saturatedNanos(timeout), this);
            if (first < 0) {
                return out;
            }
            for (int i = 0; i < events.size(); i++) {
                String id = Long.toString(first + i);
                inFlight.add(id);
                out.add(new Delivery(id, events.get(i), false));
            }
            delivered.add(events.size());
            return out;
        } finally {
            taking = false;
        }
    }

    @Override
    public void ack(Collection<Delivery> deliveries) {
        acked.add(settle(deliveries));
    }

    @Override
    public void nack(Collection<Delivery> deliveries) {
        // At-most-once: a batch given back is gone. Counted so the loss is visible.
        nacked.add(settle(deliveries));
    }

    private int settle(Collection<Delivery> deliveries) {
        int n = 0;
        for (Delivery d : deliveries) {
            if (inFlight.remove(Objects.requireNonNull(d, "delivery").id())) {
                n++;
            }
        }
        return n;
    }

    @Override
    public Backlog backlog() {
        int queued = group.size();
        long pending = 0;
        for (MemorySubscription s : group.consumers) {
            pending += s.inFlight.size();
        }
        return new Backlog(queued, pending, queued);
    }

    @Override
    public String group() {
        return group.name;
    }

    @Override
    public String consumer() {
        return consumer;
    }

    @Override
    public SubscriptionStats stats() {
        return new SubscriptionStats(delivered.sum(), 0, acked.sum(), nacked.sum(), 0, 0,
                inFlight.size(), 0, true);
    }

    @Override
    public boolean isClosed() {
        return closed || group.isClosed();
    }

    boolean closedFlag() {
        return closed;
    }

    /**
     * Called by {@link GroupQueue#drain} under the queue lock when it hands this consumer events,
     * and cleared by poll once they are registered as in flight. Together with reading the queue
     * size under the same lock, this keeps the bus's close from seeing "queue empty, nothing in
     * flight" while a batch is in hand.
     */
    void beginTake() {
        taking = true;
    }

    /** Whether a batch is being taken or is delivered and not yet settled. */
    boolean busy() {
        // Order matters: read taking first (see beginTake).
        return taking || !inFlight.isEmpty();
    }

    /** Marks closed without leaving the group (the bus is closing every group itself). */
    void markClosed() {
        closed = true;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        bus.leave(this, group);
        group.wakeAll();
    }

    @Override
    public String toString() {
        return "MemorySubscription[" + group.name + "/" + consumer + "]";
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
