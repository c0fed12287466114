package dev.llmproxy.core;

/**
 * Every error the proxy itself generates on {@code /v1/*}, with its HTTP status, the stable
 * {@code code} clients match on, and the OpenAI error {@code type} so OpenAI SDKs classify it.
 *
 * <p>The codes are part of the public interface (SPEC S3): clients, dashboards and tests rely on
 * them, so never rename one. {@link #code()} doubles as the metric label for proxy errors.
 */
public enum ProxyError {
    BAD_REQUEST(400, "bad_request", "invalid_request_error"),
    INVALID_TOKEN(401, "invalid_token", "invalid_request_error"),
    TOKEN_NOT_FOUND(401, "token_not_found", "invalid_request_error"),
    TOKEN_INACTIVE(401, "token_inactive", "invalid_request_error"),
    TOKEN_EXPIRED(401, "token_expired", "invalid_request_error"),
    PROJECT_INACTIVE(403, "project_inactive", "invalid_request_error"),
    ORIGIN_NOT_ALLOWED(403, "origin_not_allowed", "invalid_request_error"),
    ORIGIN_REQUIRED(400, "origin_required", "invalid_request_error"),
    PARAM_NOT_ALLOWED(400, "param_not_allowed", "invalid_request_error"),
    ENDPOINT_NOT_FOUND(404, "endpoint_not_found", "invalid_request_error"),
    METHOD_NOT_ALLOWED(405, "method_not_allowed", "invalid_request_error"),
    REQUEST_TOO_LARGE(413, "request_too_large", "invalid_request_error"),
    URI_TOO_LONG(414, "uri_too_long", "invalid_request_error"),
    HEADERS_TOO_LARGE(431, "request_header_fields_too_large", "invalid_request_error"),
    RATE_LIMIT_EXCEEDED(429, "rate_limit_exceeded", "rate_limit_error"),
    QUOTA_EXCEEDED(429, "quota_exceeded", "rate_limit_error"),
    INTERNAL_ERROR(500, "internal_error", "server_error"),
    UPSTREAM_UNAVAILABLE(502, "upstream_unavailable", "server_error"),
    SERVICE_UNAVAILABLE(503, "service_unavailable", "server_error"),
    UPSTREAM_TIMEOUT(504, "upstream_timeout", "server_error");

    private final int status;
    private final String code;
    private final String type;

    ProxyError(int status, String code, String type) {
        this.status = status;
        this.code = code;
        this.type = type;
    }

    /** HTTP status answered to the client. */
    public int status() {
        return status;
    }

    /** Stable machine-readable code, e.g. {@code token_expired}; also the metric label. */
    public String code() {
        return code;
    }

    /** OpenAI error {@code type}, e.g. {@code invalid_request_error}. */
    public String type() {
        return type;
    }
}
