package dev.llmproxy.eventbus;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A typed, read-only view over string configuration handed to a plug-in component (an
 * {@link EventBusProvider}, a dispatcher). The server builds one from environment variables and
 * CLI flags; tests and embedders build one with {@link #of(Map)}. The library never reads the
 * environment itself.
 *
 * <p>Every getter takes a default that is returned when the key is absent <em>or blank</em> (an
 * environment variable set to the empty string means "not set"). A value that is present but
 * malformed throws {@link ConfigurationException} naming the key and the expected form, so a typo
 * stops start-up instead of silently falling back to a default.
 *
 * <table>
 *   <caption>Accepted forms</caption>
 *   <tr><th>Getter</th><th>Accepts</th></tr>
 *   <tr><td>{@link #integer}, {@link #longValue}</td><td>decimal, optional sign: {@code 100}, {@code -1}</td></tr>
 *   <tr><td>{@link #bool}</td><td>{@code true/false}, {@code yes/no}, {@code on/off}, {@code 1/0} (any case)</td></tr>
 *   <tr><td>{@link #duration}</td><td>Go style {@code 500ms}, {@code 5s}, {@code 1m30s}, {@code 2h}, {@code 250us},
 *       {@code 10ns}, decimals such as {@code 1.5s}; ISO-8601 {@code PT5S}; a bare {@code 0}</td></tr>
 * </table>
 *
 * <p>Instances are immutable and thread-safe. {@link #toString()} masks values of keys that look
 * secret ({@code *PASSWORD*}, {@code *SECRET*}, {@code *TOKEN*}, {@code *API_KEY*}) and the
 * user-info part of URLs, so a config can be logged.
 */
public final class ComponentConfig {
    private static final ComponentConfig EMPTY = new ComponentConfig(Map.of());
    private static final Pattern GO_DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|μs|ms|s|m|h)");
    private static final Pattern URL_USERINFO = Pattern.compile("(?<=://)[^/@]*@");

    private final Map<String, String> values;

    private ComponentConfig(Map<String, String> values) {
        this.values = values;
    }

    /**
     * Creates a view over a copy of {@code values}.
     *
     * @param values keys and raw string values; neither keys nor values may be null
     * @return the config view
     * @throws NullPointerException if the map or any key or value is null
     */
    public static ComponentConfig of(Map<String, String> values) {
        Objects.requireNonNull(values, "values");
        return values.isEmpty() ? EMPTY : new ComponentConfig(Map.copyOf(values));
    }

    /** A config with no keys: every getter returns its default. */
    public static ComponentConfig empty() {
        return EMPTY;
    }

    /**
     * Returns a copy with {@code key} set to {@code value}; handy for overriding one setting.
     *
     * @param key the key
     * @param value the raw value
     * @return a new config
     */
    public ComponentConfig with(String key, String value) {
        Map<String, String> copy = new LinkedHashMap<>(values);
        copy.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return new ComponentConfig(Map.copyOf(copy));
    }

    /** Whether {@code key} has a non-blank value. */
    public boolean has(String key) {
        return raw(key) != null;
    }

    /** The keys present (including blank ones), unordered. */
    public Set<String> keys() {
        return values.keySet();
    }

    /** All raw values as an unmodifiable map. */
    public Map<String, String> asMap() {
        return values;
    }

    /**
     * The trimmed string value, or {@code defaultValue} when absent or blank.
     *
     * @param key the key
     * @param defaultValue returned when the key is absent or blank; may be null
     * @return the value
     */
    public String string(String key, String defaultValue) {
        String v = raw(key);
        return v == null ? defaultValue : v;
    }

    /**
     * The value as an {@code int}.
     *
     * @throws ConfigurationException if the value is not a decimal integer in range
     */
    public int integer(String key, int defaultValue) {
        String v = raw(key);
        if (v == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw ConfigurationException.invalid(key, v, "an integer");
        }
    }

    /**
     * The value as a {@code long}.
     *
     * @throws ConfigurationException if the value is not a decimal integer in range
     */
    public long longValue(String key, long defaultValue) {
        String v = raw(key);
        if (v == null) {
            return defaultValue;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ConfigurationException.invalid(key, v, "an integer");
        }
    }

    /**
     * The value as a boolean.
     *
     * @throws ConfigurationException if the value is not one of the accepted words
     */
    public boolean bool(String key, boolean defaultValue) {
        String v = raw(key);
        if (v == null) {
            return defaultValue;
        }
        switch (v.toLowerCase(Locale.ROOT)) {
            case "true": case "yes": case "on": case "1":
                return true;
            case "false": case "no": case "off": case "0":
                return false;
            default:
                throw ConfigurationException.invalid(key, v, "true or false");
        }
    }

    /**
     * The value as a non-negative {@link Duration}.
     *
     * @throws ConfigurationException if the value is not a duration in an accepted form
     */
    public Duration duration(String key, Duration defaultValue) {
        String v = raw(key);
        if (v == null) {
            return defaultValue;
        }
        Duration parsed = parseDuration(v);
        if (parsed == null) {
            throw ConfigurationException.invalid(key, v, "a duration such as 500ms, 5s, 1m30s or PT5S");
        }
        return parsed;
    }

    /** Parses a duration in one of the accepted forms, or returns null. */
    static Duration parseDuration(String v) {
        if (v.equals("0")) {
            return Duration.ZERO;
        }
        if (v.startsWith("P") || v.startsWith("p")) {
            try {
                Duration d = Duration.parse(v);
                return d.isNegative() ? null : d;
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        Matcher m = GO_DURATION.matcher(v);
        long nanos = 0;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                return null;
            }
            end = m.end();
            double amount = Double.parseDouble(m.group(1));
            double unitNanos;
            switch (m.group(2)) {
                case "ns": unitNanos = 1; break;
                case "us": case "µs": case "μs": unitNanos = 1e3; break;
                case "ms": unitNanos = 1e6; break;
                case "s": unitNanos = 1e9; break;
                case "m": unitNanos = 60e9; break;
                default: unitNanos = 3600e9; break;
            }
            double add = amount * unitNanos;
            if (add > Long.MAX_VALUE - nanos) {
                return null;
            }
            nanos += Math.round(add);
        }
        if (end == 0 || end != v.length()) {
            return null;
        }
        return Duration.ofNanos(nanos);
    }

    private String raw(String key) {
        String v = values.get(Objects.requireNonNull(key, "key"));
        if (v == null) {
            return null;
        }
        v = v.trim();
        return v.isEmpty() ? null : v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ComponentConfig && ((ComponentConfig) o).values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            String k = e.getKey().toUpperCase(Locale.ROOT);
            boolean secret = k.contains("PASSWORD") || k.contains("SECRET") || k.contains("TOKEN")
                    || k.contains("API_KEY");
            shown.put(e.getKey(), secret ? "****" : URL_USERINFO.matcher(e.getValue()).replaceAll("****@"));
        }
        return "ComponentConfig" + Collections.unmodifiableMap(shown);
    }
}
