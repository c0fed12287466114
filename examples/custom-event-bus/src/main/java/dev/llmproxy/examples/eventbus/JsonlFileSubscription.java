package dev.llmproxy.examples.eventbus;

import dev.llmproxy.eventbus.Backlog;
import dev.llmproxy.eventbus.Delivery;
import dev.llmproxy.eventbus.EventCodec;
import dev.llmproxy.eventbus.MalformedEventException;
import dev.llmproxy.eventbus.PullSubscription;
import dev.llmproxy.eventbus.SubscriptionStats;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;

/**
 * One subscriber group reading {@code events.jsonl}. A delivery's id is the byte offset where its
 * line starts. The group's offset file holds the start of the oldest line not yet acknowledged, so
 * after a crash everything unacknowledged is delivered again (at least once), and nothing
 * acknowledged is.
 */
final class JsonlFileSubscription implements PullSubscription {

    private static final int FIRST_READ = 256 * 1024;
    private static final int MAX_LINE = 64 * 1024 * 1024;
    private static final Duration IDLE_SLEEP = Duration.ofMillis(50);

    private final Path file;
    private final Path offsetFile;
    private final String group;
    private final String consumer;

    /** Delivered and not acknowledged: line start → line end (exclusive). */
    private final TreeMap<Long, Long> inFlight = new TreeMap<>();
    /** Everything before this was delivered at least once in this process. */
    private long highestDelivered;
    private long committed;
    private long readPosition;
    private long delivered;
    private long redelivered;
    private long acked;
    private long nacked;
    private long undecodable;
    private long errors;
    private volatile boolean closed;

    JsonlFileSubscription(Path file, Path offsetFile, String group, String consumer) {
        this.file = file;
        this.offsetFile = offsetFile;
        this.group = group;
        this.consumer = consumer;
        this.committed = readOffset(offsetFile);
        this.readPosition = committed;
        this.highestDelivered = committed;
    }

    private static long readOffset(Path offsetFile) {
        try {
            return Long.parseLong(Files.readString(offsetFile).strip());
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + offsetFile, e);
        } catch (NumberFormatException e) {
            throw new IllegalStateException(offsetFile + " does not hold a byte offset: " + e.getMessage(), e);
        }
    }

    @Override
    public List<Delivery> poll(int maxEvents, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<Delivery> batch = readBatch(Math.max(1, maxEvents));
            if (!batch.isEmpty() || closed || System.nanoTime() - deadline >= 0) {
                return batch;
            }
            Thread.sleep(Math.min(IDLE_SLEEP.toMillis(), Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
        }
    }

    private synchronized List<Delivery> readBatch(int maxEvents) {
        List<Delivery> out = new ArrayList<>();
        if (closed || !Files.exists(file)) {
            return out;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            int size = FIRST_READ;
            while (out.isEmpty()) {
                ByteBuffer buf = ByteBuffer.allocate(size);
                int n = ch.read(buf, readPosition);
                if (n <= 0) {
                    return out;
                }
                byte[] bytes = buf.array();
                int lineStart = 0;
                for (int i = 0; i < n && out.size() < maxEvents; i++) {
                    if (bytes[i] != '\n') {
                        continue;
                    }
                    long start = readPosition + lineStart;
                    long end = readPosition + i + 1;
                    try {
                        boolean again = start < highestDelivered;
                        out.add(new Delivery(Long.toString(start), EventCodec.decode(bytes, lineStart, i - lineStart),
                                again));
                        inFlight.put(start, end);
                        delivered++;
                        if (again) {
                            redelivered++;
                        }
                    } catch (MalformedEventException e) {
                        undecodable++; // a torn or foreign line: skipped, never retried
                    }
                    lineStart = i + 1;
                }
                if (lineStart == 0) {
                    // No complete line in the buffer: a line still being written, or a long one.
                    if (n < size || size >= MAX_LINE) {
                        return out;
                    }
                    size = Math.min(MAX_LINE, size * 2);
                    continue;
                }
                readPosition += lineStart;
                highestDelivered = Math.max(highestDelivered, readPosition);
                if (out.isEmpty()) {
                    commit(); // only undecodable lines: move past them
                }
            }
        } catch (IOException e) {
            errors++;
        }
        return out;
    }

    @Override
    public synchronized void ack(Collection<Delivery> deliveries) {
        for (Delivery d : deliveries) {
            if (inFlight.remove(Long.parseLong(d.id())) != null) {
                acked++;
            }
        }
        commit();
    }

    @Override
    public synchronized void nack(Collection<Delivery> deliveries) {
        long rewind = Long.MAX_VALUE;
        for (Delivery d : deliveries) {
            long start = Long.parseLong(d.id());
            if (inFlight.containsKey(start)) {
                nacked++;
                rewind = Math.min(rewind, start);
            }
        }
        if (rewind != Long.MAX_VALUE) {
            // Read again from the oldest refused line; later in-flight lines come again with it.
            inFlight.tailMap(rewind, true).clear();
            readPosition = rewind;
        }
    }

    /** Writes the start of the oldest unacknowledged line (or the read position) atomically. */
    private void commit() {
        long upTo = inFlight.isEmpty() ? readPosition : inFlight.firstKey();
        if (upTo == committed) {
            return;
        }
        try {
            Path tmp = offsetFile.resolveSibling(offsetFile.getFileName() + ".tmp");
            Files.writeString(tmp, Long.toString(upTo), StandardCharsets.US_ASCII);
            Files.move(tmp, offsetFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            committed = upTo;
        } catch (IOException e) {
            errors++;
        }
    }

    @Override
    public synchronized Backlog backlog() {
        long length;
        try {
            length = Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            length = -1;
        }
        // Counting the lines still to read would mean reading them: say 0 when there are none and
        // "cannot tell" (-1) otherwise; the length is unknown in events for the same reason.
        long waiting = length >= 0 && length <= readPosition ? 0 : -1;
        return new Backlog(waiting, inFlight.size(), -1);
    }

    @Override
    public String group() {
        return group;
    }

    @Override
    public String consumer() {
        return consumer;
    }

    @Override
    public synchronized SubscriptionStats stats() {
        return new SubscriptionStats(delivered, redelivered, acked, nacked, undecodable, 0, inFlight.size(), errors,
                true);
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
    }
}
