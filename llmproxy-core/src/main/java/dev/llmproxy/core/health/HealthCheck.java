package dev.llmproxy.core.health;

import java.util.Map;
import java.util.Objects;

/**
 * One dependency whose health {@code /ready} and {@code /health/details} report: the database,
 * Redis, or anything an embedder adds with {@code LlmProxy.Builder.healthCheck(...)}.
 *
 * <p>{@link #check()} may block (a JDBC ping, a Redis {@code PING}): the {@link HealthMonitor}
 * calls it on its own thread every few seconds with a timeout, never on an event loop, and the
 * endpoints answer from the cached result. A check that throws or times out counts as down.
 */
public interface HealthCheck {

    /** Short, stable component name shown in {@code /health/details}, e.g. {@code database}. */
    String name();

    /** Whether {@code /ready} answers 503 while this component is down. */
    boolean requiredForReadiness();

    /**
     * What is known about the dependency without checking it (e.g. its endpoint or driver), shown
     * in {@code /health/details} before the first check and while it is down. Never secrets.
     */
    default Map<String, Object> describe() {
        return Map.of();
    }

    /**
     * Checks the dependency once. Blocks at most for the dependency's own timeout.
     *
     * @return whether it is up, with details worth showing (never secrets)
     * @throws Exception any failure, reported as down with the exception's message
     */
    Result check() throws Exception;

    /**
     * @param up      whether the dependency answered as expected
     * @param details extra values for {@code /health/details} (strings, numbers, booleans)
     */
    record Result(boolean up, Map<String, Object> details) {
        public Result {
            details = Map.copyOf(details);
        }

        public static Result up(Map<String, Object> details) {
            return new Result(true, details);
        }

        public static Result down(Map<String, Object> details) {
            return new Result(false, details);
        }
    }

    /** A check from a name, a readiness flag and a blocking call that returns whether it is up. */
    static HealthCheck of(String name, boolean required, Map<String, Object> details, BlockingProbe probe) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(probe, "probe");
        Map<String, Object> fixed = Map.copyOf(details);
        return new HealthCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public boolean requiredForReadiness() {
                return required;
            }

            @Override
            public Map<String, Object> describe() {
                return fixed;
            }

            @Override
            public Result check() throws Exception {
                return new Result(probe.up(), fixed);
            }
        };
    }

    /** A blocking yes/no probe, e.g. {@code database::ping}. */
    @FunctionalInterface
    interface BlockingProbe {
        boolean up() throws Exception;
    }
}
