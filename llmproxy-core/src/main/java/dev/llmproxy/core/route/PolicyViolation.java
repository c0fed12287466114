package dev.llmproxy.core.route;

import dev.llmproxy.core.ProxyError;

import java.util.Objects;

/**
 * Why {@link RequestPolicy} refused a request: the error (which fixes the HTTP status and the
 * {@code code} clients match on) and a human-readable message for the OpenAI error envelope.
 * Values the client sent are quoted in the message but cut to a bounded length, so an error
 * response never echoes a megabyte back.
 *
 * @param error   the stable error, e.g. {@link ProxyError#PARAM_NOT_ALLOWED}
 * @param message what was refused and, where useful, what would have been accepted
 */
public record PolicyViolation(ProxyError error, String message) {

    public PolicyViolation {
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(message, "message");
    }

    /** HTTP status to answer, the same as {@code error().status()}. */
    public int status() {
        return error.status();
    }
}
