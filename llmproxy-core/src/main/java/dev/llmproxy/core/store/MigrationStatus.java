package dev.llmproxy.core.store;

import java.time.Instant;

/**
 * Where one migration stands in a database ({@code llm-proxy migrate status}).
 *
 * @param version     the migration's version
 * @param description its description
 * @param state       see {@link State}
 * @param appliedAt   when it was applied; null when pending
 */
public record MigrationStatus(int version, String description, State state, Instant appliedAt) {

    /** How a migration of this build relates to the database. */
    public enum State {
        /** Applied, and the script is unchanged since. */
        APPLIED,
        /** Not applied yet; {@link Migrations#up()} will apply it. */
        PENDING,
        /** Applied, but the script shipped now differs from the one applied: someone edited it. */
        CHANGED,
        /** Applied by a newer build; this build does not know it. */
        UNKNOWN
    }

    /** Whether this state stops {@link Migrations#up()} (and start-up). */
    public boolean isProblem() {
        return state == State.CHANGED || state == State.UNKNOWN;
    }
}
