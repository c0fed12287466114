package dev.llmproxy.eventbus;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A Redis server address as operators write it ({@code REDIS_ADDR}): {@code host},
 * {@code host:port}, {@code [ipv6]:port}, or {@code redis[s]://[user:password@]host[:port][/db]}.
 * The one parser for every Redis user (event bus, token invalidation, rate limits, cache).
 *
 * @param host     host name or address, IPv6 without brackets
 * @param port     port, 6379 when not given
 * @param tls      {@code rediss://}
 * @param user     ACL user from the URL, or null
 * @param password password from the URL, or null
 * @param database database from the URL path, or null when not given
 */
public record RedisAddress(String host, int port, boolean tls, String user, String password, Integer database) {

    public static final int DEFAULT_PORT = 6379;

    /**
     * Parses {@code text} (surrounding blanks ignored).
     *
     * @throws IllegalArgumentException when it is none of the accepted forms; the message is
     *                                  generic and never contains the text (it may hold a password)
     */
    public static RedisAddress parse(String text) {
        String a = text.strip();
        String host;
        int port = DEFAULT_PORT;
        boolean tls = false;
        String user = null;
        String password = null;
        Integer database = null;
        if (a.contains("://")) {
            URI uri;
            try {
                uri = new URI(a);
            } catch (URISyntaxException e) {
                throw invalid();
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("redis") && !scheme.equals("rediss")) {
                throw invalid();
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
                    password = decode(info);
                } else {
                    user = colon == 0 ? null : decode(info.substring(0, colon));
                    password = decode(info.substring(colon + 1));
                }
            }
            String path = uri.getPath();
            if (path != null && path.length() > 1) {
                database = number(path.substring(1));
            }
        } else if (a.startsWith("[")) {
            int close = a.indexOf(']');
            if (close < 0 || close + 1 < a.length() && a.charAt(close + 1) != ':') {
                throw invalid();
            }
            host = a.substring(1, close);
            if (close + 1 < a.length()) {
                port = number(a.substring(close + 2));
            }
        } else {
            int colon = a.lastIndexOf(':');
            host = colon < 0 ? a : a.substring(0, colon);
            if (colon >= 0) {
                port = number(a.substring(colon + 1));
            }
        }
        if (host == null || host.isBlank() || port < 1 || port > 65535 || database != null && database < 0) {
            throw invalid();
        }
        return new RedisAddress(host, port, tls, user, password, database);
    }

    private static int number(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw invalid();
        }
    }

    /** URL user-info is percent-encoded; a literal '+' stays a '+' (it is not a form). */
    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static IllegalArgumentException invalid() {
        return new IllegalArgumentException("not a Redis address");
    }

    @Override
    public String toString() {
        return "RedisAddress[" + (tls ? "rediss://" : "redis://") + (user == null ? "" : user + "@")
                + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + (database == null ? "" : "/" + database)
                + (password == null ? "" : ", password set") + "]";
    }
}
