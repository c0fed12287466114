package dev.llmproxy.eventbus;

import java.time.Duration;
import java.util.List;

/**
 * The configuration keys the built-in event buses read from their {@link ComponentConfig}, with
 * their defaults. The keys are the environment variable names of SPEC S2, so the server can map
 * the environment onto a {@code ComponentConfig} one to one (iterate {@link #KEYS}).
 *
 * <table>
 *   <caption>Keys</caption>
 *   <tr><th>Key</th><th>Default</th><th>Used by</th><th>Meaning</th></tr>
 *   <tr><td>{@code OBSERVABILITY_BUFFER_SIZE}</td><td>10000</td><td>both</td>
 *       <td>in-memory: capacity of each subscriber group's queue; redis-streams: capacity of the
 *       publish buffer that holds events not yet written to Redis (e.g. while Redis is down; the
 *       publisher thread holds at most one more batch of up to this many). When full, new events
 *       are dropped and counted.</td></tr>
 *   <tr><td>{@code REDIS_CONSUMER_GROUP}</td><td>{@code llm-proxy-dispatchers}</td><td>both</td>
 *       <td>group used by {@code subscribe} when {@link SubscriptionOptions} names none</td></tr>
 *   <tr><td>{@code REDIS_CONSUMER_NAME}</td><td>generated</td><td>redis-streams</td>
 *       <td>consumer name when {@link SubscriptionOptions} names none. Unset: a name unique to the
 *       subscription, {@code <hostname>-<pid>-<random>}. If you set it, make it unique per
 *       process.</td></tr>
 *   <tr><td>{@code REDIS_ADDR}</td><td>{@code localhost:6379}</td><td>redis-streams</td>
 *       <td>{@code host:port}, or a {@code redis://[user:password@]host:port[/db]} URL
 *       ({@code rediss://} for TLS)</td></tr>
 *   <tr><td>{@code REDIS_DB}</td><td>0 (or the URL's db)</td><td>redis-streams</td><td>database index</td></tr>
 *   <tr><td>{@code REDIS_PASSWORD}</td><td>none (or the URL's)</td><td>redis-streams</td><td>AUTH password</td></tr>
 *   <tr><td>{@code REDIS_STREAM_KEY}</td><td>{@code llm-proxy-events}</td><td>redis-streams</td><td>stream key</td></tr>
 *   <tr><td>{@code REDIS_STREAM_MAX_LEN}</td><td>10000</td><td>redis-streams</td>
 *       <td>{@code XADD MAXLEN ~ N}; 0 means no trimming. Entries trimmed before a group read them
 *       are lost to that group, so size it above the worst expected dispatcher lag.</td></tr>
 *   <tr><td>{@code REDIS_STREAM_BLOCK_TIME}</td><td>{@code 5s}</td><td>redis-streams</td>
 *       <td>longest single {@code XREADGROUP BLOCK}; also the default poll timeout of handler
 *       subscriptions (both buses)</td></tr>
 *   <tr><td>{@code REDIS_STREAM_CLAIM_TIME}</td><td>{@code 30s}</td><td>redis-streams</td>
 *       <td>a delivered message not acknowledged for this long is taken over by another consumer
 *       of the group ({@code XAUTOCLAIM}); keep it above the longest time a consumer may hold a
 *       batch (including its retries), or expect duplicates</td></tr>
 *   <tr><td>{@code REDIS_STREAM_BATCH_SIZE}</td><td>100</td><td>both</td>
 *       <td>default batch size of handler subscriptions; {@code XAUTOCLAIM COUNT}</td></tr>
 * </table>
 */
public final class EventBusConfig {
    private EventBusConfig() {
    }

    public static final String OBSERVABILITY_BUFFER_SIZE = "OBSERVABILITY_BUFFER_SIZE";
    public static final String REDIS_ADDR = "REDIS_ADDR";
    public static final String REDIS_DB = "REDIS_DB";
    public static final String REDIS_PASSWORD = "REDIS_PASSWORD";
    public static final String REDIS_STREAM_KEY = "REDIS_STREAM_KEY";
    public static final String REDIS_CONSUMER_GROUP = "REDIS_CONSUMER_GROUP";
    public static final String REDIS_CONSUMER_NAME = "REDIS_CONSUMER_NAME";
    public static final String REDIS_STREAM_MAX_LEN = "REDIS_STREAM_MAX_LEN";
    public static final String REDIS_STREAM_BLOCK_TIME = "REDIS_STREAM_BLOCK_TIME";
    public static final String REDIS_STREAM_CLAIM_TIME = "REDIS_STREAM_CLAIM_TIME";
    public static final String REDIS_STREAM_BATCH_SIZE = "REDIS_STREAM_BATCH_SIZE";

    /** Every key above, for mapping environment variables onto a {@link ComponentConfig}. */
    public static final List<String> KEYS = List.of(OBSERVABILITY_BUFFER_SIZE, REDIS_ADDR, REDIS_DB,
            REDIS_PASSWORD, REDIS_STREAM_KEY, REDIS_CONSUMER_GROUP, REDIS_CONSUMER_NAME,
            REDIS_STREAM_MAX_LEN, REDIS_STREAM_BLOCK_TIME, REDIS_STREAM_CLAIM_TIME,
            REDIS_STREAM_BATCH_SIZE);

    public static final int DEFAULT_BUFFER_SIZE = 10_000;
    public static final String DEFAULT_REDIS_ADDR = "localhost:6379";
    public static final int DEFAULT_REDIS_DB = 0;
    public static final String DEFAULT_STREAM_KEY = "llm-proxy-events";
    public static final String DEFAULT_CONSUMER_GROUP = "llm-proxy-dispatchers";
    public static final long DEFAULT_STREAM_MAX_LEN = 10_000;
    public static final Duration DEFAULT_BLOCK_TIME = Duration.ofSeconds(5);
    public static final Duration DEFAULT_CLAIM_TIME = Duration.ofSeconds(30);
    public static final int DEFAULT_BATCH_SIZE = 100;

    /**
     * Reads {@code key} as an int and checks it lies in {@code [min, max]}.
     *
     * @throws ConfigurationException if malformed or out of range
     */
    public static int intInRange(ComponentConfig config, String key, int defaultValue, int min, int max) {
        int v = config.integer(key, defaultValue);
        if (v < min || v > max) {
            throw ConfigurationException.invalid(key, String.valueOf(v),
                    "an integer between " + min + " and " + max);
        }
        return v;
    }

    /**
     * Reads {@code key} as a duration and checks it lies in {@code [min, max]}.
     *
     * @throws ConfigurationException if malformed or out of range
     */
    public static Duration durationInRange(ComponentConfig config, String key, Duration defaultValue,
                                           Duration min, Duration max) {
        Duration v = config.duration(key, defaultValue);
        if (v.compareTo(min) < 0 || v.compareTo(max) > 0) {
            throw ConfigurationException.invalid(key, config.string(key, v.toString()),
                    "a duration between " + min + " and " + max);
        }
        return v;
    }
}
