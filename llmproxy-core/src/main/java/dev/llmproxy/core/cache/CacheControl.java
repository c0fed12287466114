package dev.llmproxy.core.cache;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.Locale;

/**
 * The {@code Cache-Control} directives the cache acts on (RFC 9111 §5.2), read from every
 * {@code Cache-Control} line of a request or response.
 *
 * <p>Parsing is conservative: directive names are case-insensitive; a lifetime that is not a
 * plain non-negative integer ({@code max-age=12abc}, {@code max-age=-1}) counts as {@code 0}
 * (the original read the leading digits, so {@code 12abc} meant twelve seconds); a directive given
 * twice keeps the smaller lifetime; values beyond 2<sup>31</sup> seconds are capped there. Commas
 * inside quoted arguments do not split directives. The qualified forms
 * {@code no-cache="Set-Cookie"} and {@code private="..."} are treated like the plain ones.
 *
 * @param maxAge  {@code max-age} seconds, or -1 when absent
 * @param sMaxAge {@code s-maxage} seconds, or -1 when absent
 * @param minFresh {@code min-fresh} seconds (requests only), or -1 when absent
 */
record CacheControl(boolean noStore, boolean noCache, boolean isPrivate, boolean isPublic,
                    long maxAge, long sMaxAge, long minFresh) {

    static final CacheControl NONE = new CacheControl(false, false, false, false, -1, -1, -1);
    static final long MAX_SECONDS = 1L << 31;

    static CacheControl of(HttpHeaders headers) {
        if (headers == null || !headers.contains(HttpHeaderNames.CACHE_CONTROL)) {
            return NONE;
        }
        boolean noStore = false;
        boolean noCache = false;
        boolean isPrivate = false;
        boolean isPublic = false;
        long maxAge = -1;
        long sMaxAge = -1;
        long minFresh = -1;
        for (String line : headers.getAll(HttpHeaderNames.CACHE_CONTROL)) {
            int i = 0;
            int n = line.length();
            while (i < n) {
                int start = i;
                boolean quoted = false;
                while (i < n && (quoted || line.charAt(i) != ',')) {
                    char c = line.charAt(i);
                    if (c == '"') {
                        quoted = !quoted;
                    } else if (c == '\\' && quoted) {
                        i++;
                    }
                    i++;
                }
                String directive = line.substring(start, Math.min(i, n)).trim();
                i++;
                if (directive.isEmpty()) {
                    continue;
                }
                int eq = directive.indexOf('=');
                String name = (eq < 0 ? directive : directive.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
                String arg = eq < 0 ? null : directive.substring(eq + 1).trim();
                switch (name) {
                    case "no-store" -> noStore = true;
                    case "no-cache" -> noCache = true;
                    case "private" -> isPrivate = true;
                    case "public" -> isPublic = true;
                    case "max-age" -> maxAge = smaller(maxAge, seconds(arg));
                    case "s-maxage" -> sMaxAge = smaller(sMaxAge, seconds(arg));
                    case "min-fresh" -> minFresh = smaller(minFresh, seconds(arg));
                    default -> { }
                }
            }
        }
        return new CacheControl(noStore, noCache, isPrivate, isPublic, maxAge, sMaxAge, minFresh);
    }

    private static long smaller(long current, long value) {
        return current < 0 ? value : Math.min(current, value);
    }

    /** Delta-seconds; 0 for anything malformed (an unreadable lifetime never makes a thing fresh). */
    static long seconds(String arg) {
        if (arg == null) {
            return 0;
        }
        String s = arg.length() >= 2 && arg.startsWith("\"") && arg.endsWith("\"") ? arg.substring(1, arg.length() - 1) : arg;
        if (s.isEmpty() || s.length() > 19) {
            return s.isEmpty() ? 0 : allDigits(s) ? MAX_SECONDS : 0;
        }
        if (!allDigits(s)) {
            return 0;
        }
        return Math.min(Long.parseLong(s), MAX_SECONDS);
    }

    private static boolean allDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
