package dev.llmproxy.core.health;

import java.time.Instant;
import java.util.Map;

/**
 * The cached result of a {@link HealthCheck}.
 *
 * @param name           the component
 * @param status         {@code up}, {@code down} or {@code unknown} (not checked yet)
 * @param required       whether {@code /ready} depends on it
 * @param latencyMillis  how long the last check took, -1 before the first
 * @param checkedAt      when the last check finished, or null
 * @param error          why it is down (exception message or timeout), or null
 * @param details        what the check reported besides up/down
 */
public record ComponentHealth(String name, String status, boolean required, double latencyMillis,
                              Instant checkedAt, String error, Map<String, Object> details) {

    public boolean up() {
        return "up".equals(status);
    }
}
