package dev.llmproxy.eventbus;

/**
 * Thrown by {@link EventCodec} when input is not a valid encoded {@link Event}: not JSON, not an
 * object, a required field missing, a field of the wrong type, an unknown body encoding or a
 * newer format version. The message says which field and where.
 *
 * <p>Retrying never helps: the input itself is bad. A bus that meets such a message counts it as
 * undecodable, logs it and acknowledges it so it cannot block the stream.
 */
public final class MalformedEventException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public MalformedEventException(String message) {
        super(message);
    }

    public MalformedEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
