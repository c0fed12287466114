package dev.llmproxy.core.cache;

import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * When the proxy may answer from the cache and when it may store an answer. Pure functions of the
 * request and response headers (and the time passed in): no I/O, no state, thread-safe.
 *
 * <h2>Lookup ({@link #lookupDecision})</h2>
 * <ul>
 *   <li>Only {@code GET}, {@code HEAD} and {@code POST} use the cache; anything else is
 *       {@link Lookup#BYPASS}.</li>
 *   <li>{@code POST} only when the client opts in: {@code Cache-Control: public, max-age=N} or
 *       {@code s-maxage=N}, with N &gt; 0. An LLM completion is not repeatable by nature, so
 *       caching it is the client's call; its directive also sets the entry's lifetime.</li>
 *   <li>Request {@code no-store} → {@link Lookup#BYPASS}: neither read nor written.</li>
 *   <li>Request {@code no-cache}, {@code max-age=0} (or {@code Pragma: no-cache} without a
 *       {@code Cache-Control}) → {@link Lookup#REFRESH}: the client wants a fresh answer, so the
 *       cache is not read, but the fresh answer replaces the entry (the original sent a
 *       conditional request upstream instead, whose 304 was passed through without refreshing
 *       anything).</li>
 *   <li>A {@code Range} request → {@link Lookup#BYPASS}: a part must not be answered with the
 *       whole, nor stored as the whole.</li>
 * </ul>
 * A found entry is served only if {@link #servable} agrees (not expired; no older than a request
 * {@code max-age}; still fresh for a request {@code min-fresh}).
 *
 * <h2>Store ({@link #storeDecision}), checked in this order</h2>
 * <ol>
 *   <li>The lookup rules above (a bypassed request is never stored).</li>
 *   <li>Status 2xx, except 206 Partial Content.</li>
 *   <li>The body is complete: for SSE, {@code [DONE]} was seen or the upstream ended the stream
 *       cleanly — an interrupted stream is never stored (the original stored truncated
 *       streams).</li>
 *   <li>Body at most {@code maxObjectBytes} ({@code HTTP_CACHE_MAX_OBJECT_BYTES}).</li>
 *   <li>Response {@code no-store} or {@code private} → not stored.</li>
 *   <li>{@code Vary}: {@code *} → not stored. Any field besides {@code Accept},
 *       {@code Accept-Encoding}, {@code Origin}, {@code Authorization} and
 *       {@link CacheKeys#KEY_HEADERS} → not stored. Those are safe: the key already holds the
 *       negotiation headers, the proxy applies CORS per request, and within a project scope every
 *       upstream request carries the same project key. (The original keyed such entries on the
 *       Vary list, so lookups never found them — every browser request missed.)</li>
 *   <li>Lifetime. POST: the client's {@code s-maxage}, else {@code max-age}, lowered to the
 *       response's own {@code s-maxage}/{@code max-age} if it has one; a response
 *       {@code no-cache} does not stop an opted-in store (upstreams send it on every SSE stream
 *       to stop intermediaries from buffering). GET/HEAD: a response {@code no-cache} → not
 *       stored (there is no revalidation); else the response's {@code s-maxage}, else
 *       {@code max-age}, else {@code Expires} minus {@code Date}, else {@code defaultTtl}
 *       ({@code HTTP_CACHE_DEFAULT_TTL}, 0 = store nothing without an explicit lifetime); minus
 *       the response's {@code Age}. Capped at {@code maxTtl}. Zero or less → not stored.</li>
 * </ol>
 * {@code Set-Cookie} does not prevent storing; the cookie is dropped from the stored headers (see
 * {@link CachedResponse}).
 *
 * <h2>Conditional requests ({@link #isNotModified})</h2>
 * A {@code GET}/{@code HEAD} whose {@code If-None-Match} matches the entry's tag (weak comparison,
 * lists, {@code *}) — or, without {@code If-None-Match}, whose {@code If-Modified-Since} is not
 * before the stored {@code Last-Modified} — is answered 304 from the cache
 * ({@link CacheStatus#CONDITIONAL_HIT}). A {@code POST} always gets the stored response.
 */
public final class CachePolicy {

    /** {@code HTTP_CACHE_DEFAULT_TTL}: lifetime of a GET/HEAD answer whose upstream gave none. */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(300);
    /** {@code HTTP_CACHE_MAX_OBJECT_BYTES}: larger bodies are not stored. */
    public static final long DEFAULT_MAX_OBJECT_BYTES = 1024 * 1024;
    /** {@code HTTP_CACHE_MAX_TTL}: no entry lives longer, whatever the client or upstream asks. */
    public static final Duration DEFAULT_MAX_TTL = Duration.ofDays(1);

    private static final Set<String> TOLERATED_VARY;

    static {
        List<String> names = new ArrayList<>(List.of("accept", "accept-encoding", "origin", "authorization"));
        names.addAll(CacheKeys.KEY_HEADERS);
        TOLERATED_VARY = Set.copyOf(names);
    }

    /** Whether to read the cache for a request, and whether its answer may be stored. */
    public enum Lookup {
        /** Read the cache; on a miss, the answer may be stored. */
        LOOKUP(true, true),
        /** Do not read (the client wants a fresh answer); the answer may replace the entry. */
        REFRESH(false, true),
        /** Neither read nor store. */
        BYPASS(false, false);

        private final boolean lookup;
        private final boolean mayStore;

        Lookup(boolean lookup, boolean mayStore) {
            this.lookup = lookup;
            this.mayStore = mayStore;
        }

        /** True when the cache should be read. */
        public boolean lookup() {
            return lookup;
        }

        /** True when the answer may be stored (subject to {@link CachePolicy#storeDecision}). */
        public boolean mayStore() {
            return mayStore;
        }
    }

    /** Why an answer was not stored; {@link #label()} suits a metric label or a debug header. */
    public enum Reason {
        /** Not GET, HEAD or POST. */
        METHOD("method"),
        /** A POST without {@code Cache-Control: public, max-age=N} or {@code s-maxage=N}. */
        NOT_OPTED_IN("not-opted-in"),
        /** The request said {@code no-store}. */
        REQUEST_NO_STORE("request-no-store"),
        /** A {@code Range} request. */
        RANGE("range"),
        /** Not 2xx, or 206. */
        STATUS("status"),
        /** The body (or stream) did not complete. */
        INCOMPLETE("incomplete"),
        /** Body above {@code maxObjectBytes}. */
        TOO_LARGE("too-large"),
        /** The response said {@code no-store}. */
        RESPONSE_NO_STORE("response-no-store"),
        /** The response said {@code private}. */
        PRIVATE("private"),
        /** A GET/HEAD response said {@code no-cache}. */
        NO_CACHE("no-cache"),
        /** {@code Vary: *} or a field the key does not cover. */
        VARY("vary"),
        /** No positive lifetime (e.g. {@code max-age=0}, a past {@code Expires}, default TTL 0). */
        NO_LIFETIME("no-lifetime");

        private final String label;

        Reason(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * The verdict on one answer: store it for {@code ttl}, or not, and why.
     *
     * @param ttl    the entry's lifetime when {@code store}, else null
     * @param reason why not, when not {@code store}, else null
     */
    public record StoreDecision(boolean store, Duration ttl, Reason reason) {
        public static StoreDecision store(Duration ttl) {
            return new StoreDecision(true, ttl, null);
        }

        public static StoreDecision dontStore(Reason reason) {
            return new StoreDecision(false, null, reason);
        }
    }

    private final Duration defaultTtl;
    private final long maxObjectBytes;
    private final Duration maxTtl;

    /**
     * @param defaultTtl     lifetime of GET/HEAD answers without one; zero stores only answers with
     *                       an explicit lifetime
     * @param maxObjectBytes largest body stored, at least 1
     * @param maxTtl         longest lifetime of any entry, positive
     */
    public CachePolicy(Duration defaultTtl, long maxObjectBytes, Duration maxTtl) {
        Objects.requireNonNull(defaultTtl, "defaultTtl");
        Objects.requireNonNull(maxTtl, "maxTtl");
        if (defaultTtl.isNegative()) {
            throw new IllegalArgumentException("defaultTtl must be zero or positive, got " + defaultTtl);
        }
        if (maxObjectBytes < 1) {
            throw new IllegalArgumentException("maxObjectBytes must be at least 1, got " + maxObjectBytes);
        }
        if (maxTtl.isNegative() || maxTtl.isZero()) {
            throw new IllegalArgumentException("maxTtl must be positive, got " + maxTtl);
        }
        this.defaultTtl = defaultTtl;
        this.maxObjectBytes = maxObjectBytes;
        this.maxTtl = maxTtl;
    }

    /** The documented defaults: 300 s, 1 MiB, one day. */
    public static CachePolicy defaults() {
        return new CachePolicy(DEFAULT_TTL, DEFAULT_MAX_OBJECT_BYTES, DEFAULT_MAX_TTL);
    }

    public Duration defaultTtl() {
        return defaultTtl;
    }

    /** The largest body stored: the proxy stops keeping a copy of a response beyond it. */
    public long maxObjectBytes() {
        return maxObjectBytes;
    }

    public Duration maxTtl() {
        return maxTtl;
    }

    /** Whether to read the cache for this request, and whether its answer may be stored. */
    public Lookup lookupDecision(HttpMethod method, HttpHeaders requestHeaders) {
        CacheControl cc = CacheControl.of(requestHeaders);
        if (bypassReason(method, requestHeaders, cc) != null) {
            return Lookup.BYPASS;
        }
        boolean pragmaNoCache = !requestHeaders.contains(HttpHeaderNames.CACHE_CONTROL)
                && requestHeaders.containsValue(HttpHeaderNames.PRAGMA, "no-cache", true);
        if (cc.noCache() || cc.maxAge() == 0 || pragmaNoCache) {
            return Lookup.REFRESH;
        }
        return Lookup.LOOKUP;
    }

    /** Why a request bypasses the cache entirely, or null when it does not. */
    private static Reason bypassReason(HttpMethod method, HttpHeaders requestHeaders, CacheControl cc) {
        boolean post = HttpMethod.POST.equals(method);
        if (!post && !HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method)) {
            return Reason.METHOD;
        }
        if (requestHeaders.contains(HttpHeaderNames.RANGE)) {
            return Reason.RANGE;
        }
        if (cc.noStore()) {
            return Reason.REQUEST_NO_STORE;
        }
        if (post && clientTtlSeconds(cc) <= 0) {
            return Reason.NOT_OPTED_IN;
        }
        return null;
    }

    /** The lifetime a client asks for: {@code s-maxage}, else {@code max-age} with {@code public}; 0 for none. */
    private static long clientTtlSeconds(CacheControl cc) {
        if (cc.sMaxAge() > 0) {
            return cc.sMaxAge();
        }
        return cc.isPublic() && cc.maxAge() > 0 ? cc.maxAge() : 0;
    }

    /**
     * Whether an answer may be stored, and for how long.
     *
     * @param method          the request method
     * @param requestHeaders  the client's request headers
     * @param status          the upstream status
     * @param responseHeaders the upstream's response headers
     * @param bodySize        bytes in the complete body (the proxy may stop counting past
     *                        {@link #maxObjectBytes()} and pass any larger number)
     * @param complete        true only when the whole body arrived: for SSE, {@code [DONE]} was seen
     *                        or the upstream ended the stream cleanly
     * @param now             the current time (for {@code Expires} without {@code Date})
     */
    public StoreDecision storeDecision(HttpMethod method, HttpHeaders requestHeaders, int status,
                                       HttpHeaders responseHeaders, long bodySize, boolean complete, Instant now) {
        CacheControl request = CacheControl.of(requestHeaders);
        Reason bypass = bypassReason(method, requestHeaders, request);
        if (bypass != null) {
            return StoreDecision.dontStore(bypass);
        }
        if (status < 200 || status > 299 || status == 206) {
            return StoreDecision.dontStore(Reason.STATUS);
        }
        if (!complete) {
            return StoreDecision.dontStore(Reason.INCOMPLETE);
        }
        if (bodySize < 0 || bodySize > maxObjectBytes) {
            return StoreDecision.dontStore(Reason.TOO_LARGE);
        }
        CacheControl response = CacheControl.of(responseHeaders);
        if (response.noStore()) {
            return StoreDecision.dontStore(Reason.RESPONSE_NO_STORE);
        }
        if (response.isPrivate()) {
            return StoreDecision.dontStore(Reason.PRIVATE);
        }
        if (!varyTolerated(responseHeaders)) {
            return StoreDecision.dontStore(Reason.VARY);
        }
        long seconds;
        if (HttpMethod.POST.equals(method)) {
            seconds = clientTtlSeconds(request);
            long explicit = response.sMaxAge() >= 0 ? response.sMaxAge() : response.maxAge();
            if (explicit >= 0) {
                seconds = Math.min(seconds, explicit);
            }
        } else {
            if (response.noCache()) {
                return StoreDecision.dontStore(Reason.NO_CACHE);
            }
            seconds = upstreamLifetime(response, responseHeaders, now);
        }
        seconds -= upstreamAge(responseHeaders);
        seconds = Math.min(seconds, maxTtl.toSeconds());
        if (seconds <= 0) {
            return StoreDecision.dontStore(Reason.NO_LIFETIME);
        }
        return StoreDecision.store(Duration.ofSeconds(seconds));
    }

    private long upstreamLifetime(CacheControl response, HttpHeaders headers, Instant now) {
        if (response.sMaxAge() >= 0) {
            return response.sMaxAge();
        }
        if (response.maxAge() >= 0) {
            return response.maxAge();
        }
        String expires = headers.get(HttpHeaderNames.EXPIRES);
        if (expires != null) {
            Date at = DateFormatter.parseHttpDate(expires);
            if (at == null) {
                return 0; // RFC 9111 §5.3: an invalid Expires means "already expired"
            }
            Date date = headers.contains(HttpHeaderNames.DATE) ? DateFormatter.parseHttpDate(headers.get(HttpHeaderNames.DATE)) : null;
            long base = date != null ? date.getTime() : now.toEpochMilli();
            return Math.floorDiv(at.getTime() - base, 1000L);
        }
        return defaultTtl.toSeconds();
    }

    private static long upstreamAge(HttpHeaders headers) {
        String age = headers.get(HttpHeaderNames.AGE);
        if (age == null) {
            return 0;
        }
        return CacheControl.seconds(age.trim());
    }

    private static boolean varyTolerated(HttpHeaders headers) {
        for (String value : headers.getAll(HttpHeaderNames.VARY)) {
            for (String field : value.split(",")) {
                String f = field.trim().toLowerCase(Locale.ROOT);
                if (!f.isEmpty() && !TOLERATED_VARY.contains(f)) {
                    return false; // includes "*"
                }
            }
        }
        return true;
    }

    /**
     * Whether a found entry may answer this request: not expired, and within the request's
     * {@code max-age} and {@code min-fresh} if it gives them.
     */
    public boolean servable(HttpHeaders requestHeaders, CachedResponse cached, Instant now) {
        if (cached == null || cached.isExpired(now)) {
            return false;
        }
        CacheControl cc = CacheControl.of(requestHeaders);
        if (cc.maxAge() >= 0 && age(now, cached) > cc.maxAge()) {
            return false;
        }
        return cc.minFresh() < 0 || cached.remaining(now).toSeconds() >= cc.minFresh();
    }

    /**
     * True when a GET/HEAD can be answered {@code 304 Not Modified} from {@code cached}:
     * {@code If-None-Match} lists the entry's tag (weak comparison: {@code W/"x"} matches
     * {@code "x"}) or is {@code *}; or, when there is no {@code If-None-Match},
     * {@code If-Modified-Since} is at or after the stored {@code Last-Modified}. Always false for
     * other methods.
     */
    public boolean isNotModified(HttpMethod method, HttpHeaders requestHeaders, CachedResponse cached) {
        if (cached == null || !(HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method))) {
            return false;
        }
        List<String> inm = requestHeaders.getAll(HttpHeaderNames.IF_NONE_MATCH);
        if (!inm.isEmpty()) {
            String mine = opaque(cached.etag());
            for (String line : inm) {
                for (String tag : EntityTags.parse(line)) {
                    if (tag.equals("*") || opaque(tag).equals(mine)) {
                        return true;
                    }
                }
            }
            return false;
        }
        String ims = requestHeaders.get(HttpHeaderNames.IF_MODIFIED_SINCE);
        String lastModified = cached.header("last-modified");
        if (ims == null || lastModified == null) {
            return false;
        }
        Date since = DateFormatter.parseHttpDate(ims);
        Date modified = DateFormatter.parseHttpDate(lastModified);
        return since != null && modified != null && !modified.after(since);
    }

    /** An entity tag without its weakness indicator, for weak comparison. */
    private static String opaque(String tag) {
        return tag.startsWith("W/") ? tag.substring(2) : tag;
    }

    /** Whole seconds since {@code cached} was stored, never negative: the {@code Age} header of a hit. */
    public static long age(Instant now, CachedResponse cached) {
        long seconds = Duration.between(cached.storedAt(), now).toSeconds();
        return Math.max(0, seconds);
    }
}
