package dev.llmproxy.core.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records security-relevant actions (SPEC S4): as JSON lines in {@code AUDIT_LOG_FILE} and as rows
 * in the database ({@code AUDIT_STORE_IN_DB}). {@link #record} never blocks — it only offers the
 * event to a bounded queue — so management requests and the proxy path never wait on disk or
 * database; one background thread writes batches (the file is flushed and forced to disk per
 * batch). A full queue drops and counts ({@link #dropped()}), a failing sink is logged and counted
 * ({@link #failures()}) and the other sink keeps working: a full disk does not stop requests.
 *
 * <p>Events carry no secrets: {@link AuditEvent} redacts anything that looks like a key.
 * Thread-safe.
 */
public final class AuditLogger implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AuditLogger.class);
    private static final JsonFactory JSON = new JsonFactory();
    private static final int BATCH = 256;

    private final Path file;
    private final AuditStore store;
    private final BlockingQueue<AuditEvent> queue;
    private final Thread writer;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private FileChannel channel;
    private volatile boolean closed;

    /**
     * @param file          JSON-lines file appended to, or null for none (its directory must exist
     *                      unless {@code createDir})
     * @param createDir     create the file's directory if missing ({@code AUDIT_CREATE_DIR})
     * @param store         database sink, or null for none
     * @param queueCapacity events waiting to be written before new ones are dropped
     * @throws IOException if the file cannot be opened for appending
     */
    public AuditLogger(Path file, boolean createDir, AuditStore store, int queueCapacity) throws IOException {
        this.file = file;
        this.store = store;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        if (file != null) {
            Path dir = file.toAbsolutePath().getParent();
            if (createDir && dir != null) {
                Files.createDirectories(dir);
            }
            this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
        }
        if (file == null && store == null) {
            this.writer = null; // nothing to write to: no thread either
            return;
        }
        this.writer = new Thread(this::run, "llmproxy-audit");
        writer.setDaemon(true);
        writer.start();
    }

    /** An audit logger that records nothing ({@code AUDIT_ENABLED=false}). */
    public static AuditLogger disabled() {
        try {
            return new AuditLogger(null, false, null, 1);
        } catch (IOException e) {
            throw new IllegalStateException(e); // no file: cannot happen
        }
    }

    /** Queues {@code event} for writing; never blocks. */
    public void record(AuditEvent event) {
        if (file == null && store == null) {
            return;
        }
        if (closed || !queue.offer(event)) {
            long n = dropped.incrementAndGet();
            if (n == 1 || n % 1000 == 0) {
                log.warn("audit queue full or closed: {} audit events dropped so far", n);
            }
        }
    }

    /** Events dropped because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    /** Failed writes to the file or the database. */
    public long failures() {
        return failures.get();
    }

    /** Events written (to every configured sink that accepted them). */
    public long written() {
        return written.get();
    }

    private void run() {
        List<AuditEvent> batch = new ArrayList<>(BATCH);
        while (true) {
            try {
                AuditEvent first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closed) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
                write(batch);
                batch.clear();
            } catch (InterruptedException e) {
                if (closed && queue.isEmpty()) {
                    return;
                }
            }
        }
    }

    private void write(List<AuditEvent> batch) {
        if (channel != null) {
            try {
                ByteArrayOutputStream out = new ByteArrayOutputStream(batch.size() * 256);
                for (AuditEvent e : batch) {
                    writeJson(e, out);
                    out.write('\n');
                }
                ByteBuffer buf = ByteBuffer.wrap(out.toByteArray());
                while (buf.hasRemaining()) {
                    channel.write(buf);
                }
                channel.force(false);
            } catch (IOException e) {
                failures.incrementAndGet();
                log.error("cannot write {} audit events to {}: {}", batch.size(), file, e.toString());
            }
        }
        if (store != null) {
            try {
                store.appendAll(batch);
            } catch (RuntimeException e) {
                failures.incrementAndGet();
                log.error("cannot store {} audit events in the database: {}", batch.size(), e.toString());
            }
        }
        written.addAndGet(batch.size());
    }

    /** The JSON-lines form of one event (snake_case keys, as the management API returns them). */
    public static void writeJson(AuditEvent e, OutputStream out) throws IOException {
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
            g.writeStartObject();
            g.writeStringField("id", e.id());
            g.writeStringField("timestamp", e.timestamp().toString());
            g.writeStringField("actor", e.actor());
            g.writeStringField("action", e.action());
            g.writeStringField("outcome", e.outcome().wireName());
            writeOptional(g, "reason", e.reason());
            writeOptional(g, "client_ip", e.clientIp());
            writeOptional(g, "request_id", e.requestId());
            writeOptional(g, "project_id", e.projectId());
            writeOptional(g, "token_id", e.tokenId());
            if (!e.details().isEmpty()) {
                g.writeObjectFieldStart("details");
                for (Map.Entry<String, String> d : e.details().entrySet()) {
                    g.writeStringField(d.getKey(), d.getValue());
                }
                g.writeEndObject();
            }
            g.writeEndObject();
        }
    }

    private static void writeOptional(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }

    /** Writes what is queued, then stops. */
    @Override
    public void close() {
        closed = true;
        if (writer == null) {
            return;
        }
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                log.warn("closing audit file {} failed: {}", file, e.toString());
            }
        }
    }
}
