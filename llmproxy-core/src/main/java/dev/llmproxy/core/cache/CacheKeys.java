package dev.llmproxy.core.cache;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Builds {@link CacheKey}s from requests. One instance per configured key prefix
 * ({@code REDIS_CACHE_KEY_PREFIX}, default {@value #DEFAULT_PREFIX}).
 *
 * <p>A key is {@code <prefix><scope>:<METHOD>:<target>:accept-<accept>[:enc-<codings>][:hdr-<hash>][:body-<sha256>]}:
 * <ul>
 *   <li><b>scope</b> — {@link CacheScope}: the project by default, a shared scope only when the
 *       operator opts in.</li>
 *   <li><b>target</b> — path and query as the client sent them (the fragment dropped), with query
 *       parameters sorted by name; several values of one name keep their order, because
 *       {@code a=1&a=2} and {@code a=2&a=1} may mean different arrays.</li>
 *   <li><b>accept</b> — the {@code Accept} header, lower-cased and without spaces; absent means
 *       <code>*&#47;*</code>.</li>
 *   <li><b>enc</b> — the compressions the client accepts ({@code br}, {@code deflate},
 *       {@code gzip}, {@code zstd}; {@code *} means all four), sorted; omitted when it accepts
 *       none. Cached bodies are stored as the upstream encoded them, so a client that cannot
 *       decompress must never get a gzip body.</li>
 *   <li><b>hdr</b> — a hash of the request headers that change an OpenAI answer
 *       ({@value #KEY_HEADER_LIST}); omitted when none is sent.</li>
 *   <li><b>body</b> — SHA-256 of the body, omitted when there is none. A JSON body (no
 *       {@code Content-Type}, {@code application/json} or {@code +json}) is hashed in canonical
 *       form (see {@link CanonicalJson}): member order and whitespace do not change the key, any
 *       other difference does. Other bodies are hashed byte for byte together with their
 *       {@code Content-Type}.</li>
 * </ul>
 * A target longer than {@value #MAX_TARGET} characters, or one holding bytes that are not visible
 * ASCII, keeps a readable start and ends in {@code #} plus the SHA-256 of the whole; accept values
 * and scopes are shortened the same way. {@code #} cannot occur otherwise, so shortening never
 * makes two requests share a key, and a key stays under 700 characters.
 *
 * <p>Cost: one SHA-256 over the body (plus a JSON parse for JSON bodies; a 4 KiB chat request
 * takes a few microseconds); a body whose exact bytes were seen recently costs one hash-map
 * lookup instead ({@link BodyHashMemo}, at most 4 MiB). Thread-safe.
 */
public final class CacheKeys {

    /** The default key prefix, {@code REDIS_CACHE_KEY_PREFIX}. */
    public static final String DEFAULT_PREFIX = "llmproxy:cache:";

    /** Request headers, besides content negotiation, whose value changes an OpenAI answer. */
    public static final List<String> KEY_HEADERS = List.of("openai-beta", "openai-organization", "openai-project");

    static final String KEY_HEADER_LIST = "OpenAI-Beta, OpenAI-Organization, OpenAI-Project";
    static final int MAX_PREFIX = 64;
    static final int MAX_TARGET = 256;
    static final int MAX_ACCEPT = 96;
    private static final int MAX_METHOD = 16;
    private static final List<String> CODINGS = List.of("br", "deflate", "gzip", "zstd");
    private static final byte[] JSON_DOMAIN = "json\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RAW_DOMAIN = "raw\n".getBytes(StandardCharsets.US_ASCII);

    private final String prefix;
    /** Hashes of recently seen bodies: a repeated request (every hit) skips the parse and SHA-256. */
    private final BodyHashMemo bodyHashes = new BodyHashMemo();

    /**
     * @param prefix key prefix, 1 to {@value #MAX_PREFIX} visible ASCII characters (a non-empty
     *               prefix keeps a prefix purge from ever reaching keys that are not the cache's)
     */
    public CacheKeys(String prefix) {
        this.prefix = validatePrefix(prefix);
    }

    /** The key prefix. */
    public String prefix() {
        return prefix;
    }

    /** The prefix of every key in {@code scope}, e.g. to purge one project: {@code llmproxy:cache:<id>:}. */
    public String scopePrefix(CacheScope scope) {
        return prefix + scope.segment() + ":";
    }

    /**
     * The full key or key prefix for an operator-supplied string: used as given when it already
     * starts with the key prefix, else the prefix is put in front (so {@code <project-id>:} and
     * {@code llmproxy:cache:<project-id>:} name the same entries).
     */
    public String qualify(String keyOrPrefix) {
        Objects.requireNonNull(keyOrPrefix, "keyOrPrefix");
        return keyOrPrefix.startsWith(prefix) ? keyOrPrefix : prefix + keyOrPrefix;
    }

    /** The key of a request whose (aggregated) body is in {@code body}; the buffer is not consumed. */
    public CacheKey forRequest(CacheScope scope, HttpMethod method, String uri, HttpHeaders headers, ByteBuf body) {
        if (body == null || !body.isReadable()) {
            return forRequest(scope, method, uri, headers, null, 0, 0);
        }
        if (body.hasArray()) {
            return forRequest(scope, method, uri, headers, body.array(), body.arrayOffset() + body.readerIndex(),
                    body.readableBytes());
        }
        byte[] copy = ByteBufUtil.getBytes(body);
        return forRequest(scope, method, uri, headers, copy, 0, copy.length);
    }

    /** The key of a request with body {@code body} (null or empty for none). */
    public CacheKey forRequest(CacheScope scope, HttpMethod method, String uri, HttpHeaders headers, byte[] body) {
        return forRequest(scope, method, uri, headers, body, 0, body == null ? 0 : body.length);
    }

    /**
     * The key of a request.
     *
     * @param scope   whose entry this is
     * @param method  the request method, e.g. {@code POST}
     * @param uri     the request target as received, e.g. {@code /v1/models?limit=5}
     * @param headers the client's request headers (only content negotiation and {@link #KEY_HEADERS} are read)
     * @param body    the request body; null or empty for none
     */
    public CacheKey forRequest(CacheScope scope, HttpMethod method, String uri, HttpHeaders headers,
                               byte[] body, int offset, int length) {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(headers, "headers");
        StringBuilder key = new StringBuilder(192);
        key.append(prefix).append(scope.segment()).append(':')
                .append(validateMethod(Objects.requireNonNull(method, "method").name())).append(':')
                .append(target(uri))
                .append(":accept-").append(accept(headers));
        String codings = codings(headers);
        if (!codings.isEmpty()) {
            key.append(":enc-").append(codings);
        }
        String hdr = keyHeaders(headers);
        if (hdr != null) {
            key.append(":hdr-").append(hdr);
        }
        if (body != null && length > 0) {
            String contentType = headers.get(HttpHeaderNames.CONTENT_TYPE);
            String hash = bodyHashes.get(contentType, body, offset, length);
            if (hash == null) {
                hash = bodyHash(contentType, body, offset, length);
                bodyHashes.put(contentType, body, offset, length, hash);
            }
            key.append(":body-").append(hash);
        }
        return new CacheKey(key.toString(), scope);
    }

    /** SHA-256 (hex) of a body as it goes into a key. */
    static String bodyHash(String contentType, byte[] body, int offset, int length) {
        MessageDigest sha = sha256();
        if (isJson(contentType)) {
            sha.update(JSON_DOMAIN);
            if (CanonicalJson.digest(body, offset, length, sha)) {
                return hex(sha.digest());
            }
            sha.reset();
        }
        // Not JSON (or not well-formed): the exact bytes, and the media type, which tells the
        // upstream how to read them.
        sha.update(RAW_DOMAIN);
        sha.update((contentType == null ? "" : contentType.trim().toLowerCase(Locale.ROOT))
                .getBytes(StandardCharsets.UTF_8));
        sha.update((byte) '\n');
        sha.update(body, offset, length);
        return hex(sha.digest());
    }

    private static boolean isJson(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return true;
        }
        String media = contentType;
        int semi = media.indexOf(';');
        if (semi >= 0) {
            media = media.substring(0, semi);
        }
        media = media.trim().toLowerCase(Locale.ROOT);
        return media.equals("application/json") || media.endsWith("+json");
    }

    /** Path and sorted query, or a shortened form (see the class comment). */
    static String target(String uri) {
        int hash = uri.indexOf('#');
        String t = hash >= 0 ? uri.substring(0, hash) : uri;
        int q = t.indexOf('?');
        if (q >= 0) {
            String path = t.substring(0, q);
            List<String> params = new ArrayList<>();
            for (String p : t.substring(q + 1).split("&")) {
                if (!p.isEmpty()) {
                    params.add(p);
                }
            }
            // List.sort is stable: values of one name keep their order.
            params.sort(Comparator.comparing(CacheKeys::paramName));
            t = params.isEmpty() ? path : path + "?" + String.join("&", params);
        }
        int invalid = -1;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                invalid = i;
                break;
            }
        }
        if (invalid >= 0) {
            return shortened(t, Math.min(invalid, MAX_TARGET - 65));
        }
        return bound(t, MAX_TARGET);
    }

    private static String paramName(String param) {
        int eq = param.indexOf('=');
        return eq >= 0 ? param.substring(0, eq) : param;
    }

    /** Normalised {@code Accept}: lower case, no whitespace, <code>*&#47;*</code> when absent. */
    static String accept(HttpHeaders headers) {
        List<String> all = headers.getAll(HttpHeaderNames.ACCEPT);
        StringBuilder b = new StringBuilder();
        for (String v : all) {
            for (int i = 0; i < v.length(); i++) {
                char c = Character.toLowerCase(v.charAt(i));
                if (c == ' ' || c == '\t') {
                    continue;
                }
                boolean plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '*'
                        || c == '+' || c == '.' || c == '=' || c == ';' || c == ',' || c == '_' || c == '-';
                if (plain) {
                    b.append(c);
                } else {
                    for (byte x : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) {
                        b.append('%').append(hexDigit((x >> 4) & 0xf)).append(hexDigit(x & 0xf));
                    }
                }
            }
            b.append(',');
        }
        while (b.length() > 0 && b.charAt(b.length() - 1) == ',') {
            b.setLength(b.length() - 1);
        }
        String a = b.toString();
        return a.isEmpty() ? "*/*" : bound(a, MAX_ACCEPT);
    }

    /** Accepted compressions, sorted and comma-joined; empty when none. */
    static String codings(HttpHeaders headers) {
        TreeSet<String> accepted = new TreeSet<>();
        for (String v : headers.getAll(HttpHeaderNames.ACCEPT_ENCODING)) {
            for (String part : v.split(",")) {
                String[] pieces = part.split(";");
                String coding = pieces[0].trim().toLowerCase(Locale.ROOT);
                if (coding.isEmpty() || qualityIsZero(pieces)) {
                    continue;
                }
                if (coding.equals("*")) {
                    accepted.addAll(CODINGS);
                } else if (coding.equals("x-gzip")) {
                    accepted.add("gzip");
                } else if (CODINGS.contains(coding)) {
                    accepted.add(coding);
                }
            }
        }
        return String.join(",", accepted);
    }

    private static boolean qualityIsZero(String[] pieces) {
        for (int i = 1; i < pieces.length; i++) {
            String p = pieces[i].trim().toLowerCase(Locale.ROOT);
            if (p.startsWith("q=")) {
                try {
                    return Double.parseDouble(p.substring(2).trim()) <= 0;
                } catch (NumberFormatException e) {
                    return false;
                }
            }
        }
        return false;
    }

    private static String keyHeaders(HttpHeaders headers) {
        MessageDigest sha = null;
        for (String name : KEY_HEADERS) {
            List<String> values = headers.getAll(name);
            for (String v : values) {
                String value = v.trim();
                if (value.isEmpty()) {
                    continue;
                }
                if (sha == null) {
                    sha = sha256();
                }
                sha.update((name + "=" + value + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        return sha == null ? null : hex(sha.digest()).substring(0, 32);
    }

    /** {@code s} itself when short enough, else its start, {@code #} and its SHA-256. */
    static String bound(String s, int max) {
        return s.length() <= max ? s : shortened(s, max - 65);
    }

    private static String shortened(String s, int keep) {
        return s.substring(0, Math.max(0, keep)) + "#" + hex(sha256().digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static String validateMethod(String method) {
        Objects.requireNonNull(method, "method");
        if (method.isEmpty() || method.length() > MAX_METHOD) {
            throw new IllegalArgumentException("method must be 1 to " + MAX_METHOD + " characters: " + method);
        }
        for (int i = 0; i < method.length(); i++) {
            char c = method.charAt(i);
            boolean tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!tchar) {
                throw new IllegalArgumentException("not an HTTP method: " + method);
            }
        }
        return method;
    }

    private static String validatePrefix(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        if (prefix.isEmpty() || prefix.length() > MAX_PREFIX) {
            throw new IllegalArgumentException("cache key prefix must be 1 to " + MAX_PREFIX
                    + " characters, got '" + prefix + "'");
        }
        for (int i = 0; i < prefix.length(); i++) {
            char c = prefix.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw new IllegalArgumentException("cache key prefix must be visible ASCII without spaces, got '"
                        + prefix + "'");
            }
        }
        return prefix;
    }

    /** A fresh SHA-256; cloned from a prototype, which is cheaper than a provider lookup per call. */
    static MessageDigest sha256() {
        try {
            return (MessageDigest) SHA256_PROTOTYPE.clone();
        } catch (CloneNotSupportedException e) {
            return newSha256();
        }
    }

    private static final MessageDigest SHA256_PROTOTYPE = newSha256();

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    static String hex(byte[] bytes) {
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = hexDigit((bytes[i] >> 4) & 0xf);
            out[2 * i + 1] = hexDigit(bytes[i] & 0xf);
        }
        return new String(out);
    }

    private static char hexDigit(int v) {
        return (char) (v < 10 ? '0' + v : 'a' + v - 10);
    }
}
