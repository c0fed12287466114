package dev.llmproxy.core.manage;

import dev.llmproxy.core.audit.AuditEvent;
import dev.llmproxy.core.audit.AuditQuery;
import dev.llmproxy.core.audit.AuditStore;
import dev.llmproxy.core.store.Page;

import java.time.Instant;
import java.util.List;

/**
 * {@code GET /manage/audit} (filters and pagination, newest first) and
 * {@code GET /manage/audit/{id}}. Without an {@link AuditStore} (audit kept only in the file, or
 * disabled) both answer 503 {@code audit_unavailable}. Reads are not themselves audited. Runs on
 * the blocking executor; thread-safe.
 *
 * <p>Filters: exact {@code action}, {@code outcome} ({@code success}|{@code failure}),
 * {@code project_id}, {@code token_id}, {@code actor}, {@code client_ip}, {@code request_id};
 * {@code from} (inclusive) and {@code to} (exclusive) as RFC 3339 timestamps — {@code start_time}
 * and {@code end_time} are accepted as in the Go original; {@code search} for a substring of the
 * text fields and details (ASCII case ignored).
 */
final class AuditEndpoints {

    static final List<String> LIST_PARAMS = List.of("action", "outcome", "project_id", "token_id", "actor",
            "client_ip", "request_id", "from", "start_time", "to", "end_time", "search",
            QueryParams.PAGE, QueryParams.PAGE_SIZE);

    private final AuditStore store;

    AuditEndpoints(AuditStore store) {
        this.store = store;
    }

    ApiResponse list(ApiRequest request) {
        QueryParams q = QueryParams.of(request, LIST_PARAMS);
        AuditEvent.Outcome outcome = q.string("outcome").map(v -> switch (v) {
            case "success" -> AuditEvent.Outcome.SUCCESS;
            case "failure" -> AuditEvent.Outcome.FAILURE;
            default -> throw ApiException.invalid("Query parameter 'outcome' must be success or failure");
        }).orElse(null);
        Instant from = q.timestamp("from", "start_time").orElse(null);
        Instant to = q.timestamp("to", "end_time").orElse(null);
        if (from != null && to != null && to.isBefore(from)) {
            throw ApiException.invalid("Query parameter 'to' must not be before 'from'");
        }
        AuditQuery query = AuditQuery.all()
                .withTimeRange(from, to)
                .withAction(q.string("action").orElse(null))
                .withOutcome(outcome)
                .withProjectId(q.string("project_id").orElse(null))
                .withTokenId(q.string("token_id").orElse(null))
                .withActor(q.string("actor").orElse(null))
                .withClientIp(q.string("client_ip").orElse(null))
                .withRequestId(q.string("request_id").orElse(null))
                .withSearch(q.string("search").orElse(null));
        Page<AuditEvent> page = store().query(query, q.page());
        return ApiResponse.json(200, JsonViews.page("events", page, JsonViews::auditEvent));
    }

    ApiResponse get(ApiRequest request, String id) {
        QueryParams.of(request, List.of());
        AuditEvent event = store().get(id).orElseThrow(() -> ApiException.notFound(ErrorCodes.AUDIT_EVENT_NOT_FOUND,
                "Audit event " + id + " not found"));
        return ApiResponse.json(200, JsonViews.auditEvent(event));
    }

    private AuditStore store() {
        if (store == null) {
            throw new ApiException(503, ErrorCodes.AUDIT_UNAVAILABLE, "Audit events are not stored in a database"
                    + " on this server (AUDIT_STORE_IN_DB=false or AUDIT_ENABLED=false); see the audit log file");
        }
        return store;
    }
}
