package dev.llmproxy.core.store;

/**
 * A store operation failed for a reason the caller cannot fix by changing its input: the database
 * is unreachable, a statement failed, a migration does not match. The message says what was being
 * done; the cause carries the driver's error. Management handlers answer it with 500 (or 503 when
 * the database is down) and log it; messages never contain secrets.
 *
 * <p>Expected conflicts have their own subclasses, e.g.
 * {@link dev.llmproxy.core.project.DuplicateNameException}.
 */
public class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
