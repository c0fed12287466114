package dev.llmproxy.core.manage;

import dev.llmproxy.core.audit.AuditEvent;
import dev.llmproxy.core.audit.AuditLogger;

import java.time.Clock;

/**
 * Turns management requests into audit events: actor {@value #ACTOR}, the client's address, the
 * request id, and the details {@code method}, {@code path}, {@code user_agent} and (when a client
 * or load balancer sent one) the unverified {@code forwarded_for}. Changes are audited on success
 * and on failure; reads are not (they change nothing, and a dashboard polling the API would drown
 * the log).
 *
 * <p>Nothing secret goes in: not the management token, not API keys, not withering tokens —
 * callers add ids, names, counts and field names only. {@link AuditLogger#record} only queues, so
 * this never blocks. Thread-safe.
 */
final class ManagementAudit {

    /** The actor of every management event. */
    static final String ACTOR = "management";

    private static final int MAX_HEADER_DETAIL = 256;

    private final AuditLogger logger;
    private final Clock clock;

    /** @param logger where events go; null records nothing */
    ManagementAudit(AuditLogger logger, Clock clock) {
        this.logger = logger;
        this.clock = clock;
    }

    /** An event for {@code request} with the standard fields filled in. */
    AuditEvent.Builder event(ApiRequest request, String action, AuditEvent.Outcome outcome) {
        return AuditEvent.builder(ACTOR, action, outcome)
                .timestamp(clock.instant())
                .clientIp(request.clientIp())
                .requestId(request.requestId())
                .detail("method", request.method())
                .detail("path", bounded(request.path()))
                .detail("user_agent", bounded(request.userAgent()))
                .detail("forwarded_for", bounded(request.forwardedFor()));
    }

    void record(AuditEvent.Builder event) {
        if (logger != null) {
            logger.record(event.build());
        }
    }

    /** Header values are client-controlled: keep them printable and short in the audit trail. */
    private static String bounded(String value) {
        if (value == null) {
            return null;
        }
        StringBuilder sb = new StringBuilder(Math.min(value.length(), MAX_HEADER_DETAIL));
        for (int i = 0; i < value.length() && sb.length() < MAX_HEADER_DETAIL; i++) {
            char c = value.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.toString();
    }
}
