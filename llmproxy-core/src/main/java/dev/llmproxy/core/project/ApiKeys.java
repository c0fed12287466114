package dev.llmproxy.core.project;

/**
 * Rules for upstream API keys as people see and enter them.
 *
 * <h2>Display</h2>
 * {@link #obfuscate(String)} is the only form in which a key may be shown (management API, admin
 * UI, CLI): a short prefix, an ellipsis and the last four characters, e.g.
 * {@code sk-proj-abc…wxyz}, never more than a third of the key. Keys shorter than
 * {@value #MIN_PARTIAL_LENGTH} characters are shown as {@code ****}.
 *
 * <h2>Input</h2>
 * {@link #requireUsable(String)} refuses what cannot be a real key: blank values, anything but
 * printable ASCII without spaces (the key ends up in an HTTP header, so a line break would inject
 * headers),
 * values that look obfuscated (so a key copied from a listing is never saved over the real one),
 * and values that already carry the encrypted-at-rest prefix.
 */
public final class ApiKeys {

    /** Shortest key of which anything but {@code ****} is shown. */
    public static final int MIN_PARTIAL_LENGTH = 12;

    /** Longest accepted key; real provider keys are a few hundred characters at most. */
    public static final int MAX_LENGTH = 4096;

    private static final int SUFFIX = 4;
    private static final int MAX_PREFIX = 11; // "sk-proj-abc": the provider's prefix plus a few characters
    private static final String ELLIPSIS = "\u2026";
    private static final String MASK = "****";

    private ApiKeys() {
    }

    /**
     * The display form of {@code apiKey}: prefix (at most {@value #MAX_PREFIX} characters) + "…" +
     * last 4, showing at most a third of the key; {@code ****} for short keys; "" for null or "".
     */
    public static String obfuscate(String apiKey) {
        if (apiKey == null || apiKey.isEmpty()) {
            return "";
        }
        int visible = apiKey.length() / 3;
        if (apiKey.length() < MIN_PARTIAL_LENGTH || visible < SUFFIX) {
            return MASK;
        }
        int prefix = Math.min(MAX_PREFIX, visible - SUFFIX);
        return apiKey.substring(0, prefix) + ELLIPSIS + apiKey.substring(apiKey.length() - SUFFIX);
    }

    /**
     * Whether {@code value} looks like the output of {@link #obfuscate} (or of the original Go
     * proxy, which used {@code ...} and {@code ****}) rather than a real key.
     */
    public static boolean looksObfuscated(String value) {
        return value != null && (value.contains(ELLIPSIS) || value.contains("...") || value.contains(MASK));
    }

    /**
     * Returns {@code apiKey} if it can be a real plaintext upstream key, else throws
     * {@link IllegalArgumentException} saying why (without echoing the value).
     */
    public static String requireUsable(String apiKey) {
        if (apiKey == null || apiKey.isBlank()) {
            throw new IllegalArgumentException("api_key must not be empty");
        }
        if (apiKey.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(
                    "api_key must be at most " + MAX_LENGTH + " characters, got " + apiKey.length());
        }
        for (int i = 0; i < apiKey.length(); i++) {
            char c = apiKey.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                throw new IllegalArgumentException(
                        "api_key must consist of printable ASCII characters without spaces");
            }
        }
        if (looksObfuscated(apiKey)) {
            throw new IllegalArgumentException(
                    "api_key looks obfuscated (it contains \u2026, ... or ****): provide the full key");
        }
        if (ApiKeyCipher.isEncrypted(apiKey)) {
            throw new IllegalArgumentException("api_key must be the plaintext upstream key, not an "
                    + ApiKeyCipher.PREFIX + " value");
        }
        return apiKey;
    }
}
