package dev.llmproxy.core.route;

/**
 * A provider configuration file that cannot be used. The message always reads
 * {@code <source>: <key>: <problem>}, for example
 * {@code config/api.yaml: apis.openai.timeouts.connect: expected a duration like 10s or 500ms, got 'ten'},
 * so an operator can go straight to the line to fix; {@link #source()}, {@link #key()} and
 * {@link #problem()} expose the parts for callers that format errors themselves.
 *
 * <p>It extends {@link IllegalArgumentException} so callers that only care about "bad input"
 * need not know this type.
 */
public final class ConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final String key;
    private final String problem;

    /**
     * @param source  where the configuration came from, usually the file path as given
     * @param key     dotted path of the offending key, e.g. {@code apis.openai.base_url}; null when
     *                the problem concerns the whole file (unreadable, not YAML)
     * @param problem what is wrong and what was expected
     */
    public ConfigException(String source, String key, String problem) {
        super(source + ": " + (key == null ? "" : key + ": ") + problem);
        this.source = source;
        this.key = key;
        this.problem = problem;
    }

    /** Where the configuration came from (file path or the caller's description). */
    public String source() {
        return source;
    }

    /** Dotted path of the offending key, or null when the whole file is at fault. */
    public String key() {
        return key;
    }

    /** What is wrong, without the source and key prefix. */
    public String problem() {
        return problem;
    }
}
