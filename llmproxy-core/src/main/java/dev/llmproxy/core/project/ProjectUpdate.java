package dev.llmproxy.core.project;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A change to a project: each of name, API key and active flag is either left as it is (empty) or
 * set. Build it from {@link #none()} with the {@code with…} methods, e.g.
 * {@code ProjectUpdate.none().withActive(false)}. Immutable.
 *
 * <p>Every update, even an empty one, sets {@code updatedAt}. Deactivating sets
 * {@code deactivatedAt}; reactivating clears it; setting the flag to its current value leaves
 * {@code deactivatedAt} alone. Revoking the project's tokens is a separate call
 * ({@link dev.llmproxy.core.auth.TokenStore#revokeByProject}).
 */
public final class ProjectUpdate {

    private static final ProjectUpdate NONE = new ProjectUpdate(null, null, null);

    private final String name;
    private final String apiKey;
    private final Boolean active;

    private ProjectUpdate(String name, String apiKey, Boolean active) {
        this.name = name;
        this.apiKey = apiKey;
        this.active = active;
    }

    /** An update that changes nothing but {@code updatedAt}. */
    public static ProjectUpdate none() {
        return NONE;
    }

    /** Also renames the project; the name must be unique, not blank and at most {@value ProjectNames#MAX_LENGTH} characters. */
    public ProjectUpdate withName(String newName) {
        return new ProjectUpdate(ProjectNames.require(newName), apiKey, active);
    }

    /** Also replaces the upstream key (plaintext; see {@link ApiKeys#requireUsable(String)}). */
    public ProjectUpdate withApiKey(String newApiKey) {
        return new ProjectUpdate(name, ApiKeys.requireUsable(newApiKey), active);
    }

    /** Also activates or deactivates the project. */
    public ProjectUpdate withActive(boolean newActive) {
        return new ProjectUpdate(name, apiKey, newActive);
    }

    public Optional<String> name() {
        return Optional.ofNullable(name);
    }

    public Optional<String> apiKey() {
        return Optional.ofNullable(apiKey);
    }

    public Optional<Boolean> active() {
        return Optional.ofNullable(active);
    }

    /** Whether nothing but {@code updatedAt} changes. */
    public boolean isEmpty() {
        return name == null && apiKey == null && active == null;
    }

    /**
     * The project after this update at time {@code now}. Stores use it so the rules above live in
     * one place.
     */
    public Project applyTo(Project current, Instant now) {
        boolean newActive = active == null ? current.isActive() : active;
        Instant deactivatedAt = current.deactivatedAt();
        if (newActive != current.isActive()) {
            deactivatedAt = newActive ? null : now;
        }
        return new Project(current.id(), name == null ? current.name() : name,
                apiKey == null ? current.apiKey() : apiKey, newActive, deactivatedAt, current.createdAt(), now);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProjectUpdate other && Objects.equals(name, other.name)
                && Objects.equals(apiKey, other.apiKey) && Objects.equals(active, other.active);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, apiKey, active);
    }

    @Override
    public String toString() {
        return "ProjectUpdate[name=" + name + ", apiKey=" + (apiKey == null ? "unchanged" : "[redacted]")
                + ", active=" + active + "]";
    }
}
