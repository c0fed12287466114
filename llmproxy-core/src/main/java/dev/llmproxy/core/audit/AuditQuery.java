package dev.llmproxy.core.audit;

import java.time.Instant;

/**
 * Which audit events {@link AuditStore#query} returns. Every criterion is optional (null = any);
 * the given ones must all match. Build it from {@link #all()} with the {@code with…} methods.
 *
 * @param from      events at or after this time
 * @param to        events strictly before this time
 * @param action    exact action, e.g. {@code token.revoke}
 * @param outcome   exact outcome
 * @param projectId exact project id
 * @param tokenId   exact token id
 * @param actor     exact actor
 * @param clientIp  exact client address
 * @param requestId exact request id
 * @param search    text contained (ignoring ASCII case) in any of action, actor, reason, client IP,
 *                  request id, project id, token id, or the details (keys and values)
 */
public record AuditQuery(
        Instant from,
        Instant to,
        String action,
        AuditEvent.Outcome outcome,
        String projectId,
        String tokenId,
        String actor,
        String clientIp,
        String requestId,
        String search) {

    private static final AuditQuery ALL = new AuditQuery(null, null, null, null, null, null, null, null, null, null);

    public AuditQuery {
        if (from != null && to != null && to.isBefore(from)) {
            throw new IllegalArgumentException("end_time must not be before start_time");
        }
        search = search == null || search.isEmpty() ? null : search;
    }

    /** Matches every event. */
    public static AuditQuery all() {
        return ALL;
    }

    public AuditQuery withTimeRange(Instant newFrom, Instant newTo) {
        return new AuditQuery(newFrom, newTo, action, outcome, projectId, tokenId, actor, clientIp, requestId, search);
    }

    public AuditQuery withAction(String value) {
        return new AuditQuery(from, to, value, outcome, projectId, tokenId, actor, clientIp, requestId, search);
    }

    public AuditQuery withOutcome(AuditEvent.Outcome value) {
        return new AuditQuery(from, to, action, value, projectId, tokenId, actor, clientIp, requestId, search);
    }

    public AuditQuery withProjectId(String value) {
        return new AuditQuery(from, to, action, outcome, value, tokenId, actor, clientIp, requestId, search);
    }

    public AuditQuery withTokenId(String value) {
        return new AuditQuery(from, to, action, outcome, projectId, value, actor, clientIp, requestId, search);
    }

    public AuditQuery withActor(String value) {
        return new AuditQuery(from, to, action, outcome, projectId, tokenId, value, clientIp, requestId, search);
    }

    public AuditQuery withClientIp(String value) {
        return new AuditQuery(from, to, action, outcome, projectId, tokenId, actor, value, requestId, search);
    }

    public AuditQuery withRequestId(String value) {
        return new AuditQuery(from, to, action, outcome, projectId, tokenId, actor, clientIp, value, search);
    }

    public AuditQuery withSearch(String value) {
        return new AuditQuery(from, to, action, outcome, projectId, tokenId, actor, clientIp, requestId, value);
    }
}
