package dev.llmproxy.core.events;

import dev.llmproxy.eventbus.Delivery;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventCodec;
import dev.llmproxy.eventbus.Subscription;
import dev.llmproxy.eventbus.SubscriptionOptions;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Writes every instrumentation event as one JSON line to a file ({@code --file-event-log PATH},
 * {@code FILE_EVENT_LOG}). It is an ordinary bus subscriber in its own group
 * ({@value #GROUP}), so with Redis Streams it receives every event without taking any away from
 * the dispatchers' group.
 *
 * <p>Each delivered batch is encoded in memory, appended, and forced to disk before it is
 * acknowledged, so a crash never acknowledges an event that is not in the file (with Redis Streams
 * an unacknowledged batch is delivered again). A batch is all or nothing: when appending fails
 * (disk full) the file is cut back to where the batch began and the same batch is tried again,
 * backing off from 100 ms to 5 s, until it is written or the log is closed; so a full disk neither
 * duplicates lines nor leaves half of one, and no event is given up while the process runs (the
 * in-memory bus would drop a batch given back to it). Meanwhile new events wait in the bus, whose
 * own bounds and drop counters apply. A line torn by a crash mid-append (its batch was never
 * acknowledged) is cut off when the file is opened again. Requests are never affected because the
 * proxy only publishes. One writer thread; the file is appended to, never rewritten.
 */
public final class FileEventLog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FileEventLog.class);

    /** The subscriber group of the file log. */
    public static final String GROUP = "file-event-log";

    /** Batches above this size do not keep their encoding buffer between batches. */
    private static final int KEPT_BUFFER_BYTES = 1024 * 1024;
    private static final long FIRST_BACKOFF_MILLIS = 100;
    private static final long MAX_BACKOFF_MILLIS = 5_000;

    private final Path file;
    private final FileChannel channel;
    private BatchBuffer batchBytes = new BatchBuffer();
    private final Subscription subscription;
    private final CountDownLatch closed = new CountDownLatch(1);

    private FileEventLog(EventBus bus, Path file, Opener opener) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        this.file = file;
        this.channel = opener.open(file);
        cutTornLastLine();
        this.subscription = bus.subscribe(SubscriptionOptions.group(GROUP), this::write);
    }

    /**
     * Opens (creating it and its directories if needed) {@code file} for appending and starts
     * writing events from {@code bus} to it.
     *
     * @throws IOException if the file cannot be opened for writing
     */
    public static FileEventLog start(EventBus bus, Path file) throws IOException {
        return new FileEventLog(bus, file, f -> FileChannel.open(f, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.READ));
    }

    /** For tests that put a failing channel (a full disk halfway through a batch) under the log. */
    static FileEventLog start(EventBus bus, Path file, Opener opener) throws IOException {
        return new FileEventLog(bus, file, opener);
    }

    /** How the file is opened. */
    interface Opener {
        FileChannel open(Path file) throws IOException;
    }

    private void write(List<Delivery> batch) throws IOException, InterruptedException {
        BatchBuffer bytes = batchBytes;
        bytes.reset();
        for (Delivery d : batch) {
            EventCodec.encode(d.event(), bytes);
            bytes.write('\n');
        }
        try {
            appendRetrying(bytes, batch.size());
        } finally {
            if (bytes.capacity() > KEPT_BUFFER_BYTES) {
                batchBytes = new BatchBuffer(); // do not keep a rare huge batch's buffer
            }
        }
    }

    private void appendRetrying(BatchBuffer bytes, int events) throws IOException, InterruptedException {
        long backoffMillis = FIRST_BACKOFF_MILLIS;
        int attempts = 1;
        while (true) {
            try {
                append(bytes);
                if (attempts > 1) {
                    log.info("{}: written again after {} failed attempts", file, attempts - 1);
                }
                return;
            } catch (IOException e) {
                if (attempts == 1) {
                    log.warn("{}: cannot append {} events ({}); retrying until it can", file, events, e.toString());
                }
                if (closed.await(backoffMillis, TimeUnit.MILLISECONDS)) {
                    throw e; // closing: the bus keeps (Redis) or counts (in-memory) what is left
                }
                backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF_MILLIS);
                attempts++;
            }
        }
    }

    /** Appends the whole batch or, failing, cuts the file back to where it was. */
    private void append(BatchBuffer bytes) throws IOException {
        long start = channel.size();
        try {
            ByteBuffer pending = bytes.asByteBuffer();
            long position = start;
            while (pending.hasRemaining()) {
                position += channel.write(pending, position);
            }
            channel.force(false);
        } catch (IOException e) {
            try {
                channel.truncate(start);
            } catch (IOException cannotCut) {
                e.addSuppressed(cannotCut);
            }
            throw e;
        }
    }

    /** A crash can leave the last line half-written; its batch was not acknowledged, so drop it. */
    private void cutTornLastLine() throws IOException {
        long size = channel.size();
        if (size == 0) {
            return;
        }
        ByteBuffer block = ByteBuffer.allocate(64 * 1024);
        long end = size;
        while (end > 0) {
            long from = Math.max(0, end - block.capacity());
            block.clear().limit((int) (end - from));
            while (block.hasRemaining() && channel.read(block, from + block.position()) > 0) {
                // read the whole block
            }
            for (int i = block.position() - 1; i >= 0; i--) {
                if (block.get(i) == '\n') {
                    long keep = from + i + 1;
                    if (keep < size) {
                        log.warn("{}: cutting a torn last line ({} bytes) left by an interrupted write",
                                file, size - keep);
                        channel.truncate(keep);
                    }
                    return;
                }
            }
            end = from;
        }
        log.warn("{}: cutting {} bytes without a complete line, left by an interrupted write", file, size);
        channel.truncate(0);
    }

    /** Stops the subscription (after its current batch) and closes the file. */
    @Override
    public void close() throws IOException {
        closed.countDown();
        subscription.close();
        channel.close();
    }

    /** An in-memory encoding buffer whose bytes can be written without a copy. */
    private static final class BatchBuffer extends ByteArrayOutputStream {
        BatchBuffer() {
            super(64 * 1024);
        }

        ByteBuffer asByteBuffer() {
            return ByteBuffer.wrap(buf, 0, count);
        }

        int capacity() {
            return buf.length;
        }
    }
}
