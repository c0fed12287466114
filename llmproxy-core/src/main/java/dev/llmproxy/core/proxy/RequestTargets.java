package dev.llmproxy.core.proxy;

import java.net.URI;
import java.net.URISyntaxException;

/** The parts of an HTTP request target (RFC 9112 §3.2) that routing and forwarding need. */
public final class RequestTargets {

    private RequestTargets() {
    }

    /**
     * The raw (not %-decoded) path of a request target without query or fragment, or null when
     * the target is not origin-form or absolute-form (e.g. {@code *}, or an unparsable URL).
     */
    public static String rawPath(String uri) {
        if (uri.startsWith("/")) {
            int q = uri.indexOf('?');
            int hash = uri.indexOf('#');
            int end = q >= 0 ? q : uri.length();
            if (hash >= 0 && hash < end) {
                end = hash;
            }
            return uri.substring(0, end);
        }
        if (uri.regionMatches(true, 0, "http://", 0, 7) || uri.regionMatches(true, 0, "https://", 0, 8)) {
            try {
                String raw = new URI(uri).getRawPath();
                return raw == null || raw.isEmpty() ? "/" : raw;
            } catch (URISyntaxException e) {
                return null;
            }
        }
        return null;
    }

    /** The request target in origin-form ({@code /path?query}), as sent upstream. */
    static String originForm(String uri) {
        if (uri.startsWith("/")) {
            int hash = uri.indexOf('#');
            return hash >= 0 ? uri.substring(0, hash) : uri;
        }
        try {
            URI parsed = new URI(uri);
            String p = parsed.getRawPath() == null || parsed.getRawPath().isEmpty() ? "/" : parsed.getRawPath();
            return parsed.getRawQuery() == null ? p : p + "?" + parsed.getRawQuery();
        } catch (URISyntaxException e) {
            return uri;
        }
    }
}
