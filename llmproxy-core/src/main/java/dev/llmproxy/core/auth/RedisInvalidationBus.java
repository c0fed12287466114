package dev.llmproxy.core.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisPubSub;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@link InvalidationBus} over Redis pub/sub on one channel. A dedicated thread holds the
 * subscription and reconnects with backoff when Redis goes away; publishing runs on a single
 * background thread so callers (management requests) never wait on Redis. Messages carry the
 * sender's instance id so an instance ignores its own.
 *
 * <p>Pub/sub is fire-and-forget: an instance disconnected while a message was sent misses it. To
 * bound that window, listeners receive {@link Invalidation#EVERYTHING} after every reconnect,
 * and the token cache's TTL bounds staleness in any case.
 */
public final class RedisInvalidationBus implements InvalidationBus {

    private static final Logger log = LoggerFactory.getLogger(RedisInvalidationBus.class);

    private final HostAndPort address;
    private final JedisClientConfig config;
    private final String channel;
    private final String instanceId = UUID.randomUUID().toString();
    private final List<Consumer<Invalidation>> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService publisher = Executors.newSingleThreadExecutor(daemon("llmproxy-invalidation-pub"));
    private final Thread subscriber;
    private volatile JedisPubSub subscription;
    private final java.util.concurrent.CountDownLatch firstSubscription = new java.util.concurrent.CountDownLatch(1);
    private volatile boolean closed;

    /**
     * @param channel pub/sub channel shared by the instances, e.g. {@code llmproxy:invalidations}
     */
    public RedisInvalidationBus(String host, int port, int database, String password, String channel) {
        this.address = new HostAndPort(host, port);
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder().database(database)
                .timeoutMillis(2000).clientName("llmproxy-invalidations");
        if (password != null && !password.isEmpty()) {
            b.password(password);
        }
        this.config = b.build();
        this.channel = channel;
        this.subscriber = daemon("llmproxy-invalidation-sub").newThread(this::subscribeLoop);
        subscriber.start();
        // Wait briefly for the subscription so invalidations sent right after start are not missed;
        // with Redis down, start anyway: the loop keeps trying and drops all caches on connect.
        try {
            if (!firstSubscription.await(SUBSCRIBE_WAIT_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                log.warn("not yet subscribed to invalidations on Redis {}:{} after {} ms; continuing, will retry",
                        host, port, SUBSCRIBE_WAIT_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** How long the constructor waits for the first subscription. */
    static final long SUBSCRIBE_WAIT_MILLIS = 3000;

    @Override
    public void publish(Invalidation invalidation) {
        if (closed) {
            return;
        }
        String message = instanceId + " " + invalidation.encode();
        publisher.execute(() -> {
            try (Jedis jedis = new Jedis(address, config)) {
                jedis.publish(channel, message);
            } catch (RuntimeException e) {
                log.warn("could not publish invalidation {} to Redis: {}", invalidation.encode(), e.toString());
            }
        });
    }

    @Override
    public void subscribe(Consumer<Invalidation> listener) {
        listeners.add(listener);
    }

    private void subscribeLoop() {
        long backoff = 100;
        boolean first = true;
        while (!closed) {
            try (Jedis jedis = new Jedis(address, config)) {
                jedis.getClient().setTimeoutInfinite();
                JedisPubSub sub = new JedisPubSub() {
                    @Override
                    public void onMessage(String ch, String message) {
                        deliver(message);
                    }

                    @Override
                    public void onSubscribe(String ch, int count) {
                        log.debug("subscribed to invalidations on {}", ch);
                        firstSubscription.countDown();
                    }
                };
                subscription = sub;
                if (!first) {
                    // Messages sent while we were disconnected are lost: forget everything instead.
                    notifyListeners(Invalidation.EVERYTHING);
                }
                first = false;
                backoff = 100;
                jedis.subscribe(sub, channel); // blocks until unsubscribed or the connection breaks
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                log.warn("invalidation subscription to Redis lost ({}); retrying in {} ms", e.toString(), backoff);
                sleep(backoff);
                backoff = Math.min(5000, backoff * 2);
            }
        }
    }

    private void deliver(String message) {
        int space = message.indexOf(' ');
        if (space <= 0 || message.regionMatches(0, instanceId, 0, space) && space == instanceId.length()) {
            return; // malformed, or our own
        }
        Invalidation inv = Invalidation.decode(message.substring(space + 1));
        if (inv != null) {
            notifyListeners(inv);
        }
    }

    private void notifyListeners(Invalidation inv) {
        for (Consumer<Invalidation> l : listeners) {
            try {
                l.accept(inv);
            } catch (RuntimeException e) {
                log.warn("invalidation listener failed on {}: {}", inv.encode(), e.toString());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        JedisPubSub sub = subscription;
        if (sub != null) {
            try {
                sub.unsubscribe();
            } catch (RuntimeException ignored) {
                // connection already gone
            }
        }
        subscriber.interrupt();
        publisher.shutdown();
        try {
            publisher.awaitTermination(2, TimeUnit.SECONDS);
            subscriber.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
