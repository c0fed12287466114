package dev.llmproxy.core.manage;

/**
 * A management request that gets a 4xx (or a deliberate 5xx) answer: the HTTP status, a stable
 * machine-readable {@code code} and a message written for the person who sent the request. The
 * message never echoes secrets (API keys, tokens). Carries no stack trace: it is control flow,
 * thrown for every bad input, and a trace would say nothing.
 */
final class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final String allow;

    ApiException(int status, String code, String message) {
        this(status, code, message, null);
    }

    private ApiException(int status, String code, String message, String allow) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.allow = allow;
    }

    /** 400 with {@code code}. */
    static ApiException badRequest(String code, String message) {
        return new ApiException(400, code, message);
    }

    /** 400 {@code invalid_request}: a field or parameter has a value that is not allowed. */
    static ApiException invalid(String message) {
        return badRequest(ErrorCodes.INVALID_REQUEST, message);
    }

    /** 404 with {@code code}. */
    static ApiException notFound(String code, String message) {
        return new ApiException(404, code, message);
    }

    /** 405 with the {@code Allow} header listing the methods the resource has. */
    static ApiException methodNotAllowed(String method, String allow) {
        return new ApiException(405, ErrorCodes.METHOD_NOT_ALLOWED,
                "Method " + method + " is not allowed here; allowed: " + allow, allow);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    /** The {@code Allow} header value of a 405; null otherwise. */
    String allow() {
        return allow;
    }
}
