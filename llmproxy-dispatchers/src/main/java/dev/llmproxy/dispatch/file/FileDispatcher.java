package dev.llmproxy.dispatch.file;

import dev.llmproxy.dispatch.DispatchEvent;
import dev.llmproxy.dispatch.DispatchResult;
import dev.llmproxy.dispatch.Dispatcher;
import dev.llmproxy.dispatch.JsonSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Writes each batch as JSON lines (the {@link dev.llmproxy.dispatch.EventTransformer rich
 * format}, one event per line) and forces it to disk ({@code fsync}) before reporting the batch
 * accepted, so an event acknowledged on the bus is on disk.
 *
 * <p><b>Rotation.</b> Before a batch would make the file larger than {@code max_file_mb}, the file
 * becomes {@code FILE.1}, {@code FILE.1} becomes {@code FILE.2}, ... up to {@code FILE.<max_files>},
 * and the oldest is deleted; a new {@code FILE} is started. A batch is never split across files,
 * so one batch larger than the limit makes one larger file.
 *
 * <p><b>Crashes.</b> A process killed in the middle of a write leaves a partial last line; on
 * open, a file that does not end with a newline gets one, so the partial line stays a single
 * malformed line and the lines appended after it are intact. Its events were not acknowledged and
 * are written again after the restart (at-least-once: readers should tolerate duplicates,
 * {@code metadata.request_id} identifies them).
 *
 * <p>An I/O error (disk full) fails the batch transiently: the service retries it.
 * {@code send} is synchronous and runs on the service thread.
 */
public final class FileDispatcher implements Dispatcher {

    public static final int DEFAULT_MAX_FILE_MB = 100;
    public static final int DEFAULT_MAX_FILES = 5;

    private static final Logger log = LoggerFactory.getLogger(FileDispatcher.class);

    private final Path file;
    private final long maxBytes;
    private final int maxFiles;
    private FileChannel channel;

    /**
     * Opens (creating it and its directories if needed) {@code file} for appending.
     *
     * @param file the JSONL file
     * @param maxBytes rotate before the file would exceed this size; 0 = never
     * @param maxFiles rotated files kept
     * @throws IOException if the file cannot be opened
     */
    public FileDispatcher(Path file, long maxBytes, int maxFiles) throws IOException {
        this.file = file;
        this.maxBytes = maxBytes;
        this.maxFiles = maxFiles;
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        open();
    }

    private void open() throws IOException {
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        long size = channel.size();
        channel.position(size);
        if (size > 0) {
            ByteBuffer last = ByteBuffer.allocate(1);
            channel.read(last, size - 1);
            if (last.get(0) != '\n') {
                log.warn("{} ends with a partial line (a previous run was killed mid-write); starting on a new line",
                        file);
                writeFully(ByteBuffer.wrap(new byte[] {'\n'}));
            }
        }
    }

    /** The file being written. */
    public Path file() {
        return file;
    }

    @Override
    public synchronized CompletionStage<DispatchResult> send(List<DispatchEvent> batch) {
        ByteArrayOutputStream lines = new ByteArrayOutputStream(batch.size() * 1024);
        for (DispatchEvent e : batch) {
            lines.writeBytes(JsonSupport.toBytes(e.toJson()));
            lines.write('\n');
        }
        try {
            if (!channel.isOpen()) {
                open(); // a rotation whose reopen failed (disk full, permissions); try again
            }
            if (maxBytes > 0 && channel.size() > 0 && channel.size() + lines.size() > maxBytes) {
                rotate();
            }
            writeFully(ByteBuffer.wrap(lines.toByteArray()));
            channel.force(false);
            return CompletableFuture.completedFuture(DispatchResult.allAccepted(batch));
        } catch (IOException e) {
            return CompletableFuture.completedFuture(DispatchResult.all(batch,
                    DispatchResult.Outcome.transientFailure("cannot write " + file + ": " + e, null)));
        }
    }

    private void writeFully(ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }

    private void rotate() throws IOException {
        channel.close();
        Files.deleteIfExists(numbered(maxFiles));
        for (int i = maxFiles - 1; i >= 1; i--) {
            Path from = numbered(i);
            if (Files.exists(from)) {
                Files.move(from, numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(file, numbered(1), StandardCopyOption.REPLACE_EXISTING);
        log.info("rotated {} to {}", file, numbered(1));
        open();
    }

    private Path numbered(int i) {
        return file.resolveSibling(file.getFileName() + "." + i);
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException e) {
            log.warn("closing {} failed: {}", file, e.toString());
        }
    }
}
