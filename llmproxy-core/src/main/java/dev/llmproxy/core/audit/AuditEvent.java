package dev.llmproxy.core.audit;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One security-relevant event: who did what, to which project or token, and how it ended.
 *
 * <p>Audit records must never hold secrets: no withering tokens, no upstream keys, no management
 * token. As a safety net the constructor replaces anything in {@code reason} or a detail value
 * that looks like an {@code sk-…} key or token with {@code sk-[redacted]}.
 *
 * @param id        random UUID, the same in the audit log file and the database
 * @param timestamp when it happened
 * @param actor     who acted: {@code management}, {@code proxy}, {@code cli}, {@code admin-ui}, …
 * @param action    what was attempted: {@code project.create}, {@code token.revoke},
 *                  {@code proxy.denied}, …
 * @param outcome   {@link Outcome#SUCCESS} or {@link Outcome#FAILURE}
 * @param reason    why it failed (e.g. {@code project_inactive}); null when there is nothing to say
 * @param clientIp  the client's address; null when unknown
 * @param requestId the {@code X-Request-ID} of the request that caused it; null when none
 * @param projectId the project concerned; null when none
 * @param tokenId   the token's id (never the token) concerned; null when none
 * @param details   further facts, in insertion order; never null (empty when none)
 */
public record AuditEvent(
        String id,
        Instant timestamp,
        String actor,
        String action,
        Outcome outcome,
        String reason,
        String clientIp,
        String requestId,
        String projectId,
        String tokenId,
        Map<String, String> details) {

    // sk- keys and tokens of every provider seen so far: OpenAI (sk-, sk-proj-), Anthropic (sk-ant-), ours.
    private static final Pattern SECRET = Pattern.compile("sk-[A-Za-z0-9_-]{16,}");
    private static final String REDACTED = "sk-[redacted]";

    /** How an audited action ended. Stored and serialized in lower case. */
    public enum Outcome {
        SUCCESS, FAILURE;

        /** {@code success} or {@code failure}. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The outcome for {@code success} or {@code failure} (any case). */
        public static Outcome fromWireName(String name) {
            for (Outcome outcome : values()) {
                if (outcome.wireName().equalsIgnoreCase(name)) {
                    return outcome;
                }
            }
            throw new IllegalArgumentException("outcome must be success or failure, got '" + name + "'");
        }
    }

    public AuditEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(outcome, "outcome");
        if (actor == null || actor.isBlank()) {
            throw new IllegalArgumentException("actor must not be empty");
        }
        if (action == null || action.isBlank()) {
            throw new IllegalArgumentException("action must not be empty");
        }
        reason = redact(reason);
        Map<String, String> copy = new LinkedHashMap<>();
        if (details != null) {
            details.forEach((k, v) -> {
                if (k != null && v != null) {
                    copy.put(k, redact(v));
                }
            });
        }
        details = Collections.unmodifiableMap(copy);
    }

    /** A builder with a random id; the timestamp defaults to the time {@link Builder#build()} runs. */
    public static Builder builder(String actor, String action, Outcome outcome) {
        return new Builder(actor, action, outcome);
    }

    private static String redact(String value) {
        return value == null || !value.contains("sk-") ? value : SECRET.matcher(value).replaceAll(REDACTED);
    }

    /** Collects the optional fields of an {@link AuditEvent}. Not thread-safe; build and discard. */
    public static final class Builder {
        private String id = UUID.randomUUID().toString();
        private Instant timestamp;
        private final String actor;
        private final String action;
        private final Outcome outcome;
        private String reason;
        private String clientIp;
        private String requestId;
        private String projectId;
        private String tokenId;
        private final Map<String, String> details = new LinkedHashMap<>();

        private Builder(String actor, String action, Outcome outcome) {
            this.actor = actor;
            this.action = action;
            this.outcome = outcome;
        }

        public Builder id(String value) {
            this.id = value;
            return this;
        }

        public Builder timestamp(Instant value) {
            this.timestamp = value;
            return this;
        }

        public Builder reason(String value) {
            this.reason = value;
            return this;
        }

        public Builder clientIp(String value) {
            this.clientIp = value;
            return this;
        }

        public Builder requestId(String value) {
            this.requestId = value;
            return this;
        }

        public Builder projectId(String value) {
            this.projectId = value;
            return this;
        }

        public Builder tokenId(String value) {
            this.tokenId = value;
            return this;
        }

        /** Adds one detail; a null value is left out. */
        public Builder detail(String key, Object value) {
            if (value != null) {
                details.put(Objects.requireNonNull(key, "key"), String.valueOf(value));
            }
            return this;
        }

        public AuditEvent build() {
            return new AuditEvent(id, timestamp == null ? Instant.now() : timestamp, actor, action, outcome, reason,
                    clientIp, requestId, projectId, tokenId, details);
        }
    }
}
