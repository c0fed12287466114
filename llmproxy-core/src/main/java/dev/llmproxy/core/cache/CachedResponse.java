package dev.llmproxy.core.cache;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One stored response: status, end-to-end headers, the exact body bytes, whether it was an SSE
 * stream, when it was stored and when it expires, and its entity tag. Immutable and thread-safe;
 * the body array is never exposed (see {@link #content()} and {@link #chunks()}), so one entry can
 * be served to many clients at once.
 *
 * <p>{@link #of} keeps only what may be replayed to another request: hop-by-hop headers
 * ({@code Connection} and every header it names, {@code Keep-Alive}, {@code Proxy-Connection},
 * {@code TE}, {@code Trailer}, {@code Transfer-Encoding}, {@code Upgrade}, the
 * {@code Proxy-Authenticate}/{@code Proxy-Authorization} pair), {@code Set-Cookie} (a cookie is
 * meant for one client — OpenAI sets bot-management cookies on every response, so refusing to
 * store those responses would disable the cache altogether), {@code Age} and {@code Date} (the
 * proxy sets both on a hit), CORS headers ({@code Access-Control-*}: the proxy applies CORS for
 * the origin of the request being answered, not the one that filled the cache — the original
 * replayed the first requester's origin), and the per-request headers {@code X-Request-ID},
 * {@code X-Upstream-Request-ID}, {@code X-PROXY-CACHE}, {@code X-PROXY-CACHE-KEY} and
 * {@code Cache-Status} are dropped.
 *
 * <p>The entity tag is the upstream's {@code ETag} when it sent one; otherwise a strong tag
 * computed from the body ({@code "<base64url SHA-256>"}), which {@link #copyHeadersTo} adds to
 * hits so clients can revalidate with {@code If-None-Match}.
 */
public final class CachedResponse {

    /** One stored header line. */
    public record Header(String name, String value) {
        public Header {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }

    private static final Set<String> NEVER_STORED = Set.of(
            "connection", "keep-alive", "proxy-connection", "te", "trailer", "trailers", "transfer-encoding",
            "upgrade", "proxy-authenticate", "proxy-authorization", "set-cookie", "set-cookie2", "age", "date",
            "x-request-id", "x-upstream-request-id", "x-proxy-cache", "x-proxy-cache-key", "cache-status");

    private static final Set<String> NOT_MODIFIED_HEADERS = Set.of(
            "cache-control", "content-location", "etag", "expires", "last-modified", "vary");

    /** Bookkeeping per entry in the size estimate: object headers, references, Instants, the key. */
    private static final int ENTRY_OVERHEAD = 256;
    /** Per header line: two String objects and their arrays, the record, the list slot. */
    private static final int HEADER_OVERHEAD = 96;

    private final int status;
    private final List<Header> headers;
    private final byte[] body;
    private final boolean streamed;
    private final Instant storedAt;
    private final Instant expiresAt;
    private final String etag;
    private final boolean etagFromUpstream;
    private final long sizeBytes;

    /**
     * An entry exactly as given (headers already filtered); used by the codec. {@code body} is
     * owned by the new instance.
     */
    CachedResponse(int status, List<Header> headers, byte[] body, boolean streamed, Instant storedAt,
                   Instant expiresAt, String etag) {
        if (status < 100 || status > 999) {
            throw new IllegalArgumentException("status must be a three-digit code, got " + status);
        }
        this.status = status;
        this.headers = List.copyOf(headers);
        this.body = Objects.requireNonNull(body, "body");
        this.streamed = streamed;
        this.storedAt = Objects.requireNonNull(storedAt, "storedAt");
        this.expiresAt = Objects.requireNonNull(expiresAt, "expiresAt");
        this.etag = Objects.requireNonNull(etag, "etag");
        if (expiresAt.isBefore(storedAt)) {
            throw new IllegalArgumentException("expiresAt " + expiresAt + " is before storedAt " + storedAt);
        }
        this.etagFromUpstream = firstValue(this.headers, "etag") != null;
        long size = ENTRY_OVERHEAD + body.length + 2L * etag.length();
        for (Header h : this.headers) {
            size += HEADER_OVERHEAD + 2L * (h.name().length() + h.value().length());
        }
        this.sizeBytes = size;
    }

    /**
     * A new entry from an upstream response.
     *
     * @param status          the upstream status
     * @param upstreamHeaders the upstream's response headers (not modified; filtered as described above)
     * @param body            the complete body, exactly as received (copied)
     * @param streamed        true for an SSE stream, which a hit replays event by event
     * @param storedAt        now
     * @param ttl             how long the entry is fresh; positive (see {@link CachePolicy#storeDecision})
     */
    public static CachedResponse of(int status, HttpHeaders upstreamHeaders, byte[] body, boolean streamed,
                                    Instant storedAt, Duration ttl) {
        Objects.requireNonNull(upstreamHeaders, "upstreamHeaders");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive, got " + ttl);
        }
        Set<String> connectionNamed = new HashSet<>();
        for (String connection : upstreamHeaders.getAll(HttpHeaderNames.CONNECTION)) {
            for (String named : connection.split(",")) {
                connectionNamed.add(named.trim().toLowerCase(Locale.ROOT));
            }
        }
        List<Header> kept = new ArrayList<>(upstreamHeaders.size());
        for (Map.Entry<String, String> e : upstreamHeaders) {
            String lower = e.getKey().toLowerCase(Locale.ROOT);
            if (!NEVER_STORED.contains(lower) && !connectionNamed.contains(lower)
                    && !lower.startsWith("access-control-")) {
                kept.add(new Header(e.getKey(), e.getValue()));
            }
        }
        byte[] copy = body.clone();
        String etag = firstValue(kept, "etag");
        if (etag == null) {
            etag = strongEtag(copy);
        }
        return new CachedResponse(status, kept, copy, streamed, storedAt, storedAt.plus(ttl), etag);
    }

    /** The strong entity tag computed for a body the upstream gave no {@code ETag}. */
    static String strongEtag(byte[] body) {
        byte[] sha = CacheKeys.sha256().digest(body);
        return "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(sha) + "\"";
    }

    public int status() {
        return status;
    }

    /** The stored header lines, in upstream order (unmodifiable). */
    public List<Header> headers() {
        return headers;
    }

    /** The first value of a stored header (case-insensitive name), or null. */
    public String header(String name) {
        return firstValue(headers, name.toLowerCase(Locale.ROOT));
    }

    /** A copy of the body. Serving code should use {@link #content()} or {@link #chunks()}. */
    public byte[] body() {
        return body.clone();
    }

    /** The body as it is, for the codec and the size estimate (never handed out). */
    byte[] bodyArray() {
        return body;
    }

    public int bodyLength() {
        return body.length;
    }

    /**
     * The whole body as a read-only buffer over the stored bytes (no copy). Each call returns a
     * new buffer that the caller owns: write it to a channel (which releases it) or release it.
     */
    public ByteBuf content() {
        return Unpooled.wrappedBuffer(body).asReadOnly();
    }

    /**
     * The body as the chunks a hit is written in: for an SSE stream one buffer per event (each
     * ending with its blank line), so the client receives a stream shaped like the original and
     * identical byte for byte when concatenated; otherwise one buffer. Each buffer is read-only,
     * shares the stored bytes (no copy) and is owned by the caller, independently of the others.
     */
    public List<ByteBuf> chunks() {
        if (!streamed || body.length == 0) {
            return List.of(content());
        }
        List<ByteBuf> out = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < body.length) {
            int end = eventEnd(body, i);
            if (end > 0) {
                out.add(Unpooled.wrappedBuffer(body, start, end - start).asReadOnly());
                start = end;
                i = end;
            } else {
                i++;
            }
        }
        if (start < body.length) {
            out.add(Unpooled.wrappedBuffer(body, start, body.length - start).asReadOnly());
        }
        return Collections.unmodifiableList(out);
    }

    /** End (exclusive) of an SSE event whose blank line starts at {@code i}, or -1. */
    private static int eventEnd(byte[] b, int i) {
        if (b[i] == '\n' && i + 1 < b.length && b[i + 1] == '\n') {
            return i + 2;
        }
        if (b[i] == '\r' && i + 3 < b.length && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
            return i + 4;
        }
        return -1;
    }

    /** True for an SSE stream (replayed with {@link #chunks()}). */
    public boolean streamed() {
        return streamed;
    }

    public Instant storedAt() {
        return storedAt;
    }

    public Instant expiresAt() {
        return expiresAt;
    }

    /** The entity tag, quoted as in a header ({@code "…"} or {@code W/"…"}). */
    public String etag() {
        return etag;
    }

    /** True when {@code now} is at or past the expiry. */
    public boolean isExpired(Instant now) {
        return !now.isBefore(expiresAt);
    }

    /** Time left until expiry (zero when expired). */
    public Duration remaining(Instant now) {
        Duration d = Duration.between(now, expiresAt);
        return d.isNegative() ? Duration.ZERO : d;
    }

    /**
     * Estimated heap held by this entry (body, headers, bookkeeping), in bytes: what the in-memory
     * cache's byte bound counts.
     */
    public long sizeBytes() {
        return sizeBytes;
    }

    /**
     * Adds the stored headers to {@code target} (a hit's response), plus {@code ETag} when it was
     * computed here. The caller adds {@code Date}, {@code Age} and the cache status headers.
     */
    public void copyHeadersTo(HttpHeaders target) {
        for (Header h : headers) {
            target.add(h.name(), h.value());
        }
        if (!etagFromUpstream) {
            target.set(HttpHeaderNames.ETAG, etag);
        }
    }

    /**
     * Adds the headers a {@code 304 Not Modified} from this entry carries (RFC 9110 §15.4.5):
     * {@code Cache-Control}, {@code Content-Location}, {@code ETag}, {@code Expires},
     * {@code Last-Modified} and {@code Vary}. No body headers: a 304 has no content.
     */
    public void copyNotModifiedHeadersTo(HttpHeaders target) {
        for (Header h : headers) {
            if (NOT_MODIFIED_HEADERS.contains(h.name().toLowerCase(Locale.ROOT))) {
                target.add(h.name(), h.value());
            }
        }
        if (!etagFromUpstream) {
            target.set(HttpHeaderNames.ETAG, etag);
        }
    }

    private static String firstValue(List<Header> headers, String lowerName) {
        for (Header h : headers) {
            if (h.name().equalsIgnoreCase(lowerName)) {
                return h.value();
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "CachedResponse[status=" + status + ", headers=" + headers.size() + ", body=" + body.length
                + " bytes, streamed=" + streamed + ", storedAt=" + storedAt + ", expiresAt=" + expiresAt
                + ", etag=" + etag + "]";
    }
}
