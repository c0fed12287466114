package dev.llmproxy.dispatch;

import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.ConfigurationException;

import java.time.Duration;

/**
 * The {@link ComponentConfig} keys the built-in dispatchers read. {@code llm-proxy dispatcher}
 * maps its flags onto them ({@code --endpoint} → {@code endpoint}, {@code --api-key} →
 * {@code api_key}, {@code --file} → {@code file}, ...), and {@code --option KEY=VALUE} sets any
 * key directly, which is how plugins get their own settings.
 *
 * <table>
 *   <caption>Keys</caption>
 *   <tr><th>Key</th><th>Used by</th><th>Meaning</th></tr>
 *   <tr><td>{@code endpoint}</td><td>lunary, helicone, langfuse (file: a fallback for {@code file})</td>
 *       <td>base URL or full ingestion URL; each backend's javadoc says what it appends to a bare base</td></tr>
 *   <tr><td>{@code api_key}</td><td>lunary, helicone, langfuse ({@code PUBLIC:SECRET})</td><td>the backend key; masked in logs</td></tr>
 *   <tr><td>{@code public_key}, {@code secret_key}</td><td>langfuse</td><td>instead of {@code api_key}</td></tr>
 *   <tr><td>{@code file}</td><td>file</td><td>the JSONL file</td></tr>
 *   <tr><td>{@code max_file_mb}</td><td>file</td><td>rotate when the file would grow past this many MiB (default 100; 0 = never)</td></tr>
 *   <tr><td>{@code max_files}</td><td>file</td><td>rotated files kept, {@code FILE.1} newest (default 5)</td></tr>
 *   <tr><td>{@code connect_timeout}</td><td>HTTP backends</td><td>default 10s</td></tr>
 *   <tr><td>{@code request_timeout}</td><td>HTTP backends</td><td>per request, default 30s</td></tr>
 *   <tr><td>{@code max_batch_bytes}</td><td>lunary, langfuse</td><td>split a batch into requests of at most this many bytes
 *       (defaults 15000000 for Lunary, whose limit is 20 MB, and 3000000 for Langfuse, whose limit is 3.5 MB)</td></tr>
 *   <tr><td>{@code max_concurrency}</td><td>helicone</td><td>requests in flight at once (one per event), default 8</td></tr>
 * </table>
 */
public final class DispatcherConfig {
    public static final String ENDPOINT = "endpoint";
    public static final String API_KEY = "api_key";
    public static final String PUBLIC_KEY = "public_key";
    public static final String SECRET_KEY = "secret_key";
    public static final String FILE = "file";
    public static final String MAX_FILE_MB = "max_file_mb";
    public static final String MAX_FILES = "max_files";
    public static final String CONNECT_TIMEOUT = "connect_timeout";
    public static final String REQUEST_TIMEOUT = "request_timeout";
    public static final String MAX_BATCH_BYTES = "max_batch_bytes";
    public static final String MAX_CONCURRENCY = "max_concurrency";

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private DispatcherConfig() {
    }

    /**
     * The value of {@code key}, which must be set.
     *
     * @param config the settings
     * @param key the key
     * @param hint how to set it, appended to the message (for example {@code "--api-key or LLM_PROXY_API_KEY"})
     * @return the trimmed value
     * @throws ConfigurationException if it is absent or blank
     */
    public static String required(ComponentConfig config, String key, String hint) {
        String v = config.string(key, null);
        if (v == null) {
            throw new ConfigurationException(key, key + ": required (" + hint + ")");
        }
        return v;
    }

    /**
     * {@code key} as an int in {@code [min, max]}.
     *
     * @throws ConfigurationException if malformed or out of range
     */
    public static int intInRange(ComponentConfig config, String key, int defaultValue, int min, int max) {
        int v = config.integer(key, defaultValue);
        if (v < min || v > max) {
            throw ConfigurationException.invalid(key, String.valueOf(v), "an integer between " + min + " and " + max);
        }
        return v;
    }

    /**
     * {@code key} as a positive duration.
     *
     * @throws ConfigurationException if malformed or zero
     */
    public static Duration positiveDuration(ComponentConfig config, String key, Duration defaultValue) {
        Duration d = config.duration(key, defaultValue);
        if (d.isZero()) {
            throw ConfigurationException.invalid(key, config.string(key, "0"), "a positive duration");
        }
        return d;
    }
}
