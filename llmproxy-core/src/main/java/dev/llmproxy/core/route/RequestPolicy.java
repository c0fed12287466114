package dev.llmproxy.core.route;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import dev.llmproxy.core.ProxyError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Decides, before anything goes upstream, whether a {@code /v1/*} request may pass: the provider's
 * method and endpoint allowlists, Origin rules, the parameter whitelist, CORS and model aliases.
 * Built once from a {@link ProviderConfig}; immutable and thread-safe. Everything that can be
 * prepared (sets, glob matchers, header values) is prepared in the constructor, because the
 * checks run on the Netty event loop for every request.
 *
 * <h2>What a request goes through</h2>
 * The handler answers {@code OPTIONS} with {@link #preflight} and runs nothing else for it. Every
 * other request gets {@link #checkRequest} on its head, then {@link #checkBody} once the (bounded)
 * body is aggregated. Each returns null when the request may pass, else a {@link PolicyViolation}
 * to answer with. The first failing rule wins, in this order:
 * <ol>
 *   <li><b>Method</b> not in {@code allowed_methods} (case-insensitive) →
 *       405 {@code method_not_allowed}; {@link #allowedMethodsHeader()} is the {@code Allow} header
 *       to send with it.</li>
 *   <li><b>Unsafe path</b> → 400 {@code bad_request}, whatever the allowlist says. A path with
 *       {@code .} or {@code ..} segments, {@code //}, backslashes, percent-encoded {@code /},
 *       {@code \}, {@code .} or {@code %}, control, space or non-ASCII characters is refused
 *       because an upstream (or anything between us and it) that normalises paths could resolve
 *       it to something the allowlist never approved, e.g. {@code /v1/models/../../admin}. It is a
 *       400, not a 404, because the path is malformed rather than merely unknown. See
 *       {@link #isSafePath}.</li>
 *   <li><b>Endpoint</b> not under an {@code allowed_endpoints} prefix → 404
 *       {@code endpoint_not_found}. A prefix matches only at a path-segment boundary:
 *       {@code /v1/models} admits {@code /v1/models} and {@code /v1/models/gpt-4o} but not
 *       {@code /v1/modelsXYZ} (the original matched any string prefix).</li>
 *   <li><b>Origin</b>: {@code required_headers} lists {@code origin} and there is none → 400
 *       {@code origin_required}; an Origin is present, {@code allowed_origins} is not empty and
 *       does not list it exactly → 403 {@code origin_not_allowed}.</li>
 *   <li><b>Other required headers</b> (any name in {@code required_headers} besides origin)
 *       missing → 400 {@code bad_request} naming the header.</li>
 *   <li><b>Parameter whitelist</b> (body), see {@link #checkBody}.</li>
 * </ol>
 *
 * <h2>CORS</h2>
 * Only origins the policy allows get CORS headers: with {@code allowed_origins} set that is the
 * listed ones, with it empty every origin (no credentials are ever allowed, and the proxy's auth
 * is a bearer token, so echoing an origin exposes no cookie-bound data). A preflight from an
 * origin that is not allowed gets 403, where the original answered {@code *} to anyone.
 */
public final class RequestPolicy {

    /** Response headers a browser script may read; sent on every CORS response. */
    public static final String EXPOSE_HEADERS = "X-Request-ID, X-LLM-Proxy-Overhead-Us, X-PROXY-CACHE, "
            + "Cache-Status, x-ratelimit-limit-requests, x-ratelimit-remaining-requests, "
            + "x-ratelimit-reset-requests, Retry-After";

    /** {@code Access-Control-Allow-Headers} of a preflight that names no headers. */
    public static final String DEFAULT_ALLOW_HEADERS = "Authorization, Content-Type, X-Requested-With";

    /** Seconds a browser may cache a preflight answer. */
    public static final String PREFLIGHT_MAX_AGE = "86400";

    /** Deepest nesting of JSON objects and arrays accepted in a body that {@link #checkBody} parses. */
    public static final int MAX_JSON_NESTING_DEPTH = 64;

    /** Longest piece of client input quoted back in an error message. */
    private static final int MAX_QUOTED = 100;

    private static final List<String> METHOD_ORDER = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE");

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_JSON_NESTING_DEPTH)
                    .build())
            // Field names come from clients: interning them would grow the JVM string table.
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();

    private static final PolicyViolation UNSAFE_PATH = new PolicyViolation(ProxyError.BAD_REQUEST,
            "Invalid request path: '.' and '..' segments, empty segments ('//'), backslashes, encoded '/', '\\', '.'"
                    + " or '%', and spaces, control or non-ASCII characters are not allowed");
    private static final PolicyViolation ORIGIN_REQUIRED = new PolicyViolation(ProxyError.ORIGIN_REQUIRED,
            "Origin header required");
    private static final PolicyViolation NOT_AN_OBJECT = new PolicyViolation(ProxyError.BAD_REQUEST,
            "Request body must be a JSON object");
    private static final PolicyViolation TOO_DEEP = new PolicyViolation(ProxyError.BAD_REQUEST,
            "Request body is not accepted: JSON nested more than " + MAX_JSON_NESTING_DEPTH + " levels deep");

    /** RFC 3986 {@code pchar} minus {@code %} (checked separately): what a clean path is made of. */
    private static final boolean[] PATH_CHARS = new boolean[128];

    static {
        for (char c = 'a'; c <= 'z'; c++) {
            PATH_CHARS[c] = true;
        }
        for (char c = 'A'; c <= 'Z'; c++) {
            PATH_CHARS[c] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            PATH_CHARS[c] = true;
        }
        for (char c : "-._~!$&'()*+,;=:@/".toCharArray()) {
            PATH_CHARS[c] = true;
        }
    }

    private final ProviderConfig config;
    private final Set<String> methods;
    private final String allowedMethodsHeader;
    private final String methodNotAllowedSuffix;
    private final String[] endpoints;
    private final Set<String> origins;
    private final boolean originRequired;
    private final String[] otherRequiredHeaders;
    private final Map<String, ParamRule> params;
    private final Map<String, String> aliases;

    /**
     * Prepares the policy of {@code config}.
     *
     * @throws IllegalArgumentException when an endpoint is not a clean absolute path or a
     *                                  whitelist pattern is malformed (the loader reports these
     *                                  with file and key; this guards hand-built configs)
     */
    public RequestPolicy(ProviderConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.methods = config.allowedMethods();
        this.allowedMethodsHeader = allowedMethodsHeader(config.allowedMethods());
        this.methodNotAllowedSuffix = " is not allowed; allowed methods: " + allowedMethodsHeader;
        List<String> prefixes = new ArrayList<>();
        for (String e : config.allowedEndpoints()) {
            String prefix = e;
            while (prefix.length() > 1 && prefix.endsWith("/")) {
                prefix = prefix.substring(0, prefix.length() - 1);
            }
            if (!isSafePath(prefix)) {
                throw new IllegalArgumentException("provider '" + config.name() + "': allowed endpoint '" + e
                        + "' must be a clean absolute path such as /v1/chat/completions");
            }
            prefixes.add(prefix);
        }
        this.endpoints = prefixes.toArray(new String[0]);
        this.origins = Set.copyOf(config.allowedOrigins());
        this.originRequired = config.requiredHeaders().contains("origin");
        this.otherRequiredHeaders = config.requiredHeaders().stream()
                .filter(h -> !h.equals("origin")).sorted().toArray(String[]::new);
        this.aliases = config.modelAliases();
        Map<String, ParamRule> rules = new HashMap<>();
        for (Map.Entry<String, List<String>> e : config.paramWhitelist().entrySet()) {
            List<Glob> globs = new ArrayList<>();
            for (String pattern : e.getValue()) {
                try {
                    globs.add(Glob.compile(pattern));
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException("provider '" + config.name() + "': param_whitelist."
                            + e.getKey() + ": " + ex.getMessage(), ex);
                }
            }
            rules.put(e.getKey(), new ParamRule(e.getKey(), globs.toArray(new Glob[0]),
                    "[" + String.join(" ", e.getValue()) + "]", e.getKey().equals("model") ? aliases : Map.of()));
        }
        this.params = Map.copyOf(rules);
    }

    /** The configuration this policy enforces. */
    public ProviderConfig config() {
        return config;
    }

    /**
     * Checks the request head. {@code OPTIONS} requests go to {@link #preflight} instead.
     *
     * @param method  request method as received
     * @param path    raw request path, still percent-encoded, without the query string
     * @param headers request headers
     * @return null when the request may go on, else why not
     */
    public PolicyViolation checkRequest(String method, String path, HttpHeaders headers) {
        Objects.requireNonNull(method, "method");
        if (!methods.isEmpty() && !methods.contains(method)
                && !methods.contains(method.toUpperCase(Locale.ROOT))) {
            return new PolicyViolation(ProxyError.METHOD_NOT_ALLOWED,
                    "Method " + quote(method) + methodNotAllowedSuffix);
        }
        if (!isSafePath(path)) {
            return UNSAFE_PATH;
        }
        if (endpoints.length > 0 && !endpointAllowed(path)) {
            return new PolicyViolation(ProxyError.ENDPOINT_NOT_FOUND, "Endpoint not found: " + quote(path));
        }
        String origin = headers == null ? null : headers.get(HttpHeaderNames.ORIGIN);
        if (origin == null) {
            if (originRequired) {
                return ORIGIN_REQUIRED;
            }
        } else if (!origins.isEmpty() && !origins.contains(origin)) {
            return new PolicyViolation(ProxyError.ORIGIN_NOT_ALLOWED, "Origin " + quote(origin) + " is not allowed");
        }
        for (String name : otherRequiredHeaders) {
            if (headers == null || !headers.contains(name)) {
                return new PolicyViolation(ProxyError.BAD_REQUEST, "Header '" + name + "' is required");
            }
        }
        return null;
    }

    private boolean endpointAllowed(String path) {
        for (String prefix : endpoints) {
            if (prefix.length() == 1) {
                return true; // "/" admits every path
            }
            if (path.startsWith(prefix)
                    && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/')) {
                return true;
            }
        }
        return false;
    }

    /**
     * Checks a request body against {@code param_whitelist}.
     *
     * <p>It applies when a whitelist is configured, the body is not empty, and the content type is
     * JSON: {@code application/json} or {@code application/*+json}, with or without parameters
     * such as {@code ; charset=utf-8}, or no {@code Content-Type} at all (many upstreams parse an
     * undeclared body as JSON, so skipping it would let a client bypass the whitelist by leaving
     * the header out). Bodies declared as another type, e.g. multipart uploads, are not inspected.
     * Every method is checked alike; {@code method} does not change the outcome.
     *
     * <p>The body must then be exactly one JSON object (else 400 {@code bad_request}). For each
     * whitelisted top-level key present, its value must match one of the key's glob patterns, else
     * 400 {@code param_not_allowed} with
     * {@code Parameter 'model' value 'gpt-3' is not allowed. Allowed patterns: [gpt-4o gpt-4o-*]}.
     * Strings are matched as they are; numbers, booleans and null by their JSON text ({@code 0.7},
     * {@code true}); an object or array value is refused. For {@code model}, the value matched is
     * the one sent upstream, i.e. after {@link #resolveModelAlias}. A key that appears more than
     * once is checked every time, since upstream parsers disagree on which duplicate wins. JSON
     * nested deeper than {@value #MAX_JSON_NESTING_DEPTH} levels is refused, as is malformed JSON,
     * with a message that says why.
     *
     * <p>The body is read through a duplicate: its reader index is not moved and its reference
     * count is not touched.
     *
     * @return null when the body may go on, else why not
     */
    public PolicyViolation checkBody(String method, CharSequence contentType, ByteBuf body) {
        if (params.isEmpty() || body == null || !body.isReadable() || !isJsonOrUndeclared(contentType)) {
            return null;
        }
        try (JsonParser parser = open(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return NOT_AN_OBJECT;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                ParamRule rule = params.get(parser.currentName());
                JsonToken value = parser.nextToken();
                if (rule == null) {
                    parser.skipChildren();
                    continue;
                }
                PolicyViolation violation = rule.check(parser, value);
                if (violation != null) {
                    return violation;
                }
            }
            // The loop ends on the object's closing brace; a second JSON value after it is not one object.
            if (parser.nextToken() != null) {
                return NOT_AN_OBJECT;
            }
            return null;
        } catch (StreamConstraintsException e) {
            String message = e.getOriginalMessage();
            if (message != null && message.contains("nesting depth")) {
                return TOO_DEEP;
            }
            return new PolicyViolation(ProxyError.BAD_REQUEST,
                    "Request body is not accepted: a JSON value exceeds a size limit");
        } catch (JsonProcessingException e) {
            return new PolicyViolation(ProxyError.BAD_REQUEST, "Request body is not valid JSON: " + reason(e));
        } catch (IOException e) {
            // Reading a ByteBuf does no I/O; this is only reachable through a decoder fault.
            return new PolicyViolation(ProxyError.BAD_REQUEST, "Request body could not be read as JSON");
        }
    }

    private static JsonParser open(ByteBuf body) throws IOException {
        if (body.hasArray()) {
            return JSON.createParser(body.array(), body.arrayOffset() + body.readerIndex(), body.readableBytes());
        }
        // A duplicate has its own indexes, so the caller's buffer is left exactly as it was.
        return JSON.createParser((InputStream) new ByteBufInputStream(body.duplicate()));
    }

    /** Jackson's reason without the location and source excerpt it appends. */
    private static String reason(JsonProcessingException e) {
        String message = e.getOriginalMessage() == null ? "malformed input" : e.getOriginalMessage();
        for (String cut : new String[] {"\n", " (start marker at", " at [Source"}) {
            int i = message.indexOf(cut);
            if (i >= 0) {
                message = message.substring(0, i);
            }
        }
        return abbreviate(message.strip(), 200);
    }

    private static boolean isJsonOrUndeclared(CharSequence contentType) {
        if (contentType == null) {
            return true;
        }
        int end = contentType.length();
        for (int i = 0; i < end; i++) {
            if (contentType.charAt(i) == ';') {
                end = i;
                break;
            }
        }
        int start = 0;
        while (start < end && isSpace(contentType.charAt(start))) {
            start++;
        }
        while (end > start && isSpace(contentType.charAt(end - 1))) {
            end--;
        }
        int length = end - start;
        if (length == 0) {
            return true;
        }
        if (length == "application/json".length()
                && AsciiString.regionMatches(contentType, true, start, "application/json", 0, length)) {
            return true;
        }
        // Structured syntax suffix (RFC 6839): application/vnd.example+json is JSON too.
        return length > "application/+json".length()
                && AsciiString.regionMatches(contentType, true, start, "application/", 0, "application/".length())
                && AsciiString.regionMatches(contentType, true, end - 5, "+json", 0, 5);
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }

    /** Whether {@code origin} may receive CORS headers: listed in {@code allowed_origins}, or that list is empty. */
    public boolean isOriginAllowed(String origin) {
        return origin != null && (origins.isEmpty() || origins.contains(origin));
    }

    /**
     * Adds CORS headers to an actual (non-preflight) response, whether it came from upstream or
     * is an error of the proxy's own, so browser scripts can read it. Does nothing when
     * {@code origin} is null or not allowed. Sets {@code Access-Control-Allow-Origin: <origin>}
     * and {@code Access-Control-Expose-Headers: }{@value #EXPOSE_HEADERS} (replacing any the
     * upstream sent), and appends {@code Vary: Origin} unless a Vary already covers it.
     */
    public void applyCorsHeaders(String origin, HttpHeaders responseHeaders) {
        if (!isOriginAllowed(origin)) {
            return;
        }
        responseHeaders.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        responseHeaders.set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSE_HEADERS);
        if (!varyCoversOrigin(responseHeaders)) {
            responseHeaders.add(HttpHeaderNames.VARY, "Origin");
        }
    }

    private static boolean varyCoversOrigin(HttpHeaders headers) {
        for (String value : headers.getAll(HttpHeaderNames.VARY)) {
            for (String field : value.split(",")) {
                String f = field.strip();
                if (f.equals("*") || f.equalsIgnoreCase("origin")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Answers a CORS preflight ({@code OPTIONS}), before authentication and before the method
     * and endpoint checks (a browser sends no credentials on a preflight).
     * <ul>
     *   <li>no {@code Origin}: 204 without CORS headers;</li>
     *   <li>an origin that is not allowed: 403 {@code origin_not_allowed};</li>
     *   <li>an allowed origin: 204 with {@code Access-Control-Allow-Origin: <origin>},
     *       {@code Vary: Origin}, {@code Access-Control-Allow-Methods:} the allowed methods plus
     *       OPTIONS, {@code Access-Control-Allow-Headers:} the requested headers if any, else
     *       {@value #DEFAULT_ALLOW_HEADERS}, and {@code Access-Control-Max-Age: 86400}.</li>
     * </ul>
     */
    public PreflightResult preflight(HttpHeaders requestHeaders) {
        HttpHeaders headers = DefaultHttpHeadersFactory.headersFactory().newHeaders();
        String origin = requestHeaders == null ? null : requestHeaders.get(HttpHeaderNames.ORIGIN);
        if (origin == null) {
            return new PreflightResult(204, headers, null);
        }
        headers.set(HttpHeaderNames.VARY, "Origin");
        if (!isOriginAllowed(origin)) {
            PolicyViolation violation = new PolicyViolation(ProxyError.ORIGIN_NOT_ALLOWED,
                    "Origin " + quote(origin) + " is not allowed");
            return new PreflightResult(violation.status(), headers, violation);
        }
        headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, allowedMethodsHeader);
        String requested = requestHeaders.get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS);
        headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS,
                requested == null || requested.isBlank() ? DEFAULT_ALLOW_HEADERS : requested);
        headers.set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, PREFLIGHT_MAX_AGE);
        return new PreflightResult(204, headers, null);
    }

    /**
     * The methods this provider accepts, plus OPTIONS, as a header value such as
     * {@code GET, POST, OPTIONS}: the {@code Allow} header of a 405 and the
     * {@code Access-Control-Allow-Methods} of a preflight. With no method allowlist it lists
     * {@code GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS}.
     */
    public String allowedMethodsHeader() {
        return allowedMethodsHeader;
    }

    /** The model to request upstream for {@code model}: its {@code model_aliases} target, else {@code model} itself. */
    public String resolveModelAlias(String model) {
        if (model == null) {
            return null;
        }
        return aliases.getOrDefault(model, model);
    }

    /**
     * Whether a raw request path (percent-encoded, without the query) is safe to forward
     * unchanged: it starts with {@code /}; every character is one RFC 3986 allows in a path
     * (letters, digits, {@code -._~!$&'()*+,;=:@/} and {@code %XX}); it has no {@code .} or
     * {@code ..} segment (also not before a {@code ;} parameter, as in {@code /..;/}, which some
     * servers strip); no empty segment ({@code //}; a single trailing {@code /} is fine); and no
     * percent-encoded {@code /}, {@code \}, {@code .}, {@code %} (double encoding) or control
     * character. Those are exactly what a normalising server could turn into a different path.
     */
    public static boolean isSafePath(String rawPath) {
        if (rawPath == null || rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            return false;
        }
        int n = rawPath.length();
        int segmentStart = 1;
        for (int i = 1; i < n; i++) {
            char c = rawPath.charAt(i);
            if (c == '/') {
                if (i == segmentStart || isDotSegment(rawPath, segmentStart, i)) {
                    return false;
                }
                segmentStart = i + 1;
            } else if (c == '%') {
                if (i + 2 >= n) {
                    return false;
                }
                int hi = Character.digit(rawPath.charAt(i + 1), 16);
                int lo = Character.digit(rawPath.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return false;
                }
                int decoded = hi << 4 | lo;
                if (decoded < 0x20 || decoded == 0x7f || decoded == '/' || decoded == '\\' || decoded == '.'
                        || decoded == '%') {
                    return false;
                }
                i += 2;
            } else if (c >= 128 || !PATH_CHARS[c]) {
                return false;
            }
        }
        return !isDotSegment(rawPath, segmentStart, n);
    }

    /** Whether {@code path[from, to)}, up to any {@code ;} parameter, is {@code .} or {@code ..}. */
    private static boolean isDotSegment(String path, int from, int to) {
        int end = to;
        for (int i = from; i < to; i++) {
            if (path.charAt(i) == ';') {
                end = i;
                break;
            }
        }
        int length = end - from;
        return length == 1 && path.charAt(from) == '.'
                || length == 2 && path.charAt(from) == '.' && path.charAt(from + 1) == '.';
    }

    private static String allowedMethodsHeader(Set<String> methods) {
        List<String> ordered = new ArrayList<>(methods.isEmpty() ? METHOD_ORDER : methods);
        // The record keeps methods in a set; a fixed order keeps the header stable across restarts.
        ordered.sort(Comparator.comparingInt((String m) -> METHOD_ORDER.contains(m) ? METHOD_ORDER.indexOf(m)
                : METHOD_ORDER.size()).thenComparing(Comparator.naturalOrder()));
        // OPTIONS is always answered (it is the preflight), so it is always listed, last.
        ordered.remove("OPTIONS");
        ordered.add("OPTIONS");
        return String.join(", ", ordered);
    }

    private static String quote(String value) {
        return "'" + abbreviate(value, MAX_QUOTED) + "'";
    }

    private static String abbreviate(String value, int max) {
        return value.length() <= max ? value : value.substring(0, max) + "...";
    }

    /** The whitelist of one top-level key. */
    private static final class ParamRule {
        private final String key;
        private final Glob[] globs;
        private final String allowedText;
        private final Map<String, String> aliases;

        ParamRule(String key, Glob[] globs, String allowedText, Map<String, String> aliases) {
            this.key = key;
            this.globs = globs;
            this.allowedText = allowedText;
            this.aliases = aliases;
        }

        PolicyViolation check(JsonParser parser, JsonToken value) throws IOException {
            String text;
            switch (value) {
                case VALUE_STRING:
                case VALUE_NUMBER_INT:
                case VALUE_NUMBER_FLOAT:
                    text = parser.getText(); // a number's text as the client wrote it, e.g. 0.70
                    break;
                case VALUE_TRUE:
                case VALUE_FALSE:
                case VALUE_NULL:
                    text = value.asString();
                    break;
                default:
                    return new PolicyViolation(ProxyError.PARAM_NOT_ALLOWED, "Parameter '" + key
                            + "' must be a string, number or boolean. Allowed patterns: " + allowedText);
            }
            String target = aliases.getOrDefault(text, text);
            for (Glob glob : globs) {
                if (glob.matches(target)) {
                    return null;
                }
            }
            String shown = target.equals(text) ? quote(text) : quote(text) + " (alias of " + quote(target) + ")";
            return new PolicyViolation(ProxyError.PARAM_NOT_ALLOWED, "Parameter '" + key + "' value " + shown
                    + " is not allowed. Allowed patterns: " + allowedText);
        }
    }
}
