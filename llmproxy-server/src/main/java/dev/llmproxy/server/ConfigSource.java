package dev.llmproxy.server;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where a setting's raw text comes from: a command-line flag when it was given, else the
 * environment variable. The environment is an injected map (normally {@link System#getenv()}) so
 * tests can supply their own.
 *
 * <p>An environment variable that is set but empty or blank counts as unset: {@code .env} files
 * and container manifests often carry {@code LOG_FILE=} lines meaning "nothing here". A flag given
 * with an empty value is taken literally, and is then reported as malformed by the setting.
 */
final class ConfigSource {

    private final Map<String, String> env;

    ConfigSource(Map<String, String> env) {
        this.env = Objects.requireNonNull(env, "env");
    }

    /** The flag's value when it was given (non-null), else the environment variable's. */
    Optional<Raw> get(String flagName, String flagValue, String envName) {
        if (flagValue != null) {
            return Optional.of(new Raw(flagName, flagValue));
        }
        return env(envName);
    }

    /** The environment variable's value, unless it is unset or blank. */
    Optional<Raw> env(String envName) {
        String value = env.get(envName);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(new Raw(envName, value));
    }

    /** True when the environment variable is set to something other than blanks. */
    boolean isSet(String envName) {
        return env(envName).isPresent();
    }

    /**
     * A raw setting and the name the operator used for it.
     *
     * @param name  the flag (e.g. {@code --listen}) or variable (e.g. {@code LISTEN_ADDR})
     * @param value the text as given
     */
    record Raw(String name, String value) {

        /**
         * Applies {@code parser}; an {@link IllegalArgumentException} from it becomes a
         * {@link ConfigError} whose message is prefixed with {@link #name()}.
         */
        <T> T parse(Function<String, T> parser) {
            try {
                return parser.apply(value);
            } catch (IllegalArgumentException e) {
                throw new ConfigError(name + ": " + e.getMessage(), e);
            }
        }

        @Override
        public String toString() {
            // Raw values may be secrets; show only where the value came from.
            return "Raw[" + name + "]";
        }
    }
}
