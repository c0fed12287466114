package dev.llmproxy.eventbus.redis;

import static dev.llmproxy.eventbus.EventBusConfig.*;

import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.ConfigurationException;
import dev.llmproxy.eventbus.EventBusConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
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
        String host;
        int port = 6379;
        boolean ssl = false;
        String user = null;
        String password = null;
        Integer urlDb = null;
        if (addr.contains("://")) {
            URI uri;
            try {
                uri = new URI(addr);
            } catch (URISyntaxException e) {
                throw badAddr(addr);
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!scheme.equals("redis") && !scheme.equals("rediss")) {
                throw badAddr(addr);
            }
            ssl = scheme.equals("rediss");
            host = uri.getHost();
            if (uri.getPort() != -1) {
                port = uri.getPort();
            }
            String info = uri.getRawUserInfo();
            if (info != null && !info.isEmpty()) {
                int colon = info.indexOf(':');
                if (colon < 0) {
                    password = decode(info);
                } else {
                    user = colon == 0 ? null : decode(info.substring(0, colon));
                    password = decode(info.substring(colon + 1));
                }
            }
            String path = uri.getPath();
            if (path != null && path.length() > 1) {
                try {
                    urlDb = Integer.parseInt(path.substring(1));
                } catch (NumberFormatException e) {
                    throw badAddr(addr);
                }
            }
        } else {
            int colon = addr.lastIndexOf(':');
            if (addr.startsWith("[")) {
                int close = addr.indexOf(']');
                if (close < 0) {
                    throw badAddr(addr);
                }
                host = addr.substring(1, close);
                if (close + 1 < addr.length()) {
                    if (addr.charAt(close + 1) != ':') {
                        throw badAddr(addr);
                    }
                    port = parsePort(addr, addr.substring(close + 2));
                }
            } else if (colon >= 0) {
                host = addr.substring(0, colon);
                port = parsePort(addr, addr.substring(colon + 1));
            } else {
                host = addr;
            }
        }
        if (host == null || host.isBlank() || port < 1 || port > 65535) {
            throw badAddr(addr);
        }
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

    private static int parsePort(String addr, String port) {
        try {
            return Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw badAddr(addr);
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static ConfigurationException badAddr(String addr) {
        // The address may embed a password: never echo a URL's user-info.
        String shown = addr.replaceAll("(?<=://)[^/@]*@", "****@");
        return ConfigurationException.invalid(REDIS_ADDR, shown,
                "host:port, [ipv6]:port or redis://[user:password@]host:port[/db] (rediss:// for TLS)");
    }
}
