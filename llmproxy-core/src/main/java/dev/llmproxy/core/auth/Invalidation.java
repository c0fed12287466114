package dev.llmproxy.core.auth;

import java.util.Objects;

/**
 * "Forget what you cached about this": sent when a token is revoked or edited ({@code TOKEN}), a
 * project is deactivated, changed or deleted ({@code PROJECT}), or when a receiver may have missed
 * messages ({@code ALL}).
 *
 * @param kind what {@code id} names
 * @param id   the token id or project id (never a secret)
 */
public record Invalidation(Kind kind, String id) {

    /** {@code ALL} means "anything may have changed" (e.g. after missing messages while disconnected). */
    public enum Kind { TOKEN, PROJECT, ALL }

    /** Drop everything cached. */
    public static final Invalidation EVERYTHING = new Invalidation(Kind.ALL, "*");

    public Invalidation {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(id, "id");
    }

    /** Wire form: {@code token:<id>} or {@code project:<id>}. */
    public String encode() {
        return switch (kind) {
            case TOKEN -> "token:" + id;
            case PROJECT -> "project:" + id;
            case ALL -> "all:*";
        };
    }

    /** Parses {@link #encode()}'s form; null for anything else (ignored by receivers). */
    public static Invalidation decode(String message) {
        if (message == null) {
            return null;
        }
        if (message.startsWith("token:") && message.length() > 6) {
            return new Invalidation(Kind.TOKEN, message.substring(6));
        }
        if (message.equals("all:*")) {
            return EVERYTHING;
        }
        if (message.startsWith("project:") && message.length() > 8) {
            return new Invalidation(Kind.PROJECT, message.substring(8));
        }
        return null;
    }
}
