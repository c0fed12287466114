package dev.llmproxy.core.manage;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One complete management request, detached from Netty: the body is a plain byte array (at most
 * the API's body limit), so it can be handed to the blocking executor without any reference
 * counting.
 *
 * @param method        HTTP method, upper case as sent
 * @param path          raw path, e.g. {@code /manage/projects/1b2c…}; no query
 * @param query         decoded query parameters, each with every value given
 * @param body          the request body; empty when none was sent
 * @param authorization the {@code Authorization} header, or null; a secret, never logged
 * @param requestId     the client's well-formed {@code X-Request-ID}, or a fresh one
 * @param clientIp      the TCP peer's address, or null when unknown
 * @param forwardedFor  the client-supplied {@code X-Forwarded-For} (unverified, for the audit
 *                      record only), or null
 * @param userAgent     the {@code User-Agent} header, or null
 */
record ApiRequest(String method, String path, Map<String, List<String>> query, byte[] body, String authorization,
                  String requestId, String clientIp, String forwardedFor, String userAgent) {

    ApiRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(requestId, "requestId");
        query = query == null ? Map.of() : Map.copyOf(query);
        body = body == null ? new byte[0] : body;
    }

    @Override
    public String toString() {
        // The Authorization header is the management secret: never part of a string form.
        return "ApiRequest[" + method + " " + path + ", requestId=" + requestId + ", clientIp=" + clientIp
                + ", bodyBytes=" + body.length + "]";
    }
}
