package dev.llmproxy.eventbus.memory;

import dev.llmproxy.eventbus.Event;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded queue of one subscriber group, shared by the group's consumers.
 *
 * <p>A ring buffer under one lock, like {@link java.util.concurrent.ArrayBlockingQueue}, plus what
 * that class lacks: draining a batch with a timeout in one lock acquisition, and waking every
 * waiting consumer when the group or one consumer closes. {@link #offer} is the publisher's whole
 * cost per group: an uncontended lock, an array store and a signal that is free when no consumer
 * waits. It never blocks beyond the lock and never allocates.
 */
final class GroupQueue {
    final String name;
    final CopyOnWriteArrayList<MemorySubscription> consumers = new CopyOnWriteArrayList<>();
    final LongAdder dropped = new LongAdder();

    private final Event[] items;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private int head;
    private int tail;
    private int count;
    private long sequence; // delivery ids; guarded by lock
    private boolean closed; // guarded by lock

    GroupQueue(String name, int capacity) {
        this.name = name;
        this.items = new Event[capacity];
    }

    /** Adds an event; false if the queue is full or closed. */
    boolean offer(Event event) {
        final ReentrantLock lock = this.lock;
        lock.lock();
        try {
            if (count == items.length || closed) {
                return false;
            }
            items[tail] = event;
            if (++tail == items.length) {
                tail = 0;
            }
            count++;
            notEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Moves up to {@code max} events into {@code out}, waiting up to {@code timeoutNanos} for the
     * first. Returns the first delivery sequence number of the batch, or -1 if nothing was taken
     * (timeout, queue closed, or {@code consumer} closed).
     */
    long drain(List<Event> out, int max, long timeoutNanos, MemorySubscription consumer)
            throws InterruptedException {
        final ReentrantLock lock = this.lock;
        lock.lockInterruptibly();
        try {
            long nanos = timeoutNanos;
            while (count == 0) {
                if (closed || consumer.closedFlag() || nanos <= 0) {
                    return -1;
                }
                nanos = notEmpty.awaitNanos(nanos);
            }
            if (consumer.closedFlag()) {
                return -1;
            }
            int n = Math.min(max, count);
            consumer.beginTake();
            for (int i = 0; i < n; i++) {
                out.add(items[head]);
                items[head] = null;
                if (++head == items.length) {
                    head = 0;
                }
            }
            count -= n;
            if (count > 0) {
                notEmpty.signal(); // pass the baton: another consumer of the group may be waiting
            }
            long first = sequence + 1;
            sequence += n;
            return first;
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return count;
        } finally {
            lock.unlock();
        }
    }

    int capacity() {
        return items.length;
    }

    /** Wakes every waiting consumer so it re-checks whether it was closed. */
    void wakeAll() {
        lock.lock();
        try {
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Closes the queue (offers fail from now on), empties it and returns how many events it held. */
    int closeAndClear() {
        lock.lock();
        try {
            closed = true;
            int lost = count;
            for (int i = 0; i < count; i++) {
                items[(head + i) % items.length] = null;
            }
            head = tail = count = 0;
            notEmpty.signalAll();
            return lost;
        } finally {
            lock.unlock();
        }
    }

    boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }
}
