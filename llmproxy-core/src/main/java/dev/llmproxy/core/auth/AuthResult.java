package dev.llmproxy.core.auth;

import dev.llmproxy.core.ProxyError;
import dev.llmproxy.core.project.Project;
import dev.llmproxy.core.ratelimit.RateLimitDecision;

import java.util.Objects;

/**
 * The outcome of {@link TokenService#authorize}: either the token and its project (whose upstream
 * key the proxy sends), or why the request is refused. Carries the rate-limit decision, when the
 * token has a per-minute limit, for the {@code x-ratelimit-*} response headers.
 *
 * @param token     the token's record (never the secret); null when refused before it was known
 * @param project   the token's project; null when refused before it was known
 * @param error     null when allowed
 * @param message   human-readable reason when refused
 * @param rateLimit the rate-limit decision, or null when the token has no per-minute limit
 */
public record AuthResult(TokenRecord token, Project project, ProxyError error, String message,
                         RateLimitDecision rateLimit) {

    public static AuthResult allowed(TokenRecord token, Project project, RateLimitDecision rateLimit) {
        return new AuthResult(Objects.requireNonNull(token), Objects.requireNonNull(project), null, null, rateLimit);
    }

    public static AuthResult denied(ProxyError error, String message) {
        return new AuthResult(null, null, error, message, null);
    }

    public static AuthResult denied(TokenRecord token, Project project, ProxyError error, String message,
                                    RateLimitDecision rateLimit) {
        return new AuthResult(token, project, error, message, rateLimit);
    }

    public boolean isAllowed() {
        return error == null;
    }

    @Override
    public String toString() {
        // The project carries the upstream key; Project.toString redacts it, but keep this terse anyway.
        return isAllowed() ? "AuthResult[allowed token=" + token.id() + " project=" + project.id() + "]"
                : "AuthResult[denied " + error.code() + ": " + message + "]";
    }
}
