package dev.llmproxy.core.proxy;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import java.util.Arrays;

/**
 * A request collected by a {@link BlockingRouteHandler}: copies of the head's fields and headers and
 * the body bytes, never the Netty message, so it may travel to a blocking thread. Its body is
 * filled on the event loop and complete before the request is handed on.
 */
public final class RouteRequest {

    private final String method;
    private final String uri;
    private final String path;
    private final HttpVersion version;
    private final boolean keepAlive;
    private final HttpHeaders headers;
    private final String requestId;
    private final String clientIp;
    private byte[] body = new byte[0];
    private int length;

    RouteRequest(HttpRequest head, String path, String requestId, String clientIp) {
        this.method = head.method().name();
        this.uri = head.uri();
        this.path = path;
        this.version = head.protocolVersion();
        this.keepAlive = HttpUtil.isKeepAlive(head);
        this.headers = head.headers().copy();
        this.requestId = requestId;
        this.clientIp = clientIp;
    }

    /** Appends body bytes; false (nothing appended) if the body would exceed {@code maxBytes}. */
    boolean append(io.netty.buffer.ByteBuf content, int maxBytes) {
        int n = content.readableBytes();
        if (length + n > maxBytes) {
            return false;
        }
        if (length + n > body.length) {
            body = Arrays.copyOf(body, Math.min(maxBytes, Math.max(length + n, body.length * 2)));
        }
        content.getBytes(content.readerIndex(), body, length, n);
        length += n;
        return true;
    }

    public String method() {
        return method;
    }

    /** True for {@code HEAD}: the answer carries the full answer's headers and no body. */
    public boolean isHead() {
        return method.equals("HEAD");
    }

    /** The request target as sent (origin or absolute form), query included. */
    public String uri() {
        return uri;
    }

    /** The raw (not %-decoded) path of the request target. */
    public String path() {
        return path;
    }

    public HttpVersion version() {
        return version;
    }

    public boolean keepAlive() {
        return keepAlive;
    }

    /** A copy of the request's headers. */
    public HttpHeaders headers() {
        return headers;
    }

    /** The id the handler gave the request ({@link BlockingRouteHandler#requestId}); may be null. */
    public String requestId() {
        return requestId;
    }

    /** The peer's address; null when the channel has none. */
    public String clientIp() {
        return clientIp;
    }

    /** The complete body. */
    public byte[] body() {
        if (length != body.length) {
            body = Arrays.copyOf(body, length);
        }
        return body;
    }

    @Override
    public String toString() {
        return method + " " + path + (requestId == null ? "" : " (request id " + requestId + ")");
    }
}
