package dev.llmproxy.core.manage;

/**
 * The {@code error.code} values of the management API, with their HTTP status. Clients (the CLI,
 * the admin UI, scripts) branch on these, so they are part of the interface; see
 * {@code docs/management-api.md}.
 */
final class ErrorCodes {

    /** 400: the body is not JSON, not one JSON object, or has duplicate keys. */
    static final String INVALID_JSON = "invalid_json";
    /** 400: the body has a field this endpoint does not know. */
    static final String UNKNOWN_FIELD = "unknown_field";
    /** 400: a query parameter this endpoint does not know. */
    static final String UNKNOWN_PARAMETER = "unknown_parameter";
    /** 400: a field or parameter is missing, of the wrong type or out of range. */
    static final String INVALID_REQUEST = "invalid_request";
    /** 401: missing or wrong management token (one message for both). */
    static final String UNAUTHORIZED = "unauthorized";
    /** 403: tokens cannot be created for a deactivated project. */
    static final String PROJECT_INACTIVE = "project_inactive";
    /** 404: no management endpoint at this path. */
    static final String NOT_FOUND = "not_found";
    static final String PROJECT_NOT_FOUND = "project_not_found";
    static final String TOKEN_NOT_FOUND = "token_not_found";
    static final String AUDIT_EVENT_NOT_FOUND = "audit_event_not_found";
    /** 405, with an {@code Allow} header. */
    static final String METHOD_NOT_ALLOWED = "method_not_allowed";
    /** 409: another project has this name. */
    static final String DUPLICATE_NAME = "duplicate_name";
    /** 413: the body is larger than the management API accepts. */
    static final String REQUEST_TOO_LARGE = "request_too_large";
    /** 500: a stored upstream key cannot be decrypted (wrong or missing ENCRYPTION_KEY). */
    static final String KEY_DECRYPTION_FAILED = "key_decryption_failed";
    /** 500: a bug; the message carries the request id to find the log entry. */
    static final String INTERNAL_ERROR = "internal_error";
    /** 503: the database is unreachable or the server is overloaded; retry later. */
    static final String SERVICE_UNAVAILABLE = "service_unavailable";
    /** 503: this server keeps no queryable audit store (AUDIT_STORE_IN_DB=false or audit disabled). */
    static final String AUDIT_UNAVAILABLE = "audit_unavailable";

    /** 503: this server tracks no usage (USAGE_TRACKING_ENABLED=false). */
    static final String USAGE_UNAVAILABLE = "usage_unavailable";

    private ErrorCodes() {
    }
}
