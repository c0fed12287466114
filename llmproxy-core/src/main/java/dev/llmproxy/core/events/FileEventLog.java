package dev.llmproxy.core.events;

import dev.llmproxy.eventbus.Delivery;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventCodec;
import dev.llmproxy.eventbus.Subscription;
import dev.llmproxy.eventbus.SubscriptionOptions;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Writes every instrumentation event as one JSON line to a file ({@code --file-event-log PATH},
 * {@code FILE_EVENT_LOG}). It is an ordinary bus subscriber in its own group
 * ({@value #GROUP}), so with Redis Streams it receives every event without taking any away from
 * the dispatchers' group.
 *
 * <p>Each delivered batch is written, flushed and forced to disk before it is acknowledged, so a
 * crash never acknowledges an event that is not in the file (with Redis Streams an unwritten batch
 * is delivered again). A write failure (disk full) is logged by the bus and the batch is retried;
 * requests are never affected because the proxy only publishes. One writer thread; the file is
 * appended to, never truncated.
 */
public final class FileEventLog implements AutoCloseable {

    /** The subscriber group of the file log. */
    public static final String GROUP = "file-event-log";

    private final FileChannel channel;
    private final OutputStream out;
    private final Subscription subscription;

    private FileEventLog(EventBus bus, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 64 * 1024);
        this.subscription = bus.subscribe(SubscriptionOptions.group(GROUP), this::write);
    }

    /**
     * Opens (creating it and its directories if needed) {@code file} for appending and starts
     * writing events from {@code bus} to it.
     *
     * @throws IOException if the file cannot be opened for writing
     */
    public static FileEventLog start(EventBus bus, Path file) throws IOException {
        return new FileEventLog(bus, file);
    }

    private void write(List<Delivery> batch) throws IOException {
        for (Delivery d : batch) {
            EventCodec.encode(d.event(), out);
            out.write('\n');
        }
        out.flush();
        channel.force(false);
    }

    /** Stops the subscription (after its current batch) and closes the file. */
    @Override
    public void close() throws IOException {
        subscription.close();
        synchronized (this) {
            out.close();
        }
    }
}
