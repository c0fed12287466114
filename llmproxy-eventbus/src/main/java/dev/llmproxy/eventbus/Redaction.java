package dev.llmproxy.eventbus;

import java.util.Collections;
import java.util.Locale;
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
 * <p>Cost: one pass over the headers and a small tree map. Thread-safe (stateless).
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
        String n = name.toLowerCase(Locale.ROOT);
        return SENSITIVE_HEADERS.contains(n) || n.endsWith("-api-key") || n.endsWith("-token")
                || n.endsWith("-secret");
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
        TreeMap<String, String> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<String, String> e : headers) {
            String name = e.getKey();
            String value = e.getValue();
            if (name == null || value == null) {
                continue;
            }
            if (isSensitive(name)) {
                out.putIfAbsent(name, REDACTED);
            } else {
                out.merge(name, value, (a, b) -> a + ", " + b);
            }
        }
        return out.isEmpty() ? EMPTY : Collections.unmodifiableSortedMap(out);
    }
}
