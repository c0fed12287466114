package dev.llmproxy.eventbus;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Removes secrets from HTTP headers before they are put in an {@link Event} (and anywhere else
 * headers are recorded, such as wire captures).
 *
 * <p>A header's value is replaced by {@value #REDACTED} when its name, compared without regard to
 * case:
 * <ul>
 *   <li>is one of {@link #SENSITIVE_HEADERS}: {@code Authorization}, {@code Proxy-Authorization},
 *       {@code Cookie}, {@code Set-Cookie}, {@code api-key}, {@code x-api-key}; or</li>
 *   <li>ends with {@code -api-key}, {@code -token} or {@code -secret} (for example
 *       {@code x-goog-api-key}, {@code x-amz-security-token}, {@code x-client-secret}).</li>
 * </ul>
 * Everything else is kept verbatim, including {@code OpenAI-Organization}, {@code OpenAI-Project}
 * and rate-limit headers, which are useful for analysis and are not credentials.
 *
 * <p>The result is an unmodifiable map sorted by name and <b>case-insensitive</b> on lookup
 * ({@code get("content-type")} finds {@code Content-Type}). Repeated headers are joined with
 * {@code ", "} in arrival order (RFC 9110 §5.3); the first spelling of the name is kept.
 *
 * <p>Cost: one pass over the headers into two small sorted arrays ({@link HeaderMap}); no
 * lower-case copies of names. Thread-safe (stateless).
 */
public final class Redaction {
    /** The replacement value for a redacted header. */
    public static final String REDACTED = "[REDACTED]";

    /** Header names (lower case) whose values are always redacted. */
    public static final Set<String> SENSITIVE_HEADERS = Set.of(
            "authorization", "proxy-authorization", "cookie", "set-cookie", "api-key", "x-api-key");

    private static final SortedMap<String, String> EMPTY =
            Collections.unmodifiableSortedMap(new TreeMap<>(String.CASE_INSENSITIVE_ORDER));

    private Redaction() {
    }

    /**
     * Whether a header with this name has its value redacted.
     *
     * @param name a header name, any case
     * @return true for credentials
     */
    public static boolean isSensitive(String name) {
        // No lower-case copy: this runs for every header of every event.
        int n = name.length();
        switch (n) {
            case 6: // cookie
                if (name.equalsIgnoreCase("cookie")) {
                    return true;
                }
                break;
            case 7: // api-key
                if (name.equalsIgnoreCase("api-key")) {
                    return true;
                }
                break;
            case 9: // x-api-key
                if (name.equalsIgnoreCase("x-api-key")) {
                    return true;
                }
                break;
            case 10: // set-cookie
                if (name.equalsIgnoreCase("set-cookie")) {
                    return true;
                }
                break;
            case 13: // authorization
                if (name.equalsIgnoreCase("authorization")) {
                    return true;
                }
                break;
            case 19: // proxy-authorization
                if (name.equalsIgnoreCase("proxy-authorization")) {
                    return true;
                }
                break;
            default:
                break;
        }
        return endsWithIgnoreCase(name, "-api-key") || endsWithIgnoreCase(name, "-token")
                || endsWithIgnoreCase(name, "-secret");
    }

    private static boolean endsWithIgnoreCase(String s, String suffix) {
        int from = s.length() - suffix.length();
        return from >= 0 && s.regionMatches(true, from, suffix, 0, suffix.length());
    }

    /**
     * Copies {@code headers} with secrets redacted.
     *
     * @param headers header name to value; null means none
     * @return an unmodifiable, case-insensitive, redacted copy
     */
    public static SortedMap<String, String> headers(Map<String, String> headers) {
        return headers == null ? EMPTY : headers(headers.entrySet());
    }

    /**
     * Copies headers given as name/value entries with secrets redacted. This accepts Netty's
     * {@code HttpHeaders} directly (it is an {@code Iterable<Map.Entry<String, String>>} with one
     * entry per value), so the proxy need not build an intermediate map.
     *
     * @param headers entries; null means none; entries with a null name or value are skipped
     * @return an unmodifiable, case-insensitive, redacted copy
     */
    public static SortedMap<String, String> headers(Iterable<? extends Map.Entry<String, String>> headers) {
        if (headers == null) {
            return EMPTY;
        }
        // Collected in arrival order, then stably sorted by name (insertion sort: a request has a
        // handful to a few dozen headers), then runs of the same name merged: the first spelling
        // is kept and repeated values are joined in arrival order, as the TreeMap merge did.
        String[] names = new String[16];
        String[] vals = new String[16];
        int n = 0;
        for (Map.Entry<String, String> e : headers) {
            String name = e.getKey();
            String value = e.getValue();
            if (name == null || value == null) {
                continue;
            }
            if (n == names.length) {
                names = Arrays.copyOf(names, n * 2);
                vals = Arrays.copyOf(vals, n * 2);
            }
            int i = n++;
            while (i > 0 && String.CASE_INSENSITIVE_ORDER.compare(names[i - 1], name) > 0) {
                names[i] = names[i - 1];
                vals[i] = vals[i - 1];
                i--;
            }
            names[i] = name;
            vals[i] = value;
        }
        if (n == 0) {
            return EMPTY;
        }
        int distinct = 0;
        for (int i = 0; i < n; ) {
            String name = names[i];
            int j = i + 1;
            while (j < n && names[j].equalsIgnoreCase(name)) {
                j++;
            }
            String value;
            if (isSensitive(name)) {
                value = REDACTED;
            } else if (j == i + 1) {
                value = vals[i];
            } else {
                StringBuilder joined = new StringBuilder(vals[i]);
                for (int k = i + 1; k < j; k++) {
                    joined.append(", ").append(vals[k]);
                }
                value = joined.toString();
            }
            names[distinct] = name;
            vals[distinct] = value;
            distinct++;
            i = j;
        }
        return new HeaderMap(Arrays.copyOf(names, distinct), Arrays.copyOf(vals, distinct));
    }
}
