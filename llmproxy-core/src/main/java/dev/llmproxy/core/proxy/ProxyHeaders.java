package dev.llmproxy.core.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.List;

/**
 * Header names the proxy reads or writes, and the header hygiene applied to each hop.
 *
 * <p>Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection and must never be forwarded:
 * {@code Connection} and every header it names, {@code Keep-Alive}, {@code Proxy-Connection},
 * {@code TE}, {@code Trailer}, {@code Transfer-Encoding}, {@code Upgrade} and the proxy
 * authentication pair. Client-supplied forwarding headers are dropped as well and replaced by the
 * real peer address, so a client cannot spoof its IP to the upstream.
 */
public final class ProxyHeaders {

    public static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
    public static final AsciiString X_OVERHEAD_US = AsciiString.cached("x-llm-proxy-overhead-us");
    public static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    public static final AsciiString X_REAL_IP = AsciiString.cached("x-real-ip");
    public static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");

    private static final List<AsciiString> HOP_BY_HOP = List.of(
            HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, PROXY_CONNECTION, HttpHeaderNames.TE,
            HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE,
            HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.PROXY_AUTHENTICATE);

    private static final List<AsciiString> CLIENT_IP_HEADERS = List.of(
            X_FORWARDED_FOR, X_REAL_IP, AsciiString.cached("forwarded"), AsciiString.cached("cf-connecting-ip"),
            AsciiString.cached("cf-ipcountry"), AsciiString.cached("x-client-ip"),
            AsciiString.cached("x-original-forwarded-for"), AsciiString.cached("true-client-ip"));

    private ProxyHeaders() {
    }

    /** Removes hop-by-hop headers, including any header the {@code Connection} header names. */
    public static void stripHopByHop(HttpHeaders headers) {
        for (String connection : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String named : connection.split(",")) {
                String name = named.trim();
                if (!name.isEmpty()) {
                    headers.remove(name);
                }
            }
        }
        for (AsciiString name : HOP_BY_HOP) {
            headers.remove(name);
        }
    }

    /** Drops every client-supplied header that claims to know the client's address. */
    public static void stripClientIpHeaders(HttpHeaders headers) {
        for (AsciiString name : CLIENT_IP_HEADERS) {
            headers.remove(name);
        }
    }

    /**
     * True when {@code id} is a client-sent request id worth keeping: 1 to 128 characters of
     * letters, digits and {@code - _ . :}. Anything else (too long, spaces, control characters)
     * would pollute logs and is replaced by a fresh id.
     */
    public static boolean isWellFormedRequestId(CharSequence id) {
        int n = id.length();
        if (n == 0 || n > 128) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == ':';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
