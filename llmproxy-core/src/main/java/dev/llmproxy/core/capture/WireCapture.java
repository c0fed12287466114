package dev.llmproxy.core.capture;

import io.netty.handler.codec.http.HttpHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Wire capture: every proxied exchange (request and response, headers and bodies, secrets
 * redacted) appended as one JSON line to size-rotated files in one directory, with the oldest
 * files deleted to keep the directory within a file count and a total size. Off unless
 * configured; see {@code docs/wire-capture.md}.
 *
 * <p><b>Threads.</b> The proxy's event loops call {@link #begin} and, through
 * {@link ExchangeCapture#complete}, {@link #offer}: both only copy and enqueue, never block and
 * never touch the disk. One daemon thread ({@code llmproxy-wire-capture}) redacts, encodes and
 * writes. When the bounded queue is full an exchange is dropped and counted
 * ({@link WireCaptureStats#droppedQueueFull()}), with a warning at most every
 * {@value #WARN_INTERVAL_SECONDS} s.
 *
 * <p><b>Files.</b> Each line is written with a single positional write; a failed or partial write
 * is cut back to the last complete line, and at start-up existing files are repaired the same way
 * (after a crash), so every line of every file is a whole JSON object. A file is closed before it
 * would pass {@link WireCaptureConfig#maxFileBytes()} (optionally gzip-compressed), and a new one
 * with a later timestamp in its name is started. Pruning counts the open file at its full size, so
 * the directory stays within {@link WireCaptureConfig#maxTotalBytes()} even mid-file (a single
 * exchange larger than a whole file is the one exception: it gets a file of its own).
 *
 * <p><b>Failures.</b> An unwritable directory or a full disk is logged as an error naming the
 * directory and the cause; capture then pauses for {@value #PAUSE_SECONDS} s (exchanges are not
 * captured and are counted as {@link WireCaptureStats#droppedWriteError()}), then tries a fresh
 * file. Requests are never affected.
 */
public final class WireCapture implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WireCapture.class);

    static final long WARN_INTERVAL_SECONDS = 10;
    static final long PAUSE_SECONDS = 30;

    private final WireCaptureConfig config;
    private final Redactor redactor;
    private final BlockingQueue<CapturedExchange> queue;
    private final Thread writer;
    private volatile boolean running = true;
    /** System.nanoTime() until which capture is paused after a write error; 0 = not paused. */
    private volatile long pausedUntilNanos;
    private final long pauseNanos;

    private final LongAdder accepted = new LongAdder();
    private final LongAdder processed = new LongAdder();
    private final LongAdder written = new LongAdder();
    private final LongAdder droppedQueueFull = new LongAdder();
    private final LongAdder droppedWriteError = new LongAdder();
    private final LongAdder bytesWritten = new LongAdder();
    private final LongAdder filesRotated = new LongAdder();
    private final LongAdder filesDeleted = new LongAdder();
    private final AtomicLong lastDropWarnNanos = new AtomicLong(System.nanoTime() - TimeUnit.SECONDS.toNanos(60));
    private final AtomicLong dropsAtLastWarn = new AtomicLong();

    // Writer-thread state.
    private FileChannel file;
    private Path filePath;
    private long fileBytes;
    private int sequence;
    private long lastErrorLogNanos;

    private WireCapture(WireCaptureConfig config, Duration pause) {
        this.config = config;
        this.redactor = new Redactor(config.secrets());
        this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
        this.pauseNanos = pause.toNanos();
        prepareDirectory();
        this.writer = new Thread(this::writeLoop, "llmproxy-wire-capture");
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Starts the writer thread. Never fails on the directory: a directory that cannot be created
     * or written is logged as an error and capture stays paused until it can be (requests carry
     * on either way).
     */
    public static WireCapture start(WireCaptureConfig config) {
        return new WireCapture(config, Duration.ofSeconds(PAUSE_SECONDS));
    }

    /** As {@link #start} with a shorter pause after write errors (tests). */
    static WireCapture start(WireCaptureConfig config, Duration pauseAfterError) {
        return new WireCapture(config, pauseAfterError);
    }

    public WireCaptureConfig config() {
        return config;
    }

    /**
     * Starts capturing one exchange when its request head arrives; null while capture is closed
     * or paused (the caller then captures nothing). Copies the headers: the proxy changes them
     * later. Safe to call from any event loop.
     *
     * @param target the request target as the client sent it (path and query)
     */
    public ExchangeCapture begin(String requestId, String client, String method, String target, HttpHeaders headers) {
        if (!running) {
            return null;
        }
        long paused = pausedUntilNanos;
        if (paused != 0 && System.nanoTime() - paused < 0) {
            droppedWriteError.increment();
            return null;
        }
        return new ExchangeCapture(this, requestId, client, method, target, headers);
    }

    /** Queues a finished exchange for the writer; drops and counts when the queue is full. Never blocks. */
    void offer(CapturedExchange exchange) {
        if (running && queue.offer(exchange)) {
            accepted.increment();
            return;
        }
        droppedQueueFull.increment();
        warnDropsRateLimited();
    }

    private void warnDropsRateLimited() {
        long now = System.nanoTime();
        long last = lastDropWarnNanos.get();
        if (now - last >= TimeUnit.SECONDS.toNanos(WARN_INTERVAL_SECONDS) && lastDropWarnNanos.compareAndSet(last, now)) {
            long total = droppedQueueFull.sum();
            long since = total - dropsAtLastWarn.getAndSet(total);
            log.warn("wire capture: writer queue full ({} exchanges); dropped {} exchange(s) since the last warning,"
                    + " {} in total. The disk is slower than the traffic: lower WIRE_CAPTURE_MAX_BODY_BYTES or raise"
                    + " WIRE_CAPTURE_QUEUE_SIZE", config.queueCapacity(), since, total);
        }
    }

    public WireCaptureStats stats() {
        return new WireCaptureStats(written.sum(), droppedQueueFull.sum(), droppedWriteError.sum(), bytesWritten.sum(),
                filesRotated.sum(), filesDeleted.sum(), queue.size(),
                pausedUntilNanos != 0 && System.nanoTime() - pausedUntilNanos < 0);
    }

    /**
     * Waits until every exchange queued so far has been written (or failed).
     *
     * @return false if that did not happen within {@code timeout}
     */
    public boolean drain(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (processed.sum() < accepted.sum()) {
            if (System.nanoTime() - deadline > 0 || !writer.isAlive()) {
                return processed.sum() >= accepted.sum();
            }
            Thread.sleep(5);
        }
        return true;
    }

    /** Stops accepting exchanges, writes what is queued (up to 5 s), closes the file. */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        try {
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            writer.interrupt();
            log.warn("wire capture: {} exchange(s) still queued at shutdown were not written", queue.size());
        }
    }

    // ------------------------------------------------------------------ writer thread

    private void writeLoop() {
        try {
            while (running || !queue.isEmpty()) {
                CapturedExchange x;
                try {
                    x = queue.poll(200, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    break;
                }
                if (x != null) {
                    try {
                        write(x);
                    } catch (RuntimeException e) {
                        droppedWriteError.increment();
                        log.error("wire capture: could not encode exchange {}: {}", x.requestId(), e.toString());
                    } finally {
                        processed.increment();
                    }
                }
            }
        } finally {
            closeFile(false);
        }
    }

    private void write(CapturedExchange x) {
        long paused = pausedUntilNanos;
        if (paused != 0) {
            if (System.nanoTime() - paused < 0) {
                droppedWriteError.increment();
                return;
            }
            pausedUntilNanos = 0;
        }
        byte[] line = CaptureLine.encode(x, redactor, config.maxBodyBytes());
        try {
            if (file == null) {
                openNewFile();
            } else if (fileBytes > 0 && fileBytes + line.length > config.maxFileBytes()) {
                closeFile(true);
                filesRotated.increment();
                openNewFile();
            }
            ByteBuffer buf = ByteBuffer.wrap(line);
            long at = fileBytes;
            try {
                while (buf.hasRemaining()) {
                    at += file.write(buf, at);
                }
            } catch (IOException e) {
                // A partial line must not stay in the file.
                try {
                    file.truncate(fileBytes);
                } catch (IOException ignored) {
                    // the repair at the next start-up cuts it instead
                }
                throw e;
            }
            fileBytes = at;
            written.increment();
            bytesWritten.add(line.length);
        } catch (IOException | RuntimeException e) {
            droppedWriteError.increment();
            writeFailed(e);
        }
    }

    private void writeFailed(Exception e) {
        closeFile(false);
        pausedUntilNanos = System.nanoTime() + pauseNanos;
        long now = System.nanoTime();
        if (lastErrorLogNanos == 0 || now - lastErrorLogNanos >= TimeUnit.SECONDS.toNanos(WARN_INTERVAL_SECONDS)) {
            lastErrorLogNanos = now;
            log.error("wire capture: cannot write to {} ({}); capture paused for {} s, then retried. Requests are not"
                    + " affected. Check that the directory exists, is writable and the disk has space",
                    config.directory().toAbsolutePath().normalize(), describe(e), TimeUnit.NANOSECONDS.toSeconds(pauseNanos));
        }
    }

    private void openNewFile() throws IOException {
        CaptureFiles.createDirectory(config.directory());
        Path p = CaptureFiles.newFileName(config.directory(), Instant.now(), ++sequence);
        file = CaptureFiles.createFile(p);
        filePath = p;
        fileBytes = 0;
        prune();
    }

    /** Closes the current file; a rotated one may be compressed. Never throws. */
    private void closeFile(boolean rotated) {
        FileChannel f = file;
        Path p = filePath;
        file = null;
        filePath = null;
        if (f == null) {
            return;
        }
        try {
            f.close();
        } catch (IOException e) {
            log.warn("wire capture: closing {} failed: {}", p, e.toString());
        }
        if (rotated && config.compressRotated()) {
            try {
                CaptureFiles.compress(p);
            } catch (IOException e) {
                log.warn("wire capture: compressing {} failed ({}); it stays uncompressed", p, describe(e));
            }
        }
    }

    /**
     * Deletes the oldest closed files until they and a full-size current file fit the total size
     * and file count bounds.
     */
    private void prune() {
        try {
            List<Path> files = CaptureFiles.list(config.directory());
            files.remove(filePath);
            long closedBytes = 0;
            long[] sizes = new long[files.size()];
            for (int i = 0; i < files.size(); i++) {
                sizes[i] = sizeOf(files.get(i));
                closedBytes += sizes[i];
            }
            int count = files.size();
            for (int i = 0; i < files.size()
                    && (closedBytes + config.maxFileBytes() > config.maxTotalBytes() || count + 1 > config.maxFiles()); i++) {
                try {
                    Files.deleteIfExists(files.get(i));
                    filesDeleted.increment();
                } catch (IOException e) {
                    log.warn("wire capture: cannot delete old capture file {}: {}", files.get(i), describe(e));
                }
                closedBytes -= sizes[i];
                count--;
            }
        } catch (IOException e) {
            log.warn("wire capture: cannot list {} to delete old files: {}", config.directory(), describe(e));
        }
    }

    /** At start: create the directory, repair partial last lines of earlier files. */
    private void prepareDirectory() {
        Path dir = config.directory();
        try {
            CaptureFiles.createDirectory(dir);
            if (!Files.isWritable(dir)) {
                throw new IOException("directory is not writable");
            }
            for (Path p : CaptureFiles.list(dir)) {
                if (p.getFileName().toString().endsWith(CaptureFiles.SUFFIX)) {
                    long cut = CaptureFiles.repairTail(p);
                    if (cut > 0) {
                        log.warn("wire capture: removed a partial last line ({} bytes) from {} (left by a crash)",
                                cut, p);
                    }
                }
            }
            log.info("wire capture: writing to {} ({})", dir.toAbsolutePath().normalize(), config);
        } catch (IOException e) {
            pausedUntilNanos = System.nanoTime() + pauseNanos;
            lastErrorLogNanos = System.nanoTime();
            log.error("wire capture: cannot use {} ({}); capture paused for {} s, then retried. Requests are not"
                    + " affected", dir.toAbsolutePath().normalize(), describe(e), TimeUnit.NANOSECONDS.toSeconds(pauseNanos));
        }
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
