package dev.llmproxy.core.manage;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmproxy.core.audit.AuditEvent;
import dev.llmproxy.core.auth.TokenRecord;
import dev.llmproxy.core.project.ApiKeys;
import dev.llmproxy.core.project.Project;
import dev.llmproxy.core.store.Page;

import java.time.Instant;
import java.util.Map;
import java.util.function.Function;

/**
 * The JSON shapes of the management API's answers (snake_case; timestamps RFC 3339 in UTC).
 * This is the only place where stored objects become JSON, so it is also where secrets are kept
 * out: a project's {@code api_key} is always {@link ApiKeys#obfuscate obfuscated}, and a token
 * answer never carries the token or its hash (the token string is added once, by the create
 * endpoint). Stateless.
 */
final class JsonViews {

    private JsonViews() {
    }

    /** {@code id, name, api_key (obfuscated), is_active, deactivated_at, created_at, updated_at}. */
    static ObjectNode project(Project p) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("id", p.id());
        n.put("name", p.name());
        n.put("api_key", ApiKeys.obfuscate(p.apiKey()));
        n.put("is_active", p.isActive());
        putTime(n, "deactivated_at", p.deactivatedAt());
        putTime(n, "created_at", p.createdAt());
        putTime(n, "updated_at", p.updatedAt());
        return n;
    }

    /**
     * {@code id, project_id, is_active, expires_at, max_requests, rate_limit_rpm, request_count,
     * cache_hit_count, created_at, last_used_at, revoked_at}; nullable ones are {@code null}
     * (never expires / unlimited / no limit / never used / not revoked).
     */
    static ObjectNode token(TokenRecord t) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("id", t.id());
        n.put("project_id", t.projectId());
        n.put("is_active", t.isActive());
        putTime(n, "expires_at", t.expiresAt());
        if (t.maxRequests() == null) {
            n.putNull("max_requests");
        } else {
            n.put("max_requests", t.maxRequests());
        }
        if (t.rateLimitRpm() == null) {
            n.putNull("rate_limit_rpm");
        } else {
            n.put("rate_limit_rpm", t.rateLimitRpm());
        }
        n.put("request_count", t.requestCount());
        n.put("cache_hit_count", t.cacheHitCount());
        putTime(n, "created_at", t.createdAt());
        putTime(n, "last_used_at", t.lastUsedAt());
        putTime(n, "revoked_at", t.revokedAt());
        return n;
    }

    /**
     * The same document as a line of the audit log file ({@code AuditLogger.writeJson}):
     * {@code id, timestamp, actor, action, outcome} and, when set, {@code reason, client_ip,
     * request_id, project_id, token_id, details}.
     */
    static ObjectNode auditEvent(AuditEvent e) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("id", e.id());
        putTime(n, "timestamp", e.timestamp());
        n.put("actor", e.actor());
        n.put("action", e.action());
        n.put("outcome", e.outcome().wireName());
        putIfSet(n, "reason", e.reason());
        putIfSet(n, "client_ip", e.clientIp());
        putIfSet(n, "request_id", e.requestId());
        putIfSet(n, "project_id", e.projectId());
        putIfSet(n, "token_id", e.tokenId());
        if (!e.details().isEmpty()) {
            ObjectNode d = n.putObject("details");
            for (Map.Entry<String, String> entry : e.details().entrySet()) {
                d.put(entry.getKey(), entry.getValue());
            }
        }
        return n;
    }

    /**
     * A list answer: {@code {"<items>":[...],"pagination":{"page","page_size","total_count",
     * "total_pages","has_next","has_prev"}}}; the pagination object is the original Go proxy's
     * audit list shape, used for every list.
     */
    static <T> ObjectNode page(String itemsName, Page<T> page, Function<T, ObjectNode> view) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        ArrayNode items = n.putArray(itemsName);
        for (T item : page.items()) {
            items.add(view.apply(item));
        }
        ObjectNode p = n.putObject("pagination");
        p.put("page", page.page());
        p.put("page_size", page.pageSize());
        p.put("total_count", page.total());
        p.put("total_pages", page.totalPages());
        p.put("has_next", page.hasNext());
        p.put("has_prev", page.hasPrevious());
        return n;
    }

    private static void putTime(ObjectNode n, String name, Instant t) {
        if (t == null) {
            n.putNull(name);
        } else {
            n.put(name, t.toString());
        }
    }

    private static void putIfSet(ObjectNode n, String name, String value) {
        if (value != null) {
            n.put(name, value);
        }
    }
}
