package dev.llmproxy.core.route;

import dev.llmproxy.core.ProxyError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RequestPolicyTest {

    private static final String JSON = "application/json";

    private static ProviderConfig config(List<String> endpoints, Set<String> methods, List<String> origins,
                                         Set<String> required) {
        return new ProviderConfig("openai", List.of(URI.create("https://api.openai.com")), endpoints, methods,
                ProviderConfig.Timeouts.DEFAULTS,
                Map.of("model", List.of("gpt-4o", "gpt-4o-*"),
                        "temperature", List.of("0", "0.[0-9]*", "1"),
                        "stream", List.of("true", "false"),
                        "logit_bias", List.of()),
                origins, required, Map.of("fast", "gpt-4o-mini", "old", "gpt-3.5-turbo"));
    }

    private final RequestPolicy policy = new RequestPolicy(config(
            List.of("/v1/chat/completions", "/v1/models", "/v1/embeddings"), Set.of("GET", "POST"),
            List.of("https://app.example.com", "http://localhost:4000"), Set.of()));

    private static HttpHeaders headers(String... namesAndValues) {
        HttpHeaders h = DefaultHttpHeadersFactory.headersFactory().newHeaders();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            h.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return h;
    }

    private PolicyViolation body(String contentType, String json) {
        return body(policy, contentType, json);
    }

    private static PolicyViolation body(RequestPolicy p, String contentType, String json) {
        ByteBuf buf = Unpooled.copiedBuffer(json, StandardCharsets.UTF_8);
        try {
            return p.checkBody("POST", contentType, buf);
        } finally {
            buf.release();
        }
    }

    // ---- method ----

    @Test
    void checkRequest_allowedRequest_returnsNull() {
        assertThat(policy.checkRequest("POST", "/v1/chat/completions", headers())).isNull();
    }

    @Test
    void checkRequest_methodNotAllowed_is405NamingTheAllowedMethods() {
        PolicyViolation v = policy.checkRequest("PUT", "/v1/chat/completions", headers());
        assertThat(v.error()).isEqualTo(ProxyError.METHOD_NOT_ALLOWED);
        assertThat(v.status()).isEqualTo(405);
        assertThat(v.message()).isEqualTo("Method 'PUT' is not allowed; allowed methods: GET, POST, OPTIONS");
        assertThat(policy.allowedMethodsHeader()).isEqualTo("GET, POST, OPTIONS");
    }

    @Test
    void checkRequest_lowerCaseMethod_matchesCaseInsensitively() {
        assertThat(policy.checkRequest("post", "/v1/chat/completions", headers())).isNull();
    }

    @Test
    void checkRequest_noMethodList_allowsEveryMethod() {
        RequestPolicy open = new RequestPolicy(config(List.of(), Set.of(), List.of(), Set.of()));
        assertThat(open.checkRequest("PATCH", "/anything", headers())).isNull();
        assertThat(open.allowedMethodsHeader()).isEqualTo("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
    }

    @Test
    void allowedMethodsHeader_isInAStableOrderWithOptionsLast() {
        RequestPolicy p = new RequestPolicy(config(List.of(), Set.of("OPTIONS", "PROPFIND", "DELETE", "GET", "COPY"),
                List.of(), Set.of()));
        assertThat(p.allowedMethodsHeader()).isEqualTo("GET, DELETE, COPY, PROPFIND, OPTIONS");
    }

    @Test
    void checkRequest_badMethodAndBadPath_reportsTheMethodFirst() {
        assertThat(policy.checkRequest("PUT", "/v1/../manage", headers()).error())
                .isEqualTo(ProxyError.METHOD_NOT_ALLOWED);
    }

    // ---- endpoints ----

    @ParameterizedTest
    @ValueSource(strings = {"/v1/models", "/v1/models/", "/v1/models/gpt-4o", "/v1/models/ft:gpt-4o:org:abc123",
            "/v1/chat/completions"})
    void checkRequest_pathUnderAnAllowedPrefix_isAllowed(String path) {
        assertThat(policy.checkRequest("GET", path, headers())).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/modelsXYZ", "/v1/models-old", "/v1/chat/completionsx", "/v1/chat", "/v1", "/",
            "/v1/files", "/V1/models"})
    void checkRequest_pathNotAtASegmentBoundaryOfAPrefix_is404(String path) {
        PolicyViolation v = policy.checkRequest("GET", path, headers());
        assertThat(v.error()).isEqualTo(ProxyError.ENDPOINT_NOT_FOUND);
        assertThat(v.status()).isEqualTo(404);
        assertThat(v.message()).isEqualTo("Endpoint not found: '" + path + "'");
    }

    @Test
    void checkRequest_endpointWithTrailingSlashInConfig_matchesLikeWithout() {
        RequestPolicy p = new RequestPolicy(config(List.of("/v1/models/"), Set.of(), List.of(), Set.of()));
        assertThat(p.checkRequest("GET", "/v1/models", headers())).isNull();
        assertThat(p.checkRequest("GET", "/v1/models/x", headers())).isNull();
        assertThat(p.checkRequest("GET", "/v1/modelsx", headers()).error()).isEqualTo(ProxyError.ENDPOINT_NOT_FOUND);
    }

    @Test
    void checkRequest_rootEndpoint_allowsEveryCleanPath() {
        RequestPolicy p = new RequestPolicy(config(List.of("/"), Set.of(), List.of(), Set.of()));
        assertThat(p.checkRequest("GET", "/whatever/here", headers())).isNull();
    }

    @Test
    void checkRequest_veryLongUnknownPath_isQuotedShortened() {
        String path = "/v1/" + "x".repeat(5000);
        String message = policy.checkRequest("GET", path, headers()).message();
        assertThat(message).hasSizeLessThan(200).endsWith("...'");
    }

    // ---- unsafe paths ----

    @ParameterizedTest
    @ValueSource(strings = {"/v1/../manage", "/v1/models/../../manage", "/v1/./models", "/v1/models/.",
            "/v1/models/..", "/v1//models", "//v1/models", "/v1/models%2f..%2fmanage", "/v1/models%2F..",
            "/v1/%2e%2e/manage", "/v1/%2E/models", "/v1/models%5c..", "/v1\\models", "/v1/models\u0000",
            "/v1/models\r\nX-Injected: 1", "/v1/mod els", "/v1/models%00", "/v1/models%0a", "/v1/%252e%252e/manage",
            "/v1/..;/manage", "/v1/.;x/models", "v1/models", "", "/v1/models%2", "/v1/models%zz", "/v1/caf\u00e9",
            "/v1/models?x=1", "/v1/models#frag", "/v1/{x}", "/v1/a|b"})
    void checkRequest_unsafePath_is400BeforeTheEndpointCheck(String path) {
        PolicyViolation v = policy.checkRequest("GET", path, headers());
        assertThat(v.error()).isEqualTo(ProxyError.BAD_REQUEST);
        assertThat(v.status()).isEqualTo(400);
        assertThat(v.message()).startsWith("Invalid request path: ");
        assertThat(RequestPolicy.isSafePath(path)).isFalse();
    }

    @Test
    void checkRequest_unsafePathWithoutEndpointList_isStillRefused() {
        RequestPolicy open = new RequestPolicy(config(List.of(), Set.of(), List.of(), Set.of()));
        assertThat(open.checkRequest("GET", "/v1/../manage", headers()).error()).isEqualTo(ProxyError.BAD_REQUEST);
    }

    @Test
    void checkRequest_nullPath_isRefusedAsUnsafe() {
        assertThat(policy.checkRequest("GET", null, headers()).error()).isEqualTo(ProxyError.BAD_REQUEST);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/v1/models/", "/v1/models/ft:gpt-4o:org:abc", "/v1/files/file-abc_123/content",
            "/v1/.well-known", "/v1/...", "/v1/a..b", "/v1/models/caf%C3%A9", "/v1/x%20y", "/v1/x;v=1",
            "/v1/~user/@a!$&'()*+,=", "/v1/%41"})
    void isSafePath_cleanPath_isTrue(String path) {
        assertThat(RequestPolicy.isSafePath(path)).isTrue();
    }

    // ---- origin and required headers ----

    @Test
    void checkRequest_listedOrigin_isAllowed() {
        assertThat(policy.checkRequest("POST", "/v1/models", headers("Origin", "https://app.example.com"))).isNull();
    }

    @Test
    void checkRequest_unlistedOrigin_is403() {
        PolicyViolation v = policy.checkRequest("POST", "/v1/models", headers("Origin", "https://evil.example"));
        assertThat(v.error()).isEqualTo(ProxyError.ORIGIN_NOT_ALLOWED);
        assertThat(v.status()).isEqualTo(403);
        assertThat(v.message()).isEqualTo("Origin 'https://evil.example' is not allowed");
    }

    @Test
    void checkRequest_originDifferingOnlyByTrailingSlash_isNotListed() {
        assertThat(policy.checkRequest("GET", "/v1/models", headers("Origin", "https://app.example.com/")).error())
                .isEqualTo(ProxyError.ORIGIN_NOT_ALLOWED);
    }

    @Test
    void checkRequest_noOriginWhenNotRequired_isAllowed() {
        assertThat(policy.checkRequest("GET", "/v1/models", headers())).isNull();
        assertThat(policy.checkRequest("GET", "/v1/models", null)).isNull();
    }

    @Test
    void checkRequest_requiredOriginMissing_is400OriginRequired() {
        RequestPolicy p = new RequestPolicy(config(List.of(), Set.of(), List.of("https://app.example.com"),
                Set.of("Origin")));
        PolicyViolation v = p.checkRequest("POST", "/v1/chat/completions", headers());
        assertThat(v.error()).isEqualTo(ProxyError.ORIGIN_REQUIRED);
        assertThat(v.status()).isEqualTo(400);
        assertThat(v.message()).isEqualTo("Origin header required");
        assertThat(p.checkRequest("POST", "/v1/chat/completions", headers("origin", "https://app.example.com")))
                .isNull();
    }

    @Test
    void checkRequest_noOriginList_allowsAnyOrigin() {
        RequestPolicy p = new RequestPolicy(config(List.of(), Set.of(), List.of(), Set.of()));
        assertThat(p.checkRequest("GET", "/v1/models", headers("Origin", "https://anyone.example"))).isNull();
    }

    @Test
    void checkRequest_otherRequiredHeaderMissing_is400NamingIt() {
        RequestPolicy p = new RequestPolicy(config(List.of(), Set.of(), List.of(), Set.of("X-Team")));
        PolicyViolation v = p.checkRequest("GET", "/v1/models", headers());
        assertThat(v.error()).isEqualTo(ProxyError.BAD_REQUEST);
        assertThat(v.message()).isEqualTo("Header 'x-team' is required");
        assertThat(p.checkRequest("GET", "/v1/models", headers("x-team", "search"))).isNull();
    }

    // ---- param whitelist ----

    @Test
    void checkBody_allowedValues_returnsNull() {
        assertThat(body(JSON, "{\"model\":\"gpt-4o-mini\",\"temperature\":0.7,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).isNull();
    }

    @Test
    void checkBody_valueMatchingNoPattern_is400ParamNotAllowed() {
        PolicyViolation v = body(JSON, "{\"model\":\"gpt-3\"}");
        assertThat(v.error()).isEqualTo(ProxyError.PARAM_NOT_ALLOWED);
        assertThat(v.status()).isEqualTo(400);
        assertThat(v.message()).isEqualTo("Parameter 'model' value 'gpt-3' is not allowed. Allowed patterns: [gpt-4o gpt-4o-*]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json; charset=utf-8", "application/json;charset=UTF-8", "Application/JSON",
            " application/json ", "application/vnd.openai+json"})
    void checkBody_jsonContentTypeWithParametersOrSuffix_isChecked(String contentType) {
        assertThat(body(contentType, "{\"model\":\"gpt-3\"}").error()).isEqualTo(ProxyError.PARAM_NOT_ALLOWED);
    }

    @Test
    void checkBody_noContentType_isCheckedAsJson() {
        assertThat(body(null, "{\"model\":\"gpt-3\"}").error()).isEqualTo(ProxyError.PARAM_NOT_ALLOWED);
        assertThat(body("", "{\"model\":\"gpt-3\"}").error()).isEqualTo(ProxyError.PARAM_NOT_ALLOWED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"multipart/form-data; boundary=x", "text/plain", "application/octet-stream",
            "application/jsonx", "application/x-ndjson"})
    void checkBody_otherContentType_isNotInspected(String contentType) {
        assertThat(body(contentType, "{\"model\":\"gpt-3\"}")).isNull();
    }

    @Test
    void checkBody_numbersBooleansAndNull_matchTheirJsonText() {
        assertThat(body(JSON, "{\"temperature\":0}")).isNull();
        assertThat(body(JSON, "{\"temperature\":0.70}")).isNull();
        assertThat(body(JSON, "{\"stream\":false}")).isNull();
        assertThat(body(JSON, "{\"temperature\":2}").message())
                .isEqualTo("Parameter 'temperature' value '2' is not allowed. Allowed patterns: [0 0.[0-9]* 1]");
        assertThat(body(JSON, "{\"temperature\":1e0}").message()).contains("value '1e0'");
        assertThat(body(JSON, "{\"stream\":\"yes\"}").message()).contains("value 'yes'");
        assertThat(body(JSON, "{\"model\":null}").message()).contains("value 'null'");
    }

    @Test
    void checkBody_objectOrArrayValue_isRefused() {
        PolicyViolation v = body(JSON, "{\"model\":{\"name\":\"gpt-4o\"}}");
        assertThat(v.error()).isEqualTo(ProxyError.PARAM_NOT_ALLOWED);
        assertThat(v.message())
                .isEqualTo("Parameter 'model' must be a string, number or boolean. Allowed patterns: [gpt-4o gpt-4o-*]");
        assertThat(body(JSON, "{\"model\":[\"gpt-4o\"]}").error()).isEqualTo(ProxyError.PARAM_NOT_ALLOWED);
    }

    @Test
    void checkBody_emptyPatternList_forbidsTheKey() {
        assertThat(body(JSON, "{\"logit_bias\":1}").message())
                .isEqualTo("Parameter 'logit_bias' value '1' is not allowed. Allowed patterns: []");
    }

    @Test
    void checkBody_duplicateKey_checksEveryOccurrence() {
        assertThat(body(JSON, "{\"model\":\"gpt-4o\",\"model\":\"gpt-3\"}").message()).contains("value 'gpt-3'");
    }

    @Test
    void checkBody_nestedKeyWithAWhitelistedName_isNotChecked() {
        assertThat(body(JSON, "{\"model\":\"gpt-4o\",\"metadata\":{\"model\":\"anything\"}}")).isNull();
    }

    @Test
    void checkBody_modelAlias_isCheckedAsTheModelItStandsFor() {
        assertThat(body(JSON, "{\"model\":\"fast\"}")).isNull();
        assertThat(body(JSON, "{\"model\":\"old\"}").message()).isEqualTo("Parameter 'model' value 'old' "
                + "(alias of 'gpt-3.5-turbo') is not allowed. Allowed patterns: [gpt-4o gpt-4o-*]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[{\"model\":\"gpt-3\"}]", "\"gpt-3\"", "42", "null", "  ", "{} {\"model\":\"gpt-3\"}"})
    void checkBody_bodyThatIsNotOneJsonObject_is400(String json) {
        PolicyViolation v = body(JSON, json);
        assertThat(v.error()).isEqualTo(ProxyError.BAD_REQUEST);
        assertThat(v.message()).isEqualTo("Request body must be a JSON object");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"model\": ", "{\"model\" \"gpt-4o\"}", "{model: 1}", "{\"a\":1}x", "{\"a\":tru}"})
    void checkBody_malformedJson_is400WithAShortReason(String json) {
        PolicyViolation v = body(JSON, json);
        assertThat(v.error()).isEqualTo(ProxyError.BAD_REQUEST);
        assertThat(v.message()).startsWith("Request body is not valid JSON: ")
                .doesNotContain("\n").doesNotContain("Source").doesNotContain("Exception").hasSizeLessThan(260);
    }

    @Test
    void checkBody_deeplyNestedJson_is400WithoutCrashing() {
        String deep = "{\"messages\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        PolicyViolation v = body(JSON, deep);
        assertThat(v.error()).isEqualTo(ProxyError.BAD_REQUEST);
        assertThat(v.message()).isEqualTo("Request body is not accepted: JSON nested more than 64 levels deep");
    }

    @Test
    void checkBody_nestingWithinTheLimit_isAccepted() {
        String nested = "{\"model\":\"gpt-4o\",\"tools\":" + "[".repeat(60) + "]".repeat(60) + "}";
        assertThat(body(JSON, nested)).isNull();
    }

    @Test
    void checkBody_largeBody_isParsedFully() {
        String big = "{\"messages\":[" + "{\"role\":\"user\",\"content\":\"hello\"},".repeat(20_000)
                + "{}],\"model\":\"gpt-3\"}";
        assertThat(body(JSON, big).error()).isEqualTo(ProxyError.PARAM_NOT_ALLOWED);
    }

    @Test
    void checkBody_nonAsciiValue_isMatchedAsText() {
        assertThat(body(JSON, "{\"model\":\"gpt-4o-caf\u00e9\"}")).isNull();
    }

    @Test
    void checkBody_doesNotMoveTheReaderIndexOrReleaseTheBuffer() {
        byte[] json = "{\"model\":\"gpt-3\"}".getBytes(StandardCharsets.UTF_8);
        ByteBuf heap = Unpooled.buffer().writeBytes("xx".getBytes(StandardCharsets.UTF_8)).writeBytes(json);
        heap.readerIndex(2);
        ByteBuf direct = Unpooled.directBuffer().writeBytes(json);
        CompositeByteBuf composite = Unpooled.compositeBuffer()
                .addComponent(true, Unpooled.copiedBuffer(json, 0, 5))
                .addComponent(true, Unpooled.copiedBuffer(json, 5, json.length - 5));
        try {
            for (ByteBuf buf : List.of(heap, direct, composite)) {
                int readerIndex = buf.readerIndex();
                assertThat(policy.checkBody("POST", JSON, buf).error()).isEqualTo(ProxyError.PARAM_NOT_ALLOWED);
                assertThat(buf.readerIndex()).isEqualTo(readerIndex);
                assertThat(buf.refCnt()).isEqualTo(1);
            }
        } finally {
            heap.release();
            direct.release();
            composite.release();
        }
    }

    @Test
    void checkBody_emptyBodyOrNoWhitelist_isNotInspected() {
        assertThat(body(JSON, "")).isNull();
        assertThat(policy.checkBody("POST", JSON, null)).isNull();
        RequestPolicy noWhitelist = new RequestPolicy(ProviderConfig.openAi(URI.create("https://api.openai.com")));
        assertThat(body(noWhitelist, JSON, "not json at all")).isNull();
    }

    @Test
    void checkBody_anyMethodWithABody_isChecked() {
        ByteBuf buf = Unpooled.copiedBuffer("{\"model\":\"gpt-3\"}", StandardCharsets.UTF_8);
        try {
            assertThat(policy.checkBody("PUT", JSON, buf).error()).isEqualTo(ProxyError.PARAM_NOT_ALLOWED);
        } finally {
            buf.release();
        }
    }

    // ---- CORS ----

    @Test
    void isOriginAllowed_followsAllowedOrigins() {
        assertThat(policy.isOriginAllowed("https://app.example.com")).isTrue();
        assertThat(policy.isOriginAllowed("https://evil.example")).isFalse();
        assertThat(policy.isOriginAllowed(null)).isFalse();
    }

    @Test
    void applyCorsHeaders_allowedOrigin_setsOriginExposeAndVary() {
        HttpHeaders response = headers("Vary", "Accept-Encoding", "Access-Control-Allow-Origin", "*");
        policy.applyCorsHeaders("https://app.example.com", response);

        assertThat(response.getAll(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN)).containsExactly("https://app.example.com");
        assertThat(response.get(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS)).isEqualTo("X-Request-ID, "
                + "X-LLM-Proxy-Overhead-Us, X-PROXY-CACHE, Cache-Status, x-ratelimit-limit-requests, "
                + "x-ratelimit-remaining-requests, x-ratelimit-reset-requests, Retry-After");
        assertThat(response.getAll(HttpHeaderNames.VARY)).containsExactly("Accept-Encoding", "Origin");
        assertThat(response.contains(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS)).isFalse();
    }

    @Test
    void applyCorsHeaders_varyAlreadyNamingOrigin_isNotRepeated() {
        HttpHeaders response = headers("Vary", "Accept-Encoding, origin");
        policy.applyCorsHeaders("https://app.example.com", response);
        assertThat(response.getAll(HttpHeaderNames.VARY)).containsExactly("Accept-Encoding, origin");
    }

    @Test
    void applyCorsHeaders_disallowedOrNoOrigin_addsNothing() {
        HttpHeaders response = headers();
        policy.applyCorsHeaders("https://evil.example", response);
        policy.applyCorsHeaders(null, response);
        assertThat(response.isEmpty()).isTrue();
    }

    @Test
    void applyCorsHeaders_noOriginList_echoesTheOrigin() {
        RequestPolicy open = new RequestPolicy(config(List.of(), Set.of(), List.of(), Set.of()));
        HttpHeaders response = headers();
        open.applyCorsHeaders("https://anyone.example", response);
        assertThat(response.get(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN)).isEqualTo("https://anyone.example");
    }

    @Test
    void preflight_allowedOrigin_is204WithCorsHeaders() {
        PreflightResult r = policy.preflight(headers("Origin", "http://localhost:4000",
                "Access-Control-Request-Method", "POST"));

        assertThat(r.status()).isEqualTo(204);
        assertThat(r.allowed()).isTrue();
        assertThat(r.violation()).isNull();
        HttpHeaders h = r.headers();
        assertThat(h.get(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN)).isEqualTo("http://localhost:4000");
        assertThat(h.get(HttpHeaderNames.VARY)).isEqualTo("Origin");
        assertThat(h.get(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS)).isEqualTo("GET, POST, OPTIONS");
        assertThat(h.get(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS))
                .isEqualTo("Authorization, Content-Type, X-Requested-With");
        assertThat(h.get(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE)).isEqualTo("86400");
        assertThat(h.contains(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS)).isFalse();
    }

    @Test
    void preflight_requestedHeaders_areEchoed() {
        PreflightResult r = policy.preflight(headers("Origin", "https://app.example.com",
                "Access-Control-Request-Headers", "authorization, content-type, openai-beta"));
        assertThat(r.headers().get(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS))
                .isEqualTo("authorization, content-type, openai-beta");
    }

    @Test
    void preflight_disallowedOrigin_is403WithoutCorsHeaders() {
        PreflightResult r = policy.preflight(headers("Origin", "https://evil.example"));

        assertThat(r.status()).isEqualTo(403);
        assertThat(r.allowed()).isFalse();
        assertThat(r.violation().error()).isEqualTo(ProxyError.ORIGIN_NOT_ALLOWED);
        assertThat(r.violation().message()).isEqualTo("Origin 'https://evil.example' is not allowed");
        assertThat(r.headers().contains(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN)).isFalse();
        assertThat(r.headers().contains(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS)).isFalse();
    }

    @Test
    void preflight_noOrigin_is204WithoutCorsHeaders() {
        PreflightResult r = policy.preflight(headers("Access-Control-Request-Method", "POST"));
        assertThat(r.status()).isEqualTo(204);
        assertThat(r.allowed()).isTrue();
        assertThat(r.headers().isEmpty()).isTrue();
    }

    @Test
    void preflight_resultHeaders_areMutableForTheHandler() {
        PreflightResult r = policy.preflight(headers());
        r.headers().set("X-Request-ID", "abc");
        assertThat(r.headers().get("X-Request-ID")).isEqualTo("abc");
    }

    // ---- aliases and construction ----

    @Test
    void resolveModelAlias_aliasOrIdentity() {
        assertThat(policy.resolveModelAlias("fast")).isEqualTo("gpt-4o-mini");
        assertThat(policy.resolveModelAlias("gpt-4o")).isEqualTo("gpt-4o");
        assertThat(policy.resolveModelAlias(null)).isNull();
    }

    @Test
    void constructor_unsafeEndpoint_fails() {
        assertThatThrownBy(() -> new RequestPolicy(config(List.of("/v1/../x"), Set.of(), List.of(), Set.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("provider 'openai': allowed endpoint '/v1/../x' must be a clean absolute path such as"
                        + " /v1/chat/completions");
    }

    @Test
    void constructor_malformedPattern_failsNamingTheKey() {
        ProviderConfig bad = new ProviderConfig("p", List.of(URI.create("http://a")), List.of(), Set.of(),
                ProviderConfig.Timeouts.DEFAULTS, Map.of("model", List.of("gpt-[4")), List.of(), Set.of(), Map.of());
        assertThatThrownBy(() -> new RequestPolicy(bad))
                .hasMessage("provider 'p': param_whitelist.model: invalid pattern 'gpt-[4': the character class"
                        + " opened at position 5 has no closing ']'");
    }

    @Test
    void config_isTheOneGiven() {
        ProviderConfig c = ProviderConfig.openAi(URI.create("https://api.openai.com"));
        assertThat(new RequestPolicy(c).config()).isSameAs(c);
    }
}
