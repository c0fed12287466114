package dev.llmproxy.server;

/**
 * A configuration value that cannot be used: malformed, out of range, or pointing at a file that
 * is missing. The command line reports it as one line on stderr and exits with code 2, without a
 * stack trace, because the fix is in the operator's environment, not in the code.
 *
 * <p>The message always starts with the name the operator used (the environment variable, or the
 * flag when the flag was given), then what was expected and what was found, e.g.
 * {@code LISTEN_ADDR: expected host:port or :port, got 'abc'}. Secrets are never echoed.
 */
public final class ConfigError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ConfigError(String message) {
        super(message);
    }

    public ConfigError(String message, Throwable cause) {
        super(message, cause);
    }
}
