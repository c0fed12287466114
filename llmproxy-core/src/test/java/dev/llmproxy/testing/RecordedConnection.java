package dev.llmproxy.testing;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One TCP connection accepted by {@link MockOpenAiUpstream}: when it opened, when it closed (by
 * either side) and how many requests it carried. Safe to read from any thread.
 */
public final class RecordedConnection {

    private final int id;
    private final String remoteAddress;
    private final long openedAtNanos;
    private final Channel channel;
    private final AtomicInteger requestCount = new AtomicInteger();
    // Completed with System.nanoTime() by the event loop in channelInactive.
    private final CompletableFuture<Long> closedAt = new CompletableFuture<>();

    RecordedConnection(int id, Channel channel, long openedAtNanos) {
        this.id = id;
        this.channel = channel;
        this.remoteAddress = String.valueOf(channel.remoteAddress());
        this.openedAtNanos = openedAtNanos;
    }

    /** 1-based id, in accept order; never reused, also after {@link MockOpenAiUpstream#reset()}. */
    public int id() {
        return id;
    }

    /** The client's address, e.g. {@code /127.0.0.1:53412}. */
    public String remoteAddress() {
        return remoteAddress;
    }

    /** {@link System#nanoTime()} when the connection was accepted. */
    public long openedAtNanos() {
        return openedAtNanos;
    }

    /** Whether the mock has not yet seen this connection close. */
    public boolean isOpen() {
        return !closedAt.isDone();
    }

    /** {@link System#nanoTime()} when the mock saw the connection close, empty while it is open. */
    public OptionalLong closedAtNanos() {
        return closedAt.isDone() ? OptionalLong.of(closedAt.join()) : OptionalLong.empty();
    }

    /** Requests received on this connection so far. */
    public int requestCount() {
        return requestCount.get();
    }

    /**
     * Blocks until the connection is closed and returns the close {@link System#nanoTime()}.
     *
     * @throws AssertionError if it is still open after {@code timeout}
     */
    public long awaitClosed(Duration timeout) {
        try {
            return closedAt.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("upstream connection " + id + " still open after " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for connection " + id + " to close", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    Channel channel() {
        return channel;
    }

    void onRequest() {
        requestCount.incrementAndGet();
    }

    void onClosed(long nanos) {
        closedAt.complete(nanos);
    }

    @Override
    public String toString() {
        return "RecordedConnection#" + id + "{" + remoteAddress + ", requests=" + requestCount.get()
                + (isOpen() ? ", open}" : ", closed}");
    }
}
