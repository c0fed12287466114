package dev.llmproxy.core.manage;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmproxy.core.audit.AuditEvent;
import dev.llmproxy.core.cache.CacheKeys;
import dev.llmproxy.core.cache.CacheScope;
import dev.llmproxy.core.cache.ResponseCache;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code POST /manage/cache/purge}: removes cached responses by exact key ({@code key}), by key
 * prefix ({@code prefix}) or everything of one project ({@code project_id}) — exactly one of the
 * three. Keys may be given with or without the configured key prefix. Works on every backend; a
 * backend that cannot purge (Redis down) answers 503 rather than pretend it did. Audited as
 * {@code cache.purge}. Runs on the blocking executor.
 */
final class CacheEndpoints {

    static final List<String> PURGE_FIELDS = List.of("key", "prefix", "project_id");
    private static final long TIMEOUT_SECONDS = 30;

    private final ResponseCache cache;
    private final CacheKeys keys;
    private final ManagementAudit audit;

    /** {@code cache} null: the cache is disabled and purge answers 404. */
    CacheEndpoints(ResponseCache cache, CacheKeys keys, ManagementAudit audit) {
        this.cache = cache;
        this.keys = keys;
        this.audit = audit;
    }

    ApiResponse purge(ApiRequest request) {
        if (cache == null) {
            throw ApiException.notFound(ErrorCodes.NOT_FOUND,
                    "The response cache is disabled (HTTP_CACHE_ENABLED=false): nothing to purge");
        }
        JsonBody body = JsonBody.parse(request.body(), PURGE_FIELDS);
        int given = (body.has("key") ? 1 : 0) + (body.has("prefix") ? 1 : 0) + (body.has("project_id") ? 1 : 0);
        if (given != 1) {
            throw ApiException.invalid("Give exactly one of 'key', 'prefix' or 'project_id'");
        }
        String target;
        boolean prefix;
        if (body.has("project_id")) {
            target = keys.scopePrefix(CacheScope.project(body.requiredString("project_id")));
            prefix = true;
        } else if (body.has("prefix")) {
            target = keys.qualify(body.requiredString("prefix"));
            prefix = true;
        } else {
            target = keys.qualify(body.requiredString("key"));
            prefix = false;
        }
        long purged;
        try {
            purged = cache.purge(target, prefix).toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, ErrorCodes.SERVICE_UNAVAILABLE, "Interrupted while purging the cache");
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new ApiException(503, ErrorCodes.SERVICE_UNAVAILABLE,
                    "The cache backend could not purge: " + cause.getMessage());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(e.getMessage());
        }
        audit.record(audit.event(request, "cache.purge", AuditEvent.Outcome.SUCCESS)
                .detail(prefix ? "prefix" : "key", target).detail("purged", purged));
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put(prefix ? "prefix" : "key", target);
        out.put("purged", purged);
        return ApiResponse.json(200, out);
    }
}
