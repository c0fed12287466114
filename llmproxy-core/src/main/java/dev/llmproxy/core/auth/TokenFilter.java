package dev.llmproxy.core.auth;

import java.util.Objects;

/**
 * Which tokens {@link TokenStore#list} returns.
 *
 * @param projectId  only this project's tokens; null = every project
 * @param activeOnly only tokens that are neither revoked nor expired (at the store's clock)
 */
public record TokenFilter(String projectId, boolean activeOnly) {

    /** Every token. */
    public static TokenFilter all() {
        return new TokenFilter(null, false);
    }

    /** Every token of one project. */
    public static TokenFilter forProject(String projectId) {
        return new TokenFilter(Objects.requireNonNull(projectId, "projectId"), false);
    }

    /** The same filter restricted to usable tokens. */
    public TokenFilter onlyActive() {
        return new TokenFilter(projectId, true);
    }
}
