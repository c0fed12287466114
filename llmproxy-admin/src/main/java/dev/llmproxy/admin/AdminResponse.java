package dev.llmproxy.admin;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the admin router answers; the handler adds the security headers every answer carries
 * ({@link AdminHandler#SECURITY_HEADERS}).
 */
final class AdminResponse {

    static final String HTML = "text/html; charset=utf-8";

    final int status;
    final String contentType;
    final byte[] body;
    final Map<String, String> headers = new LinkedHashMap<>();
    final List<String> cookies = new ArrayList<>();

    AdminResponse(int status, String contentType, byte[] body) {
        this.status = status;
        this.contentType = contentType;
        this.body = body;
    }

    static AdminResponse html(int status, String page) {
        return new AdminResponse(status, HTML, page.getBytes(StandardCharsets.UTF_8))
                .header("Cache-Control", "no-store");
    }

    /** 303 See Other: the answer to every successful POST (post/redirect/get) and to missing sessions. */
    static AdminResponse redirect(String location) {
        return new AdminResponse(303, null, new byte[0]).header("Location", location)
                .header("Cache-Control", "no-store");
    }

    static AdminResponse text(int status, String text) {
        return new AdminResponse(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8))
                .header("Cache-Control", "no-store");
    }

    AdminResponse header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    AdminResponse cookie(String setCookie) {
        cookies.add(setCookie);
        return this;
    }
}
