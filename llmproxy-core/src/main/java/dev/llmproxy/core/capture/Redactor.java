package dev.llmproxy.core.capture;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces secrets with {@value #REDACTED} before anything reaches a capture file. Three layers,
 * applied to every string of a captured exchange (header values, path and query, upstream URL,
 * bodies):
 *
 * <ol>
 *   <li><b>Exact values</b> known to be secret: the configured ones (management token) plus, per
 *       exchange, the client's bearer value and the project's upstream key. These catch secrets of
 *       any shape wherever they appear.</li>
 *   <li><b>Shapes</b>: {@code sk-…} keys (withering tokens and OpenAI-style provider keys),
 *       {@code Bearer …} / {@code Basic …} credentials, and JSON fields or query parameters whose
 *       name says "secret" ({@code api_key}, {@code token}, {@code password}, …).</li>
 *   <li><b>Header names</b>: credential headers ({@link #SECRET_HEADERS}) lose their whole value.</li>
 * </ol>
 *
 * <p>Bodies are redacted byte for byte over an ISO-8859-1 view, so non-UTF-8 bodies are redacted
 * too before they are base64-encoded. A truncated body may end in the first characters of a
 * secret; a trailing prefix of a known value or an {@code sk-} fragment is redacted as well.
 *
 * <p>Limits (see {@code docs/wire-capture.md}): secrets inside compressed bodies, JSON with escaped
 * characters inside the secret, or of an unknown shape under an innocent name are not found.
 * Thread-safe; used only by the writer thread.
 */
final class Redactor {

    static final String REDACTED = "[REDACTED]";

    /** Headers whose value is a credential; compared lower-case. */
    static final Set<String> SECRET_HEADERS = Set.of("authorization", "proxy-authorization", "api-key", "x-api-key",
            "cookie", "set-cookie", "x-management-token", "openai-api-key", "anthropic-api-key", "x-goog-api-key");

    /** Shortest exact value worth replacing: shorter ones would redact ordinary words. */
    private static final int MIN_SECRET_LENGTH = 8;
    /** Shortest trailing fragment of a known secret treated as cut by truncation. */
    private static final int MIN_FRAGMENT = 4;

    private static final Pattern SK_KEY = Pattern.compile("sk-[A-Za-z0-9_\\-]{8,}");
    private static final Pattern SK_FRAGMENT_AT_END = Pattern.compile("sk-[A-Za-z0-9_\\-]*\\z");
    private static final Pattern AUTH_SCHEME = Pattern.compile("(?i)\\b(Bearer|Basic)\\s+[A-Za-z0-9._~+/=\\-]+");
    private static final String SECRET_NAMES =
            "api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|id[_-]?token|token|secret|client[_-]?secret"
                    + "|password|passwd|authorization|x-api-key|key";
    /** {@code "api_key": "value"} in JSON (the value has no escaped quotes in practice). */
    private static final Pattern JSON_SECRET_FIELD = Pattern.compile(
            "(?i)(\"(?:" + SECRET_NAMES + ")\"\\s*:\\s*\")((?:[^\"\\\\]|\\\\.)*)(\")");
    /** {@code ?api_key=value&} in a query string or form body. */
    private static final Pattern QUERY_SECRET_PARAM = Pattern.compile(
            "(?i)(^|[?&;])((?:" + SECRET_NAMES + ")=)([^&#\\s\"]*)");

    private final List<String> globalSecrets;

    Redactor(Collection<String> globalSecrets) {
        this.globalSecrets = usable(globalSecrets);
    }

    /** The secrets to redact for one exchange: the global ones plus {@code exchangeSecrets}. */
    List<String> secretsFor(Collection<String> exchangeSecrets) {
        if (exchangeSecrets.isEmpty()) {
            return globalSecrets;
        }
        List<String> all = new ArrayList<>(globalSecrets);
        all.addAll(usable(exchangeSecrets));
        // Longest first, so a key that contains another known value is replaced whole.
        all.sort(Comparator.comparingInt(String::length).reversed());
        return all;
    }

    /** A header value: credential headers lose everything, others go through {@link #text}. */
    String header(String name, String value, List<String> secrets) {
        if (SECRET_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
            return REDACTED;
        }
        return text(value, secrets, false);
    }

    /**
     * Any string: exact values, then shapes.
     *
     * @param truncated whether the text was cut, so that a secret's first characters at its end
     *                  are redacted too
     */
    String text(String s, List<String> secrets, boolean truncated) {
        if (s == null || s.isEmpty()) {
            return s;
        }
        String out = s;
        for (String secret : secrets) {
            if (out.contains(secret)) {
                out = out.replace(secret, REDACTED);
            }
        }
        // Each pattern costs a scan with backtracking at many positions; a cheap substring check
        // first skips the patterns that cannot match (most bodies contain none of these words).
        if (out.contains("sk-")) {
            out = replaceAll(SK_KEY, out, m -> REDACTED);
        }
        if (containsIgnoreCase(out, "bearer") || containsIgnoreCase(out, "basic")) {
            out = replaceAll(AUTH_SCHEME, out, m -> m.group(1) + " " + REDACTED);
        }
        if (mayNameASecret(out)) {
            out = replaceAll(JSON_SECRET_FIELD, out, m -> m.group(1) + REDACTED + m.group(3));
            if (out.indexOf('=') >= 0) {
                out = replaceAll(QUERY_SECRET_PARAM, out, m -> m.group(3).isEmpty() ? m.group()
                        : m.group(1) + m.group(2) + REDACTED);
            }
        }
        if (truncated) {
            out = redactTrailingFragment(out, secrets);
        }
        return out;
    }

    /** Whether {@code s} contains a word every name in {@link #SECRET_NAMES} contains one of. */
    private static boolean mayNameASecret(String s) {
        return containsIgnoreCase(s, "key") || containsIgnoreCase(s, "token") || containsIgnoreCase(s, "secret")
                || containsIgnoreCase(s, "passw") || containsIgnoreCase(s, "authorization");
    }

    /** {@code lowerNeedle} (lower-case ASCII) in {@code s}, ignoring ASCII case; no copy of {@code s}. */
    static boolean containsIgnoreCase(String s, String lowerNeedle) {
        char first = lowerNeedle.charAt(0);
        char firstUpper = Character.toUpperCase(first);
        int last = s.length() - lowerNeedle.length();
        for (int i = 0; i <= last; i++) {
            char c = s.charAt(i);
            if ((c == first || c == firstUpper) && s.regionMatches(true, i, lowerNeedle, 0, lowerNeedle.length())) {
                return true;
            }
        }
        return false;
    }

    private static String redactTrailingFragment(String s, List<String> secrets) {
        Matcher m = SK_FRAGMENT_AT_END.matcher(s);
        if (m.find()) {
            return s.substring(0, m.start()) + REDACTED;
        }
        for (String secret : secrets) {
            for (int k = Math.min(secret.length() - 1, s.length()); k >= MIN_FRAGMENT; k--) {
                if (s.regionMatches(s.length() - k, secret, 0, k)) {
                    return s.substring(0, s.length() - k) + REDACTED;
                }
            }
        }
        return s;
    }

    private static String replaceAll(Pattern p, String s, java.util.function.Function<Matcher, String> replacement) {
        Matcher m = p.matcher(s);
        if (!m.find()) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        do {
            m.appendReplacement(sb, Matcher.quoteReplacement(replacement.apply(m)));
        } while (m.find());
        m.appendTail(sb);
        return sb.toString();
    }

    private static List<String> usable(Collection<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            if (v != null && v.length() >= MIN_SECRET_LENGTH && !out.contains(v)) {
                out.add(v);
            }
        }
        out.sort(Comparator.comparingInt(String::length).reversed());
        return List.copyOf(out);
    }
}
