package dev.llmproxy.dispatch;

import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a backend did with each event of a batch: accepted, failed transiently (retry it), or
 * failed permanently (do not retry). Built by a {@link Dispatcher} and read by the
 * {@link DispatcherService}, keyed by {@link DispatchEvent#id()}.
 *
 * <pre>{@code
 * DispatchResult.Builder r = DispatchResult.builder();
 * for (DispatchEvent e : batch) {
 *     if (ok(e)) r.accepted(e);
 *     else if (status >= 500) r.transientFailure(e, "HTTP 503", retryAfter);
 *     else r.permanentFailure(e, "HTTP 400: missing field 'input'");
 * }
 * return CompletableFuture.completedFuture(r.build());
 * }</pre>
 *
 * <p>An event the result does not mention is a transient failure ("no outcome reported"), so a
 * dispatcher that forgets one causes a retry, never a loss. Immutable.
 */
public final class DispatchResult {

    /** What happened to one event. */
    public enum Status {
        /** The backend has it; the event is acknowledged and never sent again. */
        ACCEPTED,
        /** Worth retrying: a 5xx, 429, timeout, connection failure. The event is sent again later, alone. */
        TRANSIENT_FAILURE,
        /** Retrying would fail the same way (a 400, an invalid key): counted as failed, acknowledged, logged. */
        PERMANENT_FAILURE
    }

    /**
     * The outcome of one event.
     *
     * @param status what happened
     * @param reason a short explanation for failures (logged and shown as {@code last_error}); null when accepted.
     *               Must not contain secrets.
     * @param retryAfter for transient failures, the backend's {@code Retry-After} hint, or null
     */
    public record Outcome(Status status, String reason, Duration retryAfter) {
        static final Outcome ACCEPTED = new Outcome(Status.ACCEPTED, null, null);
        static final Outcome NOT_REPORTED = new Outcome(Status.TRANSIENT_FAILURE, "no outcome reported by the dispatcher", null);

        public Outcome {
            Objects.requireNonNull(status, "status");
        }

        /** An accepted outcome. */
        public static Outcome accepted() {
            return ACCEPTED;
        }

        /** A transient failure, with an optional {@code Retry-After} hint. */
        public static Outcome transientFailure(String reason, Duration retryAfter) {
            return new Outcome(Status.TRANSIENT_FAILURE, reason, retryAfter);
        }

        /** A permanent failure. */
        public static Outcome permanentFailure(String reason) {
            return new Outcome(Status.PERMANENT_FAILURE, reason, null);
        }
    }

    private static final DispatchResult EMPTY = new DispatchResult(Map.of());

    private final Map<String, Outcome> outcomes;

    private DispatchResult(Map<String, Outcome> outcomes) {
        this.outcomes = outcomes;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Every event of {@code events} accepted. */
    public static DispatchResult allAccepted(Collection<DispatchEvent> events) {
        return all(events, Outcome.ACCEPTED);
    }

    /** Every event of {@code events} with the same outcome (a whole request failed, for example). */
    public static DispatchResult all(Collection<DispatchEvent> events, Outcome outcome) {
        Builder b = builder();
        for (DispatchEvent e : events) {
            b.outcome(e.id(), outcome);
        }
        return b.build();
    }

    /** No outcomes: every event counts as a transient failure. */
    public static DispatchResult empty() {
        return EMPTY;
    }

    /** The outcome of the event with delivery id {@code id}; a transient failure when not reported. */
    public Outcome outcome(String id) {
        return outcomes.getOrDefault(id, Outcome.NOT_REPORTED);
    }

    /** The reported outcomes by event id, unmodifiable. */
    public Map<String, Outcome> outcomes() {
        return outcomes;
    }

    /**
     * This result with {@code other}'s outcomes added (the other wins for ids in both); for
     * dispatchers that split a batch into several requests.
     */
    public DispatchResult merge(DispatchResult other) {
        Map<String, Outcome> m = new LinkedHashMap<>(outcomes);
        m.putAll(other.outcomes);
        return new DispatchResult(Collections.unmodifiableMap(m));
    }

    @Override
    public String toString() {
        return "DispatchResult" + outcomes;
    }

    /** Collects outcomes; the last one given for an id wins. Not thread-safe. */
    public static final class Builder {
        private final Map<String, Outcome> outcomes = new LinkedHashMap<>();

        private Builder() {
        }

        public Builder outcome(String id, Outcome outcome) {
            outcomes.put(Objects.requireNonNull(id, "id"), Objects.requireNonNull(outcome, "outcome"));
            return this;
        }

        public Builder accepted(DispatchEvent event) {
            return outcome(event.id(), Outcome.ACCEPTED);
        }

        public Builder transientFailure(DispatchEvent event, String reason, Duration retryAfter) {
            return outcome(event.id(), Outcome.transientFailure(reason, retryAfter));
        }

        public Builder permanentFailure(DispatchEvent event, String reason) {
            return outcome(event.id(), Outcome.permanentFailure(reason));
        }

        public DispatchResult build() {
            return outcomes.isEmpty() ? EMPTY : new DispatchResult(Collections.unmodifiableMap(new LinkedHashMap<>(outcomes)));
        }
    }
}
