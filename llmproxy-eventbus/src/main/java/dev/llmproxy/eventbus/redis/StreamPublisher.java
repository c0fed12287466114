package dev.llmproxy.eventbus.redis;

import dev.llmproxy.eventbus.Event;
import dev.llmproxy.eventbus.EventCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The background thread that moves events from the bus's bounded buffer into the Redis stream.
 *
 * <p>It takes whatever is buffered (up to {@value #MAX_BATCH_EVENTS} events, no more than the
 * buffer's capacity, or about {@value #MAX_BATCH_BYTES} bytes of JSON), encodes each with {@link EventCodec} here rather than
 * on the request thread, and sends them as one pipeline of {@code XADD key MAXLEN ~ N * event
 * <json>}: one round trip per batch, however many events. Between batches it lingers 1 ms, so
 * under load a batch gathers a millisecond's events and publishers never have to wake it.
 *
 * <p><b>Failures.</b> When the connection fails the batch is kept and retried after a backoff
 * (100 ms doubling to 5 s) on a new connection, while publishers keep filling the buffer up to its
 * bound (beyond which the bus drops and counts): at most the buffer plus the batch in hand, i.e.
 * twice {@code OBSERVABILITY_BUFFER_SIZE} events, wait for Redis. A pipeline that broke part-way may have written
 * some of its entries already; they are written again, so a Redis outage can duplicate a few
 * events but does not lose buffered ones. An entry Redis refuses with a transient error
 * ({@code LOADING}, {@code BUSY}, {@code TRYAGAIN}, {@code MASTERDOWN}, {@code READONLY}) is
 * retried the same way; any other refusal drops that entry and counts it.
 *
 * <p><b>Stopping.</b> {@link #stop(long)} lets the thread empty the buffer until the deadline,
 * then counts whatever is left as dropped.
 */
final class StreamPublisher implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(StreamPublisher.class);
    static final int MAX_BATCH_EVENTS = 1_000;
    static final int MAX_BATCH_BYTES = 4 * 1024 * 1024;
    private static final long IDLE_POLL_MILLIS = 100;
    /**
     * After writing a batch smaller than the maximum, the thread sleeps this long before looking
     * again (Kafka's {@code linger.ms}), so that under steady load events pile up into one pipeline
     * instead of one round trip each. While it sleeps it is not waiting on the buffer, so a
     * publisher's {@code offer} does not have to wake it: no futex call on the request thread.
     */
    static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final RedisSettings settings;
    private final RedisConnector connector;
    private final ArrayBlockingQueue<Event> buffer;
    private final XAddParams xadd;
    private final int maxBatchEvents;
    private final Thread thread;
    private final Backoff backoff = new Backoff();

    final AtomicLong published = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong publishErrors = new AtomicLong();
    final AtomicLong reconnects = new AtomicLong();

    private volatile long stopDeadlineNanos;
    private volatile boolean stopping;
    private Jedis jedis; // owned by the publisher thread
    private boolean everConnected;

    StreamPublisher(RedisSettings settings, RedisConnector connector, ArrayBlockingQueue<Event> buffer) {
        this.settings = settings;
        this.connector = connector;
        this.buffer = buffer;
        XAddParams p = XAddParams.xAddParams();
        if (settings.maxLen() > 0) {
            p.maxLen(settings.maxLen()).approximateTrimming();
        }
        this.xadd = p;
        // The batch in hand is held on top of the buffer, so never more than the buffer itself:
        // while Redis is down at most twice OBSERVABILITY_BUFFER_SIZE events are held.
        this.maxBatchEvents = Math.min(MAX_BATCH_EVENTS, settings.bufferSize());
        this.thread = new Thread(this, "llmproxy-events-redis-publisher");
        // Daemon so a bus that is never closed cannot keep the JVM alive; close() drains properly.
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Asks the thread to flush until {@code deadlineNanos} (System.nanoTime), then waits for it. */
    void stop(long deadlineNanos) {
        stopDeadlineNanos = deadlineNanos;
        stopping = true;
        LockSupport.unpark(thread);
        try {
            long waitMillis = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
            // A little grace past the deadline for the thread to count what it gives up on.
            thread.join(waitMillis + RedisConnector.SOCKET_TIMEOUT_MILLIS + 500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        List<Event> batch = new ArrayList<>();
        List<String> payloads = new ArrayList<>();
        try {
            while (true) {
                if (batch.isEmpty()) {
                    if (stopping && (buffer.isEmpty() || pastDeadline())) {
                        break;
                    }
                    Event first = buffer.poll(); // after a linger, usually there
                    if (first == null) {
                        first = buffer.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS); // idle: the next offer wakes us
                    }
                    if (first == null) {
                        continue;
                    }
                    fill(first, batch, payloads);
                    if (batch.isEmpty()) {
                        continue;
                    }
                }
                if (stopping && pastDeadline()) {
                    break;
                }
                try {
                    boolean full = batch.size() >= maxBatchEvents;
                    write(batch, payloads);
                    if (batch.isEmpty() && !full && !stopping) {
                        LockSupport.parkNanos(LINGER_NANOS); // stop() unparks
                    }
                } catch (JedisException e) {
                    onConnectionFailure(e);
                    pauseAfterFailure();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            long left = batch.size() + buffer.size();
            buffer.clear();
            if (left > 0) {
                dropped.addAndGet(left);
                log.warn("[{}] stopped with {} events not written to Redis; counted as dropped",
                        settings.streamKey(), left);
            }
            RedisConnector.quietlyClose(jedis);
            jedis = null;
        }
    }

    /** Takes buffered events into the batch up to the size limits, encoding each once. */
    private void fill(Event first, List<Event> batch, List<String> payloads) {
        long bytes = 0;
        Event next = first;
        while (next != null) {
            String json;
            try {
                json = EventCodec.encodeToString(next);
            } catch (RuntimeException e) {
                // Cannot happen for events built through Event.Builder; never let it stop the thread.
                dropped.incrementAndGet();
                publishErrors.incrementAndGet();
                log.warn("[{}] could not encode {}; dropped", settings.streamKey(), next, e);
                json = null;
            }
            if (json != null) {
                batch.add(next);
                payloads.add(json);
                bytes += json.length();
            }
            if (batch.size() >= maxBatchEvents || bytes >= MAX_BATCH_BYTES) {
                return;
            }
            next = buffer.poll();
        }
    }

    private void write(List<Event> batch, List<String> payloads) {
        if (jedis == null) {
            jedis = connector.open();
            if (backoff.failing() || everConnected) {
                reconnects.incrementAndGet();
                log.info("[{}] reconnected to {}; {} events buffered", settings.streamKey(),
                        settings.endpoint(), buffer.size() + batch.size());
            }
            everConnected = true;
        }
        Pipeline p = jedis.pipelined();
        for (String json : payloads) {
            p.xadd(settings.streamKey(), xadd, Map.of("event", json));
        }
        List<Object> results = p.syncAndReturnAll();
        int written = 0;
        int refused = 0;
        String firstRefusal = null;
        List<Event> retryEvents = new ArrayList<>();
        List<String> retryPayloads = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            Object r = results.get(i);
            if (r instanceof JedisDataException) {
                String msg = ((JedisDataException) r).getMessage();
                if (isTransient(msg)) {
                    retryEvents.add(batch.get(i));
                    retryPayloads.add(payloads.get(i));
                } else {
                    refused++;
                    if (firstRefusal == null) {
                        firstRefusal = msg;
                    }
                }
            } else {
                written++;
            }
        }
        published.addAndGet(written);
        if (refused > 0) {
            dropped.addAndGet(refused);
            publishErrors.addAndGet(refused);
            log.warn("[{}] Redis refused {} of {} events (dropped): {}", settings.streamKey(), refused,
                    batch.size(), firstRefusal);
        }
        batch.clear();
        payloads.clear();
        if (retryEvents.isEmpty()) {
            backoff.reset();
        } else {
            batch.addAll(retryEvents);
            payloads.addAll(retryPayloads);
            publishErrors.incrementAndGet();
            log.debug("[{}] Redis is temporarily refusing writes; retrying {} events", settings.streamKey(),
                    retryEvents.size());
            pauseAfterFailure();
        }
    }

    private static boolean isTransient(String message) {
        if (message == null) {
            return false;
        }
        String m = message.toUpperCase(Locale.ROOT);
        return m.startsWith("LOADING") || m.startsWith("BUSY") || m.startsWith("TRYAGAIN")
                || m.startsWith("MASTERDOWN") || m.startsWith("READONLY");
    }

    private void onConnectionFailure(JedisException e) {
        publishErrors.incrementAndGet();
        if (!backoff.failing()) {
            log.warn("[{}] cannot write events to Redis at {}: {}; buffering up to {} events and retrying",
                    settings.streamKey(), settings.endpoint(), e.toString(), settings.bufferSize());
        } else {
            log.debug("[{}] Redis still unavailable: {}", settings.streamKey(), e.toString());
        }
        RedisConnector.quietlyClose(jedis);
        jedis = null;
    }

    private void pauseAfterFailure() {
        long delay = backoff.next();
        if (stopping) {
            delay = Math.min(delay, Math.max(0, TimeUnit.NANOSECONDS.toMillis(stopDeadlineNanos - System.nanoTime())));
        }
        // stop() unparks us so a long backoff does not outlast the close deadline.
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(delay));
    }

    private boolean pastDeadline() {
        return System.nanoTime() - stopDeadlineNanos >= 0;
    }
}
