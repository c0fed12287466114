package dev.llmproxy.core.route;

import io.netty.handler.codec.http.HttpHeaders;

import java.util.Objects;

/**
 * The answer to a CORS preflight ({@code OPTIONS}) computed by {@link RequestPolicy#preflight}.
 * The Netty handler writes it as is: {@link #status()} with {@link #headers()} and no body when
 * {@link #violation()} is null, otherwise the OpenAI error envelope for the violation (the status
 * is then {@code violation().status()}).
 *
 * @param status    204 for an allowed origin or a request without Origin; 403 for a refused origin
 * @param headers   response headers to send (a fresh, mutable object the handler may add to)
 * @param violation why the preflight was refused, or null when it was not
 */
public record PreflightResult(int status, HttpHeaders headers, PolicyViolation violation) {

    public PreflightResult {
        Objects.requireNonNull(headers, "headers");
    }

    /** Whether the browser may go on with the actual request. */
    public boolean allowed() {
        return violation == null;
    }
}
