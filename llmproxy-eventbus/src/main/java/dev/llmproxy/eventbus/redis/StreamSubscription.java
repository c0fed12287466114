package dev.llmproxy.eventbus.redis;

import dev.llmproxy.eventbus.Backlog;
import dev.llmproxy.eventbus.Delivery;
import dev.llmproxy.eventbus.Event;
import dev.llmproxy.eventbus.EventBusException;
import dev.llmproxy.eventbus.EventCodec;
import dev.llmproxy.eventbus.MalformedEventException;
import dev.llmproxy.eventbus.PullSubscription;
import dev.llmproxy.eventbus.SubscriptionStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XAutoClaimParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.resps.StreamGroupInfo;

/**
 * One consumer of a Redis Streams consumer group.
 *
 * <p><b>What a poll does</b>, on its own connection (the "reader"), in this order, returning the
 * first non-empty result:
 * <ol>
 *   <li>Creates the group if needed: {@code XGROUP CREATE key group 0 MKSTREAM} ({@code BUSYGROUP}
 *       means it exists). Id {@code 0}: a new group starts with everything still in the stream, so
 *       events published before the first dispatcher started are not skipped.</li>
 *   <li>Once at start and after every reconnect: re-reads this consumer's own pending entries
 *       ({@code XREADGROUP ... STREAMS key 0}). These are messages Redis handed to this consumer
 *       name whose reply was lost (connection dropped mid-read) or that a previous process with the
 *       same {@code REDIS_CONSUMER_NAME} never acknowledged. Deliveries still held by the caller
 *       are skipped.</li>
 *   <li>Every half {@code REDIS_STREAM_CLAIM_TIME} (10 ms to 60 s), whether or not the stream is
 *       busy: {@code XAUTOCLAIM key group consumer <claim time> <cursor> COUNT n}, taking over
 *       messages other consumers received and did not acknowledge for that long (a crashed
 *       dispatcher).</li>
 *   <li>New messages: {@code XREADGROUP GROUP g c COUNT n BLOCK ms STREAMS key >}, blocking at most
 *       {@code REDIS_STREAM_BLOCK_TIME} per call and never past the next claim.</li>
 * </ol>
 * Nothing is acknowledged here except messages that can never be delivered: entries without a
 * decodable {@code event} field (poison pills) and pending entries that {@code MAXLEN} trimming
 * deleted; each is logged, counted and acknowledged so it cannot come back forever.
 *
 * <p><b>Failures.</b> A lost connection is counted, the reader is reopened after a backoff
 * (100 ms doubling to 5 s) and the poll returns empty when its timeout passes; it never throws for
 * Redis trouble. A missing group ({@code NOGROUP}, e.g. Redis restarted without persistence) is
 * recreated.
 *
 * <p><b>Acknowledgement</b> goes through the bus's shared control connection, so it works from any
 * thread while a poll blocks, and after this subscription is closed as long as the bus is open. If
 * Redis is unreachable the ids are kept and sent with the next ack or poll.
 */
final class StreamSubscription implements PullSubscription {
    private static final Logger log = LoggerFactory.getLogger(StreamSubscription.class);
    private static final StreamEntryID ZERO = new StreamEntryID(0, 0);
    private static final String FIELD = "event";

    private final RedisStreamsEventBus bus;
    private final RedisSettings settings;
    private final RedisConnector connector;
    private final RedisControl control;
    private final String key;
    private final String group;
    private final String consumer;
    private final String logPrefix;

    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<String> unsentAcks = new ConcurrentLinkedQueue<>();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder redelivered = new LongAdder();
    private final LongAdder acked = new LongAdder();
    private final LongAdder nacked = new LongAdder();
    private final LongAdder undecodable = new LongAdder();
    private final LongAdder trimmed = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private volatile boolean connected = true;

    private final CountDownLatch closeSignal = new CountDownLatch(1);
    private final AtomicBoolean polling = new AtomicBoolean();
    private volatile boolean closed;
    // Written by the polling thread; read by close() to unblock a poll by closing its socket.
    private volatile Jedis reader;

    // Poll-thread state: only touched while holding the 'polling' flag.
    private boolean groupReady;
    private boolean ownPendingDone;
    private StreamEntryID ownCursor = ZERO;
    private StreamEntryID claimCursor = ZERO;
    private long nextClaimAtNanos = System.nanoTime(); // claim on the first poll: orphans from a crash
    private long retryAtNanos = System.nanoTime();
    private int noGroupStreak;
    private final Backoff backoff = new Backoff();

    StreamSubscription(RedisStreamsEventBus bus, RedisSettings settings, RedisConnector connector,
                       RedisControl control, String group, String consumer) {
        this.bus = bus;
        this.settings = settings;
        this.connector = connector;
        this.control = control;
        this.key = settings.streamKey();
        this.group = group;
        this.consumer = consumer;
        this.logPrefix = "[" + key + " " + group + "/" + consumer + "]";
    }

    @Override
    public List<Delivery> poll(int maxEvents, Duration timeout) throws InterruptedException {
        if (maxEvents < 1) {
            throw new IllegalArgumentException("maxEvents must be >= 1, got " + maxEvents);
        }
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, got " + timeout);
        }
        if (!polling.compareAndSet(false, true)) {
            throw new IllegalStateException(logPrefix + " poll is already running on another thread");
        }
        try {
            return doPoll(maxEvents, saturatedNanos(timeout));
        } finally {
            if (closed) {
                dropReader();
            }
            polling.set(false);
        }
    }

    private List<Delivery> doPoll(int max, long timeoutNanos) throws InterruptedException {
        final long deadline = System.nanoTime() + timeoutNanos;
        flushUnsentAcks();
        while (true) {
            if (closed) {
                return new ArrayList<>();
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            long now = System.nanoTime();
            if (now - retryAtNanos < 0) { // backing off after a failure
                if (deadline - now <= 0) {
                    return new ArrayList<>();
                }
                long wait = Math.min(retryAtNanos - now, deadline - now);
                if (closeSignal.await(wait, TimeUnit.NANOSECONDS)) {
                    return new ArrayList<>();
                }
                continue;
            }
            try {
                Jedis r = reader();
                if (!groupReady) {
                    createGroup(r);
                    groupReady = true;
                }
                List<Delivery> out;
                if (!ownPendingDone) {
                    out = readOwnPending(r, max);
                    if (!out.isEmpty()) {
                        return healthy(out);
                    }
                }
                if (System.nanoTime() - nextClaimAtNanos >= 0) {
                    out = claim(r, max);
                    if (!out.isEmpty()) {
                        return healthy(out);
                    }
                }
                now = System.nanoTime();
                long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadline - now);
                long untilClaimMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextClaimAtNanos - now));
                long block = Math.min(remainingMillis, Math.min(settings.blockTime().toMillis(), untilClaimMillis));
                XReadGroupParams params = XReadGroupParams.xReadGroupParams().count(max);
                if (block >= 1) {
                    params.block((int) block); // never BLOCK 0: that means "forever" to Redis
                }
                out = toDeliveries(r, entries(r.xreadGroup(group, consumer, params,
                        Map.of(key, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY))), false);
                healthy(out);
                if (!out.isEmpty() || deadline - System.nanoTime() <= 0) {
                    return out;
                }
            } catch (JedisDataException e) {
                if (closed) {
                    return new ArrayList<>();
                }
                String msg = String.valueOf(e.getMessage());
                if (msg.startsWith("NOGROUP") && noGroupStreak++ == 0) {
                    log.info("{} consumer group is gone (Redis restarted or the stream was deleted); recreating it",
                            logPrefix);
                    groupReady = false;
                    continue;
                }
                fail(e);
            } catch (RuntimeException e) {
                // JedisException for a lost connection; anything else from a socket closed under us.
                if (closed) {
                    return new ArrayList<>();
                }
                fail(e);
            }
        }
    }

    private Jedis reader() {
        Jedis r = reader;
        if (r == null) {
            r = connector.open();
            reader = r;
            if (closed) { // close() ran while we were connecting and saw no reader to close
                dropReader();
                throw new IllegalStateException("closed");
            }
        }
        return r;
    }

    private void createGroup(Jedis r) {
        try {
            r.xgroupCreate(key, group, ZERO, true);
            log.info("{} created consumer group (reads the stream from its start)", logPrefix);
        } catch (JedisDataException e) {
            if (!String.valueOf(e.getMessage()).startsWith("BUSYGROUP")) {
                throw e;
            }
        }
    }

    private List<Delivery> readOwnPending(Jedis r, int max) {
        while (true) {
            List<StreamEntry> entries = entries(r.xreadGroup(group, consumer,
                    XReadGroupParams.xReadGroupParams().count(max), Map.of(key, ownCursor)));
            if (entries.isEmpty()) {
                ownPendingDone = true;
                ownCursor = ZERO;
                return new ArrayList<>();
            }
            ownCursor = entries.get(entries.size() - 1).getID();
            List<Delivery> out = toDeliveries(r, entries, true);
            if (!out.isEmpty()) {
                log.info("{} recovered {} unacknowledged messages from this consumer's pending list",
                        logPrefix, out.size());
                return out;
            }
        }
    }

    private List<Delivery> claim(Jedis r, int max) {
        Map.Entry<StreamEntryID, List<StreamEntry>> res = r.xautoclaim(key, group, consumer,
                settings.claimTime().toMillis(), claimCursor, XAutoClaimParams.xAutoClaimParams().count(max));
        claimCursor = res.getKey() == null ? ZERO : res.getKey();
        boolean more = !claimCursor.equals(ZERO);
        nextClaimAtNanos = System.nanoTime() + (more ? 0 : settings.claimInterval().toNanos());
        List<StreamEntry> entries = new ArrayList<>();
        boolean deletedSeen = false;
        for (StreamEntry e : res.getValue()) {
            if (e == null) {
                // Redis 6.2 returns deleted (trimmed) entries as nil and leaves them pending, now on
                // this consumer: the own-pending scan finds them with their ids and acknowledges them.
                deletedSeen = true;
            } else {
                entries.add(e);
            }
        }
        if (deletedSeen) {
            ownPendingDone = false;
        }
        List<Delivery> out = toDeliveries(r, entries, true);
        if (!out.isEmpty()) {
            log.info("{} claimed {} messages left unacknowledged for more than {} (by a crashed, stuck or "
                    + "failing consumer)", logPrefix, out.size(), settings.claimTime());
        }
        return out;
    }

    /**
     * Decodes entries into deliveries. Undeliverable entries are acknowledged first (so a failure
     * here leaves no delivery registered as in flight without having been returned).
     */
    private List<Delivery> toDeliveries(Jedis r, List<StreamEntry> entries, boolean redelivery) {
        List<StreamEntryID> poison = new ArrayList<>();
        List<StreamEntry> good = new ArrayList<>(entries.size());
        List<Event> events = new ArrayList<>(entries.size());
        for (StreamEntry e : entries) {
            String id = e.getID().toString();
            Map<String, String> fields = e.getFields();
            if (fields == null) {
                trimmed.increment();
                poison.add(e.getID());
                log.warn("{} pending message {} was trimmed from the stream (REDIS_STREAM_MAX_LEN) before "
                        + "it was processed; it is lost", logPrefix, id);
                continue;
            }
            if (inFlight.contains(id)) {
                continue; // still held by our caller (found again by a pending scan or self-claim)
            }
            String json = fields.get(FIELD);
            if (json == null) {
                undecodable.increment();
                poison.add(e.getID());
                log.warn("{} message {} has no '{}' field (fields: {}); acknowledged and skipped", logPrefix,
                        id, FIELD, fields.keySet());
                continue;
            }
            try {
                events.add(EventCodec.decode(json));
                good.add(e);
            } catch (MalformedEventException ex) {
                undecodable.increment();
                poison.add(e.getID());
                log.warn("{} message {} is not a valid event ({}); acknowledged and skipped", logPrefix, id,
                        ex.getMessage());
            }
        }
        if (!poison.isEmpty()) {
            r.xack(key, group, poison.toArray(new StreamEntryID[0]));
        }
        List<Delivery> out = new ArrayList<>(good.size());
        for (int i = 0; i < good.size(); i++) {
            String id = good.get(i).getID().toString();
            inFlight.add(id);
            out.add(new Delivery(id, events.get(i), redelivery));
        }
        delivered.add(out.size());
        if (redelivery) {
            redelivered.add(out.size());
        }
        return out;
    }

    private static List<StreamEntry> entries(List<Map.Entry<String, List<StreamEntry>>> reply) {
        if (reply == null || reply.isEmpty()) {
            return List.of();
        }
        List<StreamEntry> all = new ArrayList<>();
        for (Map.Entry<String, List<StreamEntry>> e : reply) {
            if (e.getValue() != null) {
                all.addAll(e.getValue());
            }
        }
        return all;
    }

    private List<Delivery> healthy(List<Delivery> out) {
        if (backoff.failing()) {
            log.info("{} reconnected to {}", logPrefix, settings.endpoint());
        }
        backoff.reset();
        noGroupStreak = 0;
        connected = true;
        return out;
    }

    private void fail(RuntimeException e) {
        errors.increment();
        connected = false;
        if (!backoff.failing()) {
            log.warn("{} cannot read from Redis at {}: {}; retrying with backoff", logPrefix,
                    settings.endpoint(), e.toString());
        } else {
            log.debug("{} Redis still unavailable: {}", logPrefix, e.toString());
        }
        dropReader();
        // After reconnecting, look at our own pending list again: a read whose reply was lost
        // left its messages pending on this consumer.
        ownPendingDone = false;
        ownCursor = ZERO;
        retryAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff.next());
    }

    private void dropReader() {
        Jedis r = reader;
        reader = null;
        RedisConnector.quietlyClose(r);
    }

    @Override
    public void ack(Collection<Delivery> deliveries) {
        List<String> ids = settle(deliveries);
        if (!ids.isEmpty()) {
            acked.add(ids.size());
            sendAcks(ids);
        }
        flushUnsentAcks();
    }

    @Override
    public void nack(Collection<Delivery> deliveries) {
        // Nothing to tell Redis: the messages stay pending and become claimable once idle for
        // REDIS_STREAM_CLAIM_TIME (by this consumer too, since XAUTOCLAIM takes idle entries of all).
        nacked.add(settle(deliveries).size());
    }

    private List<String> settle(Collection<Delivery> deliveries) {
        List<String> ids = new ArrayList<>(deliveries.size());
        for (Delivery d : deliveries) {
            if (inFlight.remove(d.id())) {
                ids.add(d.id());
            }
        }
        return ids;
    }

    private void sendAcks(List<String> ids) {
        StreamEntryID[] entryIds = new StreamEntryID[ids.size()];
        for (int i = 0; i < entryIds.length; i++) {
            entryIds[i] = new StreamEntryID(ids.get(i));
        }
        try {
            control.call(j -> j.xack(key, group, entryIds));
        } catch (JedisException | IllegalStateException e) {
            unsentAcks.addAll(ids);
            errors.increment();
            log.debug("{} could not acknowledge {} messages yet: {}", logPrefix, ids.size(), e.toString());
        }
    }

    /** Retries acknowledgements that failed earlier; one attempt. */
    void flushUnsentAcks() {
        if (unsentAcks.isEmpty()) {
            return;
        }
        List<String> ids = new ArrayList<>();
        for (String id; (id = unsentAcks.poll()) != null; ) {
            ids.add(id);
        }
        if (!ids.isEmpty()) {
            sendAcks(ids);
        }
    }

    int inFlightCount() {
        return inFlight.size();
    }

    int unsentAckCount() {
        return unsentAcks.size();
    }

    @Override
    public Backlog backlog() {
        try {
            return control.call(j -> {
                long length = j.xlen(key);
                long pending;
                try {
                    pending = j.xpending(key, group).getTotal();
                } catch (JedisDataException e) {
                    if (String.valueOf(e.getMessage()).startsWith("NOGROUP")) {
                        return new Backlog(-1, 0, length);
                    }
                    throw e;
                }
                long lag = -1;
                for (StreamGroupInfo g : j.xinfoGroups(key)) {
                    if (group.equals(g.getName())) {
                        Object l = g.getGroupInfo().get("lag");
                        if (l instanceof Long) {
                            lag = (Long) l; // Redis 7+; absent or nil when Redis cannot tell
                        }
                    }
                }
                return new Backlog(lag, pending, length);
            });
        } catch (JedisException | IllegalStateException e) {
            throw new EventBusException(logPrefix + " cannot read the backlog from " + settings.endpoint(), e);
        }
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
    public SubscriptionStats stats() {
        return new SubscriptionStats(delivered.sum(), redelivered.sum(), acked.sum(), nacked.sum(),
                undecodable.sum(), trimmed.sum(), inFlight.size(), errors.sum(), connected);
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeSignal.countDown();
        // Closing the socket makes a blocked XREADGROUP return at once with an error, which the
        // polling thread ignores because closed is set. Anything Redis handed to us in that reply
        // stays pending on this consumer and is claimed by another after the claim time.
        dropReader();
        bus.onClosed(this);
    }

    @Override
    public String toString() {
        return "StreamSubscription" + logPrefix;
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 2;
        }
    }
}
