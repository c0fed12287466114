package dev.llmproxy.core.manage;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmproxy.core.audit.AuditEvent;
import dev.llmproxy.core.auth.TokenFilter;
import dev.llmproxy.core.auth.TokenRecord;
import dev.llmproxy.core.auth.TokenService;
import dev.llmproxy.core.auth.TokenStore;
import dev.llmproxy.core.auth.TokenUpdate;
import dev.llmproxy.core.auth.WitheringTokens;
import dev.llmproxy.core.project.Project;
import dev.llmproxy.core.project.ProjectStore;
import dev.llmproxy.core.store.Page;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code /manage/tokens} and {@code /manage/tokens/{id}}.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>Every token expires: {@code duration_minutes} (1 to {@value #MAX_DURATION_MINUTES}, 365
 *       days, as in the Go original) is required at creation, and an edited expiry may lie at most
 *       that far ahead. A withering token that never withers would defeat its purpose.</li>
 *   <li>{@code max_requests} (lifetime quota) and {@code rate_limit_rpm} (per minute) are optional;
 *       {@code null} or absent means unlimited. Zero is refused rather than read as "unlimited"
 *       (the Go original's convention), because it reads as "no requests".</li>
 *   <li>The token string is generated here, returned once in the 201 answer and stored only as
 *       its SHA-256; no other answer, log line or audit record carries it.</li>
 *   <li>Revocation ({@code DELETE}) and every edit invalidate the token in the
 *       {@link TokenService}, so the next proxied request sees the change.</li>
 * </ul>
 * Runs on the blocking executor; thread-safe.
 */
final class TokenEndpoints {

    /** Longest lifetime of a token: 365 days. */
    static final long MAX_DURATION_MINUTES = 525_600;
    /** Largest per-minute limit; a sliding log of more entries per token would only waste memory. */
    static final long MAX_RATE_LIMIT_RPM = 1_000_000;

    static final List<String> CREATE_FIELDS = List.of("project_id", "duration_minutes", "max_requests",
            "rate_limit_rpm");
    static final List<String> UPDATE_FIELDS = List.of("is_active", "expires_at", "duration_minutes", "max_requests",
            "rate_limit_rpm");
    static final List<String> LIST_PARAMS = List.of("project_id", "projectId", "active_only", "activeOnly",
            QueryParams.PAGE, QueryParams.PAGE_SIZE);

    private final TokenStore tokens;
    private final ProjectStore projects;
    private final TokenService tokenService;
    private final ManagementAudit audit;
    private final Clock clock;

    TokenEndpoints(TokenStore tokens, ProjectStore projects, TokenService tokenService, ManagementAudit audit,
                   Clock clock) {
        this.tokens = tokens;
        this.projects = projects;
        this.tokenService = tokenService;
        this.audit = audit;
        this.clock = clock;
    }

    /** GET /manage/tokens?project_id=&active_only=&page=&page_size=: newest first. */
    ApiResponse list(ApiRequest request) {
        QueryParams q = QueryParams.of(request, LIST_PARAMS);
        String projectId = q.string("project_id", "projectId").orElse(null);
        boolean activeOnly = q.bool("active_only", "activeOnly").orElse(false);
        Page<TokenRecord> page = tokens.list(new TokenFilter(projectId, activeOnly), q.page());
        return ApiResponse.json(200, JsonViews.page("tokens", page, JsonViews::token));
    }

    /** POST /manage/tokens {project_id, duration_minutes, max_requests?, rate_limit_rpm?} → 201 with the token. */
    ApiResponse create(ApiRequest request) {
        JsonBody body = JsonBody.parse(request.body(), CREATE_FIELDS);
        String projectId = body.requiredString("project_id");
        long minutes = body.requiredLong("duration_minutes", 1, MAX_DURATION_MINUTES);
        Long maxRequests = body.nullableWholeNumber("max_requests", 1, Long.MAX_VALUE)
                .flatMap(v -> v).orElse(null);
        Integer rpm = body.nullableWholeNumber("rate_limit_rpm", 1, MAX_RATE_LIMIT_RPM)
                .flatMap(v -> v).map(Long::intValue).orElse(null);
        Project project = projects.get(projectId).orElseThrow(() -> ProjectEndpoints.projectNotFound(projectId));
        if (!project.isActive()) {
            throw new ApiException(403, ErrorCodes.PROJECT_INACTIVE,
                    "Project " + projectId + " is inactive: activate it before creating tokens");
        }
        Instant now = clock.instant();
        String token = WitheringTokens.generate();
        TokenRecord created = tokens.create(TokenRecord.issue(WitheringTokens.hash(token), projectId, now,
                now.plus(Duration.ofMinutes(minutes)), maxRequests, rpm));
        audit.record(audit.event(request, "token.create", AuditEvent.Outcome.SUCCESS)
                .projectId(projectId).tokenId(created.id())
                .detail("duration_minutes", minutes).detail("expires_at", created.expiresAt())
                .detail("max_requests", maxRequests).detail("rate_limit_rpm", rpm));
        ObjectNode answer = Json.MAPPER.createObjectNode();
        answer.put("id", created.id());
        answer.put("token", token);
        answer.setAll(JsonViews.token(created));
        return ApiResponse.json(201, answer);
    }

    /** GET /manage/tokens/{id}. */
    ApiResponse get(ApiRequest request, String id) {
        QueryParams.of(request, List.of());
        return ApiResponse.json(200, JsonViews.token(find(id)));
    }

    /**
     * PATCH /manage/tokens/{id} {is_active?, expires_at? | duration_minutes?, max_requests?,
     * rate_limit_rpm?}; {@code duration_minutes} counts from now.
     */
    ApiResponse update(ApiRequest request, String id) {
        JsonBody body = JsonBody.parse(request.body(), UPDATE_FIELDS);
        if (body.has("expires_at") && body.has("duration_minutes")) {
            throw ApiException.invalid("Give either expires_at or duration_minutes, not both");
        }
        Instant now = clock.instant();
        TokenUpdate update = TokenUpdate.none();
        List<String> fields = new ArrayList<>();
        Optional<Boolean> active = body.bool("is_active");
        if (active.isPresent()) {
            update = update.withActive(active.get());
            fields.add("is_active");
        }
        Optional<Instant> expiresAt = body.timestamp("expires_at");
        if (expiresAt.isPresent()) {
            if (expiresAt.get().isAfter(now.plus(Duration.ofMinutes(MAX_DURATION_MINUTES)))) {
                throw ApiException.invalid("Field 'expires_at' must be at most 365 days from now");
            }
            update = update.withExpiresAt(expiresAt.get());
            fields.add("expires_at");
        }
        Optional<Long> minutes = body.wholeNumber("duration_minutes", 1, MAX_DURATION_MINUTES);
        if (minutes.isPresent()) {
            update = update.withExpiresAt(now.plus(Duration.ofMinutes(minutes.get())));
            fields.add("expires_at");
        }
        Optional<Optional<Long>> maxRequests = body.nullableWholeNumber("max_requests", 1, Long.MAX_VALUE);
        if (maxRequests.isPresent()) {
            update = update.withMaxRequests(maxRequests.get().orElse(null));
            fields.add("max_requests");
        }
        Optional<Optional<Long>> rpm = body.nullableWholeNumber("rate_limit_rpm", 1, MAX_RATE_LIMIT_RPM);
        if (rpm.isPresent()) {
            update = update.withRateLimitRpm(rpm.get().map(Long::intValue).orElse(null));
            fields.add("rate_limit_rpm");
        }
        if (fields.isEmpty()) {
            throw ApiException.invalid("Nothing to update: give at least one of " + String.join(", ", UPDATE_FIELDS));
        }
        TokenRecord updated = tokens.update(id, update).orElseThrow(() -> tokenNotFound(id));
        invalidateToken(id);
        audit.record(audit.event(request, "token.update", AuditEvent.Outcome.SUCCESS)
                .projectId(updated.projectId()).tokenId(id).detail("updated_fields", String.join(",", fields))
                .detail("is_active", active.orElse(null)).detail("expires_at", updated.expiresAt())
                .detail("max_requests", maxRequests.map(v -> v.map(String::valueOf).orElse("unlimited")).orElse(null))
                .detail("rate_limit_rpm", rpm.map(v -> v.map(String::valueOf).orElse("none")).orElse(null)));
        return ApiResponse.json(200, JsonViews.token(updated));
    }

    /** DELETE /manage/tokens/{id}: revokes (idempotent) and answers with the revoked token. */
    ApiResponse revoke(ApiRequest request, String id) {
        QueryParams.of(request, List.of());
        ProjectEndpoints.noBody(request);
        boolean revoked = tokens.revoke(id);
        TokenRecord token = find(id);
        invalidateToken(id);
        audit.record(audit.event(request, "token.revoke", AuditEvent.Outcome.SUCCESS)
                .projectId(token.projectId()).tokenId(id).detail("already_revoked", revoked ? null : true));
        return ApiResponse.json(200, JsonViews.token(token));
    }

    private TokenRecord find(String id) {
        return tokens.get(id).orElseThrow(() -> tokenNotFound(id));
    }

    private void invalidateToken(String id) {
        if (tokenService != null) {
            tokenService.invalidateToken(id);
        }
    }

    private static ApiException tokenNotFound(String id) {
        return ApiException.notFound(ErrorCodes.TOKEN_NOT_FOUND, "Token " + id + " not found");
    }
}
