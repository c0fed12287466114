package dev.llmproxy.core.manage;

import dev.llmproxy.core.audit.AuditEvent;
import dev.llmproxy.core.project.DuplicateNameException;
import dev.llmproxy.core.project.KeyDecryptionException;
import dev.llmproxy.core.project.UnknownProjectException;
import dev.llmproxy.core.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Answers one complete management request: authenticates it, finds the endpoint, runs it and turns
 * every outcome — including exceptions — into an {@link ApiResponse}. Blocking (endpoints call the
 * stores): run it on the blocking executor, never on an event loop.
 *
 * <h2>Order</h2>
 * Authentication comes first, before the path is even looked at, so without the token every path
 * answers the same 401 and nothing about the API can be learnt. Then the path (404
 * {@code not_found}), then the method (405 with {@code Allow}).
 *
 * <h2>Errors</h2>
 * {@link ApiException} → its status; {@link DuplicateNameException} → 409;
 * {@link UnknownProjectException} → 404; {@link KeyDecryptionException} → 500
 * {@code key_decryption_failed}; any other {@link StoreException} → 503
 * {@code service_unavailable} (logged at warn); anything else → 500 with the request id (logged
 * with its stack trace, which never reaches the client). Failed changes are audited with the error
 * code as the reason.
 *
 * <p>Thread-safe.
 */
final class ManagementRouter {

    private static final Logger log = LoggerFactory.getLogger(ManagementRouter.class);

    /** Ids in paths: UUIDs in practice; anything else with these characters simply is not found. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._~-]{1,128}");

    private final ManagementAuth auth;
    private final ManagementAudit audit;
    private final ProjectEndpoints projects;
    private final TokenEndpoints tokens;
    private final AuditEndpoints auditEvents;
    private final CacheEndpoints cache;
    private final UsageEndpoints usage;

    /** A router without usage tracking: {@code /manage/usage/*} answers 503. */
    ManagementRouter(ManagementAuth auth, ManagementAudit audit, ProjectEndpoints projects, TokenEndpoints tokens,
                     AuditEndpoints auditEvents, CacheEndpoints cache) {
        this(auth, audit, projects, tokens, auditEvents, cache, new UsageEndpoints(null, java.time.Clock.systemUTC()));
    }

    ManagementRouter(ManagementAuth auth, ManagementAudit audit, ProjectEndpoints projects, TokenEndpoints tokens,
                     AuditEndpoints auditEvents, CacheEndpoints cache, UsageEndpoints usage) {
        this.usage = usage;
        this.auth = auth;
        this.audit = audit;
        this.projects = projects;
        this.tokens = tokens;
        this.auditEvents = auditEvents;
        this.cache = cache;
    }

    /** The answer to {@code request}; never throws. */
    ApiResponse handle(ApiRequest request) {
        Operation operation = null;
        String id = null;
        try {
            if (!auth.accepts(request.authorization())) {
                audit.record(audit.event(request, "management.auth", AuditEvent.Outcome.FAILURE)
                        .reason(ErrorCodes.UNAUTHORIZED));
                throw new ApiException(401, ErrorCodes.UNAUTHORIZED,
                        "Missing or invalid management token: send 'Authorization: Bearer <MANAGEMENT_TOKEN>'");
            }
            Resource resource = resolve(request.path());
            id = resource.id;
            operation = resource.operations.get(request.method());
            if (operation == null) {
                throw ApiException.methodNotAllowed(request.method(), String.join(", ", resource.operations.keySet()));
            }
            return operation.endpoint.handle(request, id);
        } catch (ApiException e) {
            auditFailure(request, operation, id, e.code());
            return ApiResponse.error(e);
        } catch (DuplicateNameException e) {
            auditFailure(request, operation, id, ErrorCodes.DUPLICATE_NAME);
            return ApiResponse.error(409, ErrorCodes.DUPLICATE_NAME, "A project with this name already exists");
        } catch (UnknownProjectException e) {
            auditFailure(request, operation, id, ErrorCodes.PROJECT_NOT_FOUND);
            return ApiResponse.error(404, ErrorCodes.PROJECT_NOT_FOUND, "Project " + e.projectId() + " not found");
        } catch (KeyDecryptionException e) {
            log.error("management request {} {} (request id {}): {}", request.method(), request.path(),
                    request.requestId(), e.getMessage());
            auditFailure(request, operation, id, ErrorCodes.KEY_DECRYPTION_FAILED);
            return ApiResponse.error(500, ErrorCodes.KEY_DECRYPTION_FAILED, e.getMessage());
        } catch (StoreException e) {
            log.warn("management request {} {} (request id {}) failed: the database is unavailable: {}",
                    request.method(), request.path(), request.requestId(), e.getMessage());
            auditFailure(request, operation, id, ErrorCodes.SERVICE_UNAVAILABLE);
            return ApiResponse.error(503, ErrorCodes.SERVICE_UNAVAILABLE,
                    "The database is unavailable; try again shortly (request id " + request.requestId() + ")");
        } catch (RuntimeException | Error e) {
            log.error("management request {} {} (request id {}) failed", request.method(), request.path(),
                    request.requestId(), e);
            auditFailure(request, operation, id, ErrorCodes.INTERNAL_ERROR);
            return ApiResponse.error(500, ErrorCodes.INTERNAL_ERROR,
                    "Internal error; the server log has details under request id " + request.requestId());
        }
    }

    private void auditFailure(ApiRequest request, Operation operation, String id, String reason) {
        if (operation == null || operation.auditAction == null) {
            return; // reads and unroutable requests are not audited
        }
        AuditEvent.Builder event = audit.event(request, operation.auditAction, AuditEvent.Outcome.FAILURE)
                .reason(reason);
        if (id != null) {
            if (operation.auditAction.startsWith("project.") || operation.auditAction.equals("token.revoke_batch")) {
                event.projectId(id);
            } else {
                event.tokenId(id);
            }
        }
        try {
            audit.record(event);
        } catch (RuntimeException e) {
            log.warn("cannot audit a failed management request: {}", e.toString());
        }
    }

    /** The resource at {@code path} with the operations it supports, or 404. */
    private Resource resolve(String path) {
        String[] s = path.split("/", -1); // "", "manage", collection, id?, ...
        if (s.length >= 3 && s[1].equals("manage")) {
            String collection = s[2];
            if (s.length == 3) {
                switch (collection) {
                    case "projects":
                        return new Resource(null, ops("GET", op(null, (r, id) -> projects.list(r)),
                                "POST", op("project.create", (r, id) -> projects.create(r))));
                    case "tokens":
                        return new Resource(null, ops("GET", op(null, (r, id) -> tokens.list(r)),
                                "POST", op("token.create", (r, id) -> tokens.create(r))));
                    case "audit":
                        return new Resource(null, ops("GET", op(null, (r, id) -> auditEvents.list(r))));
                    default:
                        break;
                }
            } else if (ID.matcher(s[3]).matches()) {
                String id = s[3];
                if (s.length == 4) {
                    switch (collection) {
                        case "projects":
                            return new Resource(id, ops("GET", op(null, projects::get),
                                    "PATCH", op("project.update", projects::update),
                                    "DELETE", op("project.delete", projects::delete)));
                        case "tokens":
                            return new Resource(id, ops("GET", op(null, tokens::get),
                                    "PATCH", op("token.update", tokens::update),
                                    "DELETE", op("token.revoke", tokens::revoke)));
                        case "audit":
                            return new Resource(id, ops("GET", op(null, auditEvents::get)));
                        case "usage":
                            Resource usageResource = usageResource(id);
                            if (usageResource != null) {
                                return usageResource;
                            }
                            break;
                        case "cache":
                            if (id.equals("purge")) {
                                return new Resource(null, ops("POST", op("cache.purge", (r, x) -> cache.purge(r))));
                            }
                            break;
                        default:
                            break;
                    }
                } else if (s.length == 6 && collection.equals("projects") && s[4].equals("tokens")
                        && s[5].equals("revoke")) {
                    return new Resource(id, ops("POST", op("token.revoke_batch", projects::revokeTokens)));
                }
            }
        }
        throw ApiException.notFound(ErrorCodes.NOT_FOUND, "No management endpoint at " + JsonBody.printable(path)
                + "; see docs/management-api.md");
    }

    /** {@code /manage/usage/stats|recent|export|series}: reads, not audited. */
    private Resource usageResource(String name) {
        UsageEndpoints u = usage;
        Endpoint endpoint = switch (name) {
            case "stats" -> (r, id) -> u.stats(r);
            case "recent" -> (r, id) -> u.recent(r);
            case "export" -> (r, id) -> u.export(r);
            case "series" -> (r, id) -> u.series(r);
            default -> null;
        };
        return endpoint == null ? null : new Resource(null, ops("GET", op(null, endpoint)));
    }

    private static Operation op(String auditAction, Endpoint endpoint) {
        return new Operation(auditAction, endpoint);
    }

    private static Map<String, Operation> ops(Object... methodsAndOperations) {
        Map<String, Operation> map = new LinkedHashMap<>();
        for (int i = 0; i < methodsAndOperations.length; i += 2) {
            map.put((String) methodsAndOperations[i], (Operation) methodsAndOperations[i + 1]);
        }
        return map;
    }

    /** An endpoint method; {@code id} is the path's id segment, null for collections. */
    @FunctionalInterface
    interface Endpoint {
        ApiResponse handle(ApiRequest request, String id);
    }

    /** What a method on a resource does, and the audit action it records (null for reads). */
    private record Operation(String auditAction, Endpoint endpoint) {
    }

    private record Resource(String id, Map<String, Operation> operations) {
    }
}
