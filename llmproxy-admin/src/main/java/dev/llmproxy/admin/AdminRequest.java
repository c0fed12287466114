package dev.llmproxy.admin;

import java.util.List;
import java.util.Map;

/**
 * One complete admin request, copied off the Netty message so it can be handled on the blocking
 * executor: nothing reference-counted, nothing tied to the channel.
 *
 * @param method         HTTP method, upper case
 * @param path           raw path, e.g. {@code /admin/projects/abc}
 * @param query          decoded query parameters
 * @param form           decoded {@code application/x-www-form-urlencoded} body fields (empty otherwise)
 * @param cookieHeader   the {@code Cookie} header, or null
 * @param host           the {@code Host} header, or null
 * @param origin         the {@code Origin} header, or null
 * @param referer        the {@code Referer} header, or null
 * @param forwardedProto the {@code X-Forwarded-Proto} header, or null
 * @param userAgent      the {@code User-Agent} header, or null
 * @param secFetchSite   the {@code Sec-Fetch-Site} header (sent by current browsers), or null
 * @param clientIp       the TCP peer's address
 */
record AdminRequest(String method, String path, Map<String, List<String>> query, Map<String, List<String>> form,
                    String cookieHeader, String host, String origin, String referer, String forwardedProto,
                    String userAgent, String secFetchSite, String clientIp) {

    String queryParam(String name) {
        return first(query, name);
    }

    String formField(String name) {
        return first(form, name);
    }

    boolean isPost() {
        return "POST".equals(method);
    }

    private static String first(Map<String, List<String>> params, String name) {
        List<String> values = params.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** Never shows the form: it may carry the management token (login) or an upstream key. */
    @Override
    public String toString() {
        return method + " " + path;
    }
}
