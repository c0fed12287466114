package dev.llmproxy.eventbus.redis;

import dev.llmproxy.eventbus.RedisAddress;

import static dev.llmproxy.eventbus.EventBusConfig.*;

import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.ConfigurationException;
import dev.llmproxy.eventbus.EventBusConfig;
import java.time.Duration;

/**
 * The validated settings of a Redis Streams bus, read once from a {@link ComponentConfig}. Keeps
 * jedis types out so the provider can build it without jedis on the class path.
 */
record RedisSettings(String host, int port, boolean ssl, String user, String password, int database,
                     String streamKey, String defaultGroup, String consumerName, long maxLen,
                     Duration blockTime, Duration claimTime, int batchSize, int bufferSize) {

    static final int MAX_BUFFER = 1 << 24;

    static RedisSettings from(ComponentConfig c) {
        String addr = c.string(REDIS_ADDR, DEFAULT_REDIS_ADDR);
        RedisAddress address;
        try {
            address = RedisAddress.parse(addr);
        } catch (IllegalArgumentException e) {
            throw badAddr(addr);
        }
        String host = address.host();
        int port = address.port();
        boolean ssl = address.tls();
        String user = address.user();
        String password = address.password();
        Integer urlDb = address.database();
        int db = config(c, REDIS_DB, urlDb != null ? urlDb : DEFAULT_REDIS_DB, 0, Integer.MAX_VALUE);
        String pw = c.string(REDIS_PASSWORD, password);
        String streamKey = c.string(REDIS_STREAM_KEY, DEFAULT_STREAM_KEY);
        String group = c.string(REDIS_CONSUMER_GROUP, DEFAULT_CONSUMER_GROUP);
        String consumer = c.string(REDIS_CONSUMER_NAME, null);
        long maxLen = c.longValue(REDIS_STREAM_MAX_LEN, DEFAULT_STREAM_MAX_LEN);
        if (maxLen < 0) {
            throw ConfigurationException.invalid(REDIS_STREAM_MAX_LEN, String.valueOf(maxLen),
                    "0 (no limit) or a positive integer");
        }
        Duration block = EventBusConfig.durationInRange(c, REDIS_STREAM_BLOCK_TIME, DEFAULT_BLOCK_TIME,
                Duration.ofMillis(1), Duration.ofMinutes(10));
        Duration claim = EventBusConfig.durationInRange(c, REDIS_STREAM_CLAIM_TIME, DEFAULT_CLAIM_TIME,
                Duration.ofMillis(1), Duration.ofDays(1));
        int batch = config(c, REDIS_STREAM_BATCH_SIZE, DEFAULT_BATCH_SIZE, 1, 100_000);
        int buffer = config(c, OBSERVABILITY_BUFFER_SIZE, DEFAULT_BUFFER_SIZE, 1, MAX_BUFFER);
        return new RedisSettings(host, port, ssl, user, pw, db, streamKey, group, consumer, maxLen, block,
                claim, batch, buffer);
    }

    /** How often a subscription looks for messages to claim: half the claim time, 10 ms to 60 s. */
    Duration claimInterval() {
        long half = claimTime.toMillis() / 2;
        return Duration.ofMillis(Math.max(10, Math.min(half, 60_000)));
    }

    /** {@code host:port} for log lines; never the password. */
    String endpoint() {
        return (ssl ? "rediss://" : "redis://") + (host.contains(":") ? "[" + host + "]" : host) + ":" + port
                + "/" + database;
    }

    @Override
    public String toString() {
        return "RedisSettings[" + endpoint() + ", stream=" + streamKey + ", group=" + defaultGroup
                + ", maxLen=" + maxLen + ", block=" + blockTime + ", claim=" + claimTime + ", batch="
                + batchSize + ", buffer=" + bufferSize + "]";
    }

    private static int config(ComponentConfig c, String key, int def, int min, int max) {
        return EventBusConfig.intInRange(c, key, def, min, max);
    }

    private static ConfigurationException badAddr(String addr) {
        // The address may embed a password: never echo a URL's user-info.
        String shown = addr.replaceAll("(?<=://)[^/@]*@", "****@");
        return ConfigurationException.invalid(REDIS_ADDR, shown,
                "host:port, [ipv6]:port or redis://[user:password@]host:port[/db] (rediss:// for TLS)");
    }
}
