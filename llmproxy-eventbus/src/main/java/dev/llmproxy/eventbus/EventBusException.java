package dev.llmproxy.eventbus;

/**
 * A backend operation that the caller asked for synchronously failed, for example reading the
 * backlog while Redis is unreachable. Usually transient: the same call may succeed later.
 *
 * <p>Publishing and polling never throw this: publish counts failures and drops, and poll returns
 * an empty batch (and reports the error in {@link SubscriptionStats}) while the backend is down.
 */
public class EventBusException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EventBusException(String message, Throwable cause) {
        super(message, cause);
    }
}
