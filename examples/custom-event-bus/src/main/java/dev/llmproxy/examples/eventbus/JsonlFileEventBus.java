package dev.llmproxy.examples.eventbus;

import dev.llmproxy.eventbus.Event;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBusStats;
import dev.llmproxy.eventbus.EventCodec;
import dev.llmproxy.eventbus.PullSubscription;
import dev.llmproxy.eventbus.SubscriptionOptions;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link EventBus} on a plain file: every event is one JSON line ({@link EventCodec}) appended
 * to {@code <dir>/events.jsonl}, and every subscriber group keeps the byte offset up to which it
 * has acknowledged in {@code <dir>/<group>.offset}. A proxy process writes, a dispatcher process
 * (or {@code tail -f}) reads: a durable, at-least-once bus with no server to run.
 *
 * <p>What it does not do (use {@code redis-streams} for these): several writers on one file (lines
 * of two processes could interleave), several consumers in one group (each would read everything),
 * trimming (the file grows until you rotate it while nothing runs).
 *
 * <p>{@link #publish} never blocks: it offers the event to a bounded queue that one writer thread
 * drains in batches; a full queue drops the event and counts it.
 */
final class JsonlFileEventBus implements EventBus {

    static final String LOG_FILE = "events.jsonl";
    private static final Duration WRITER_POLL = Duration.ofMillis(100);

    private final Path dir;
    private final Path file;
    private final BlockingQueue<Event> queue;
    private final int capacity;
    private final Thread writer;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong writeErrors = new AtomicLong();
    private final List<JsonlFileSubscription> subscriptions = new ArrayList<>();
    private volatile boolean closed;

    JsonlFileEventBus(Path dir, int capacity) {
        this.dir = dir;
        this.file = dir.resolve(LOG_FILE);
        this.capacity = capacity;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.writer = new Thread(this::writeLoop, "jsonl-event-bus-writer");
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    public boolean publish(Event event) {
        Objects.requireNonNull(event, "event");
        if (!closed && queue.offer(event)) {
            published.incrementAndGet();
            return true;
        }
        dropped.incrementAndGet();
        return false;
    }

    private void writeLoop() {
        List<Event> batch = new ArrayList<>();
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND), 64 * 1024)) {
            while (!closed || !queue.isEmpty()) {
                Event first = queue.poll(WRITER_POLL.toMillis(), TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 1000);
                for (Event e : batch) {
                    // EventCodec writes one line: JSON escapes every newline inside strings.
                    EventCodec.encode(e, out);
                    out.write('\n');
                }
                // Whole lines reach the file together, so a reader never sees half a batch for long.
                out.flush();
                batch.clear();
            }
        } catch (IOException e) {
            writeErrors.incrementAndGet();
            dropped.addAndGet(batch.size() + queue.size());
            queue.clear();
            closed = true;
            System.getLogger(JsonlFileEventBus.class.getName()).log(System.Logger.Level.ERROR,
                    "jsonl-file event bus cannot write " + file + "; events are dropped from now on", e);
        } catch (InterruptedException e) {
            // close(timeout) ran out of time: what is still queued is counted as dropped there.
            dropped.addAndGet(batch.size());
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized PullSubscription subscribe(SubscriptionOptions options) {
        if (closed) {
            throw new IllegalStateException("the event bus is closed");
        }
        String group = options.group() != null ? options.group() : "default";
        String consumer = options.consumer() != null ? options.consumer() : "consumer-" + ProcessHandle.current().pid();
        JsonlFileSubscription s = new JsonlFileSubscription(file, dir.resolve(group + ".offset"), group, consumer);
        subscriptions.add(s);
        return s;
    }

    @Override
    public EventBusStats stats() {
        return new EventBusStats(published.get(), dropped.get(), queue.size(), capacity, writeErrors.get(), 0);
    }

    @Override
    public void close(Duration timeout) {
        synchronized (this) {
            if (closed && !writer.isAlive()) {
                return;
            }
            closed = true;
        }
        try {
            writer.join(Math.max(1, timeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            writer.interrupt();
        }
        // Left over: the deadline passed, or a publish raced with close after the writer's last look.
        dropped.addAndGet(queue.size());
        queue.clear();
        synchronized (this) {
            subscriptions.forEach(JsonlFileSubscription::close);
        }
    }
}
