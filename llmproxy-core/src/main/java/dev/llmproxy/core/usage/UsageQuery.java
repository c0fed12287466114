package dev.llmproxy.core.usage;

import java.time.Instant;

/**
 * Which usage records to read; every field is optional (null = no filter). Immutable.
 *
 * @param projectId exact project id
 * @param model     exact model as requested
 * @param from      inclusive lower bound of the request time
 * @param to        exclusive upper bound of the request time
 */
public record UsageQuery(String projectId, String model, Instant from, Instant to) {

    /** Every record. */
    public static UsageQuery all() {
        return new UsageQuery(null, null, null, null);
    }

    /** Whether {@code r} matches (the in-memory store and tests use it; databases filter in SQL). */
    public boolean matches(UsageRecord r) {
        return (projectId == null || projectId.equals(r.projectId()))
                && (model == null || model.equals(r.model()))
                && (from == null || !r.timestamp().isBefore(from))
                && (to == null || r.timestamp().isBefore(to));
    }
}
