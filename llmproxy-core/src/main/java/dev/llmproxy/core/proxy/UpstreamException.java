package dev.llmproxy.core.proxy;

/** An upstream connection or protocol failure; the message is safe to show to clients. */
final class UpstreamException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UpstreamException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
