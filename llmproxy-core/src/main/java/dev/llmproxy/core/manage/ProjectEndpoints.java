package dev.llmproxy.core.manage;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmproxy.core.audit.AuditEvent;
import dev.llmproxy.core.auth.TokenService;
import dev.llmproxy.core.auth.TokenStore;
import dev.llmproxy.core.project.NewProject;
import dev.llmproxy.core.project.Project;
import dev.llmproxy.core.project.ProjectStore;
import dev.llmproxy.core.project.ProjectUpdate;
import dev.llmproxy.core.store.Page;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code /manage/projects} and {@code /manage/projects/{id}[/tokens/revoke]}. Runs on the blocking
 * executor (every method calls a store). Changes that affect requests in flight elsewhere — a new
 * key, deactivation, revoked tokens, deletion — are pushed to the {@link TokenService} at once, so
 * the next proxied request sees them. Stateless apart from its collaborators; thread-safe.
 */
final class ProjectEndpoints {

    static final List<String> CREATE_FIELDS = List.of("name", "api_key");
    static final List<String> UPDATE_FIELDS = List.of("name", "api_key", "is_active", "revoke_tokens");
    static final List<String> LIST_PARAMS = List.of(QueryParams.PAGE, QueryParams.PAGE_SIZE);

    private final ProjectStore projects;
    private final TokenStore tokens;
    private final TokenService tokenService;
    private final ManagementAudit audit;

    ProjectEndpoints(ProjectStore projects, TokenStore tokens, TokenService tokenService, ManagementAudit audit) {
        this.projects = projects;
        this.tokens = tokens;
        this.tokenService = tokenService;
        this.audit = audit;
    }

    /** GET /manage/projects: one page, ordered by name. */
    ApiResponse list(ApiRequest request) {
        QueryParams q = QueryParams.of(request, LIST_PARAMS);
        Page<Project> page = projects.list(q.page());
        return ApiResponse.json(200, JsonViews.page("projects", page, JsonViews::project));
    }

    /** POST /manage/projects {name, api_key} → 201. */
    ApiResponse create(ApiRequest request) {
        JsonBody body = JsonBody.parse(request.body(), CREATE_FIELDS);
        String name = body.requiredString("name");
        String apiKey = body.requiredString("api_key");
        NewProject project = validated(() -> new NewProject(name, apiKey));
        Project created = projects.create(project);
        audit.record(audit.event(request, "project.create", AuditEvent.Outcome.SUCCESS)
                .projectId(created.id()).detail("project_name", created.name()));
        return ApiResponse.json(201, JsonViews.project(created));
    }

    /** GET /manage/projects/{id}. */
    ApiResponse get(ApiRequest request, String id) {
        QueryParams.of(request, List.of());
        return ApiResponse.json(200, JsonViews.project(find(id)));
    }

    /**
     * PATCH /manage/projects/{id} {name?, api_key?, is_active?, revoke_tokens?}. At least one of
     * the first three; {@code revoke_tokens: true} needs {@code is_active: false} in the same body
     * and then revokes every token of the project (also when it was inactive already).
     */
    ApiResponse update(ApiRequest request, String id) {
        JsonBody body = JsonBody.parse(request.body(), UPDATE_FIELDS);
        ProjectUpdate update = ProjectUpdate.none();
        List<String> fields = new ArrayList<>();
        String name = body.string("name").orElse(null);
        String apiKey = body.string("api_key").orElse(null);
        Boolean active = body.bool("is_active").orElse(null);
        boolean revoke = body.bool("revoke_tokens").orElse(false);
        if (name != null) {
            update = validated(update::withName, name);
            fields.add("name");
        }
        if (apiKey != null) {
            update = validated(update::withApiKey, apiKey);
            fields.add("api_key");
        }
        if (active != null) {
            update = update.withActive(active);
            fields.add("is_active");
        }
        if (revoke && !Boolean.FALSE.equals(active)) {
            throw ApiException.invalid("revoke_tokens requires is_active=false in the same request");
        }
        if (fields.isEmpty()) {
            throw ApiException.invalid("Nothing to update: give at least one of name, api_key, is_active");
        }
        Project updated = projects.update(id, update).orElseThrow(() -> projectNotFound(id));
        int revoked = revoke ? tokens.revokeByProject(id) : 0;
        if (apiKey != null || active != null || revoke) {
            invalidateProject(id);
        }
        audit.record(audit.event(request, "project.update", AuditEvent.Outcome.SUCCESS)
                .projectId(id).detail("updated_fields", String.join(",", fields))
                .detail("is_active", active).detail("tokens_revoked", revoke ? revoked : null));
        ObjectNode answer = JsonViews.project(updated);
        if (revoke) {
            answer.put("tokens_revoked", revoked);
        }
        return ApiResponse.json(200, answer);
    }

    /** DELETE /manage/projects/{id}: deletes the project and its tokens; audit records stay. */
    ApiResponse delete(ApiRequest request, String id) {
        QueryParams.of(request, List.of());
        noBody(request);
        Project project = find(id);
        if (!projects.delete(id)) {
            throw projectNotFound(id);
        }
        invalidateProject(id);
        audit.record(audit.event(request, "project.delete", AuditEvent.Outcome.SUCCESS)
                .projectId(id).detail("project_name", project.name()));
        ObjectNode answer = Json.MAPPER.createObjectNode();
        answer.put("id", id);
        answer.put("deleted", true);
        return ApiResponse.json(200, answer);
    }

    /** POST /manage/projects/{id}/tokens/revoke: revokes every active token of the project. */
    ApiResponse revokeTokens(ApiRequest request, String id) {
        JsonBody.parseOptional(request.body(), List.of());
        find(id);
        int revoked = tokens.revokeByProject(id);
        invalidateProject(id);
        audit.record(audit.event(request, "token.revoke_batch", AuditEvent.Outcome.SUCCESS)
                .projectId(id).detail("revoked_count", revoked));
        ObjectNode answer = Json.MAPPER.createObjectNode();
        answer.put("project_id", id);
        answer.put("revoked_count", revoked);
        return ApiResponse.json(200, answer);
    }

    private Project find(String id) {
        return projects.get(id).orElseThrow(() -> projectNotFound(id));
    }

    private void invalidateProject(String id) {
        if (tokenService != null) {
            tokenService.invalidateProject(id);
        }
    }

    static ApiException projectNotFound(String id) {
        return ApiException.notFound(ErrorCodes.PROJECT_NOT_FOUND, "Project " + id + " not found");
    }

    /** DELETE takes no body; one sent anyway is probably a mistake worth pointing out. */
    static void noBody(ApiRequest request) {
        if (request.body().length > 0) {
            throw ApiException.invalid("This request takes no body");
        }
    }

    /** Runs a model constructor whose {@link IllegalArgumentException} message is safe to show. */
    private static <T> T validated(Supplier<T> make) {
        try {
            return make.get();
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(e.getMessage());
        }
    }

    private static ProjectUpdate validated(java.util.function.Function<String, ProjectUpdate> with, String value) {
        return validated(() -> with.apply(value));
    }
}
