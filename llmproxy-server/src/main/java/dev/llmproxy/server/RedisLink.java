package dev.llmproxy.server;

import dev.llmproxy.core.ratelimit.RedisRateLimiter;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The Redis that proxy instances share for token invalidation (pub/sub) and per-token rate limits
 * (a Lua script), configured when {@code REDIS_ADDR} is set. Without it each instance limits and
 * invalidates on its own, which is exact for a single instance.
 *
 * @param host      from {@code REDIS_ADDR}
 * @param port      from {@code REDIS_ADDR} (default 6379)
 * @param tls       {@code rediss://} in {@code REDIS_ADDR}
 * @param user      ACL user from the URL form, or null
 * @param password  {@code REDIS_PASSWORD}, else the URL's password, or null; never logged
 * @param database  {@code REDIS_DB}, else the URL's path, else 0
 * @param failMode  {@code RATE_LIMIT_FAIL_MODE}: what rate limits do while Redis is unreachable
 */
record RedisLink(String host, int port, boolean tls, String user, String password, int database,
                 RedisRateLimiter.FailMode failMode) {

    /** Pub/sub channel of token and project invalidations. */
    static final String INVALIDATION_CHANNEL = "llmproxy:invalidations";

    /** Prefix of the rate limiter's keys (one sorted set per token). */
    static final String RATE_LIMIT_PREFIX = "llmproxy:ratelimit:";

    /**
     * Reads {@code REDIS_ADDR} in the forms the event bus accepts: {@code host}, {@code host:port},
     * {@code [ipv6]:port}, or {@code redis[s]://[[user]:password@]host[:port][/db]}.
     *
     * @param database {@code REDIS_DB}, or null to take the URL's (else 0)
     * @param password {@code REDIS_PASSWORD}, or null to take the URL's
     * @throws IllegalArgumentException saying what was expected; a password in the URL is masked
     */
    static RedisLink parse(String addr, Integer database, String password, RedisRateLimiter.FailMode failMode) {
        String a = addr.strip();
        String host;
        int port = 6379;
        boolean tls = false;
        String user = null;
        String urlPassword = null;
        int urlDb = 0;
        if (a.contains("://")) {
            URI uri;
            try {
                uri = new URI(a);
            } catch (URISyntaxException e) {
                throw bad(a);
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("redis") && !scheme.equals("rediss")) {
                throw bad(a);
            }
            tls = scheme.equals("rediss");
            host = uri.getHost();
            if (host != null && host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1); // URI keeps IPv6 literals bracketed
            }
            if (uri.getPort() != -1) {
                port = uri.getPort();
            }
            String info = uri.getRawUserInfo();
            if (info != null && !info.isEmpty()) {
                int colon = info.indexOf(':');
                if (colon < 0) {
                    urlPassword = decode(info);
                } else {
                    user = colon == 0 ? null : decode(info.substring(0, colon));
                    urlPassword = decode(info.substring(colon + 1));
                }
            }
            String path = uri.getPath();
            if (path != null && path.length() > 1) {
                try {
                    urlDb = Integer.parseInt(path.substring(1));
                } catch (NumberFormatException e) {
                    throw bad(a);
                }
            }
        } else if (a.startsWith("[")) {
            int close = a.indexOf(']');
            if (close < 0 || close + 1 < a.length() && a.charAt(close + 1) != ':') {
                throw bad(a);
            }
            host = a.substring(1, close);
            if (close + 1 < a.length()) {
                port = port(a, a.substring(close + 2));
            }
        } else {
            int colon = a.lastIndexOf(':');
            host = colon < 0 ? a : a.substring(0, colon);
            if (colon >= 0) {
                port = port(a, a.substring(colon + 1));
            }
        }
        if (host == null || host.isBlank() || port < 1 || port > 65535 || urlDb < 0) {
            throw bad(a);
        }
        return new RedisLink(host, port, tls, user, password != null ? password : urlPassword,
                database != null ? database : urlDb, failMode);
    }

    private static int port(String addr, String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw bad(addr);
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static IllegalArgumentException bad(String addr) {
        String shown = addr.replaceAll("(?<=://)[^/@]*@", "****@");
        return new IllegalArgumentException("expected host:port, [ipv6]:port or redis://[user:password@]host:port[/db]"
                + " (rediss:// for TLS), got '" + shown + "'");
    }

    /** {@code redis://host:port/db} for log lines: never the password. */
    String endpoint() {
        return (tls ? "rediss://" : "redis://") + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/"
                + database;
    }

    @Override
    public String toString() {
        return "RedisLink[" + endpoint() + (user == null ? "" : " user=" + user)
                + (password == null ? "" : " password=[redacted]") + ", failMode=" + failMode + "]";
    }
}
