package dev.llmproxy.core.cache;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A parsed {@code REDIS_CACHE_URL}: {@code redis://[[user]:password@]host[:port][/db]}, or
 * {@code rediss://} for TLS. Port defaults to 6379, database to 0. {@link #toString()} and every
 * error message leave the password out.
 */
record RedisCacheUrl(String host, int port, int database, boolean ssl, String user, String password) {

    static final String EXPECTED = "redis://[user:password@]host:port[/db] (rediss:// for TLS)";

    static RedisCacheUrl parse(String url) {
        if (url == null || url.isBlank()) {
            throw invalid(url);
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw invalid(url);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("redis") && !scheme.equals("rediss")) {
            throw invalid(url);
        }
        String host = uri.getHost();
        if (host == null || host.isBlank()) {
            throw invalid(url);
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = uri.getPort() == -1 ? 6379 : uri.getPort();
        String user = null;
        String password = null;
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
        int db = 0;
        String path = uri.getPath();
        if (path != null && path.length() > 1) {
            try {
                db = Integer.parseInt(path.substring(1));
            } catch (NumberFormatException e) {
                throw invalid(url);
            }
            if (db < 0) {
                throw invalid(url);
            }
        }
        return new RedisCacheUrl(host, port, db, scheme.equals("rediss"), user, password);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static IllegalArgumentException invalid(String url) {
        String shown = url == null ? "null" : url.replaceAll("(?<=://)[^/@]*@", "****@");
        return new IllegalArgumentException("REDIS_CACHE_URL: expected " + EXPECTED + ", got '" + shown + "'");
    }

    @Override
    public String toString() {
        return (ssl ? "rediss://" : "redis://") + (host.contains(":") ? "[" + host + "]" : host) + ":" + port
                + "/" + database;
    }
}
