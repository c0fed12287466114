package dev.llmproxy.eventbus;

/**
 * Thrown when user-supplied configuration is invalid: a value that does not parse, is out of
 * range, or contradicts another setting. The message always names the key and the expected form,
 * so that start-up can print it as-is and the operator knows what to fix.
 *
 * <p>This is a configuration error, not a runtime failure: retrying with the same configuration
 * fails the same way.
 */
public class ConfigurationException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String key;

    /**
     * Creates an exception about {@code key}.
     *
     * @param key the configuration key (for example {@code REDIS_STREAM_BLOCK_TIME}); may be
     *            {@code null} when the problem is not tied to one key
     * @param message the full message, which should already name the key
     */
    public ConfigurationException(String key, String message) {
        super(message);
        this.key = key;
    }

    /**
     * Creates the standard "malformed value" exception:
     * {@code KEY: expected <form>, got '<value>'}.
     *
     * @param key the configuration key
     * @param value the raw value that was rejected
     * @param expected a description of the accepted form, for example {@code "an integer"}
     * @return the exception, for the caller to throw
     */
    public static ConfigurationException invalid(String key, String value, String expected) {
        return new ConfigurationException(key, key + ": expected " + expected + ", got '" + value + "'");
    }

    /** The configuration key this exception is about, or {@code null}. */
    public String key() {
        return key;
    }
}
