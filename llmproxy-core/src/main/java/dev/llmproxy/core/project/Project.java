package dev.llmproxy.core.project;

import java.time.Instant;
import java.util.Objects;

/**
 * A project: a named holder of one upstream API key, to which withering tokens belong.
 *
 * <p>{@code apiKey} is the <em>plaintext</em> upstream key. It exists only in memory: the JDBC store
 * encrypts it on the way to the database and decrypts it on the way back (see
 * {@link ApiKeyCipher}). Show it to people only through {@link ApiKeys#obfuscate(String)};
 * {@link #toString()} leaves it out, so logging a project is safe.
 *
 * @param id            random UUID, assigned by the store
 * @param name          unique among projects; any text, stored verbatim
 * @param apiKey        plaintext upstream key sent as {@code Authorization: Bearer …}
 * @param isActive      false once deactivated; a deactivated project's tokens are refused
 * @param deactivatedAt when the project was last deactivated; null while active
 * @param createdAt     creation time
 * @param updatedAt     time of the last {@link ProjectStore#update update}
 */
public record Project(
        String id,
        String name,
        String apiKey,
        boolean isActive,
        Instant deactivatedAt,
        Instant createdAt,
        Instant updatedAt) {

    public Project {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(apiKey, "apiKey");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    @Override
    public String toString() {
        // Never print the key, not even obfuscated: log lines travel further than API responses.
        return "Project[id=" + id + ", name=" + name + ", apiKey=[redacted], isActive=" + isActive
                + ", deactivatedAt=" + deactivatedAt + ", createdAt=" + createdAt + ", updatedAt=" + updatedAt + "]";
    }
}
