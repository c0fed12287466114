package dev.llmproxy.core.cache;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CacheKeysTest {

    private static final String PROJECT = "3f2c1a9e-8b7d-4c6e-9f10-112233445566";
    private final CacheKeys keys = new CacheKeys(CacheKeys.DEFAULT_PREFIX);
    private final CacheScope project = CacheScope.project(PROJECT);

    private static HttpHeaders json() {
        return new DefaultHttpHeaders().set("Content-Type", "application/json").set("Accept", "application/json");
    }

    private CacheKey post(CacheScope scope, HttpHeaders headers, String body) {
        return keys.forRequest(scope, HttpMethod.valueOf("POST"), "/v1/chat/completions", headers, body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readableForm_matchesTheSpec() {
        CacheKey key = post(project, json(), "{\"model\":\"gpt-4o\"}");
        assertThat(key.toString()).matches("llmproxy:cache:" + PROJECT
                + ":POST:/v1/chat/completions:accept-application/json:body-[0-9a-f]{64}");
        assertThat(key.scope()).isEqualTo(project);
        CacheKey get = keys.forRequest(project, HttpMethod.valueOf("GET"), "/v1/models", new DefaultHttpHeaders(), (byte[]) null);
        assertThat(get.value()).isEqualTo("llmproxy:cache:" + PROJECT + ":GET:/v1/models:accept-*/*");
    }

    @Test
    void sameJsonInAnotherKeyOrderAndWhitespace_sameKey() {
        CacheKey a = post(project, json(),
                "{\"model\":\"gpt-4o\",\"temperature\":0.2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                        + "\"metadata\":{\"b\":1,\"a\":[1,2,{\"y\":null,\"x\":true}]}}");
        CacheKey b = post(project, json().set("Content-Type", "application/json; charset=utf-8"),
                "{\n  \"metadata\" : { \"a\" : [ 1, 2, { \"x\" : true, \"y\" : null } ], \"b\" : 1 },\n"
                        + "  \"messages\" : [ { \"content\" : \"\\u0068i\", \"role\" : \"user\" } ],\n"
                        + "  \"temperature\" : 0.20, \"model\" : \"gpt-4o\"\n}\n");
        assertThat(b).isEqualTo(a);
        assertThat(b.toString()).isEqualTo(a.toString());
    }

    @Test
    void anotherProject_orASharedScope_differentKey() {
        String body = "{\"model\":\"gpt-4o\"}";
        CacheKey mine = post(project, json(), body);
        CacheKey theirs = post(CacheScope.project("00000000-0000-0000-0000-000000000000"), json(), body);
        CacheKey shared = post(CacheScope.shared("public"), json(), body);
        assertThat(theirs).isNotEqualTo(mine);
        assertThat(shared).isNotEqualTo(mine);
        assertThat(shared.toString()).startsWith("llmproxy:cache:shared.public:POST:");
        assertThat(shared.scope().isShared()).isTrue();
        assertThat(mine.toString()).startsWith(keys.scopePrefix(project));
        assertThat(theirs.toString()).doesNotStartWith(keys.scopePrefix(project));
    }

    @Test
    void nestedDifference_arrayOrder_orNumberType_differentKey() {
        String base = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"user\",\"content\":\"b\"}]}";
        CacheKey k = post(project, json(), base);
        assertThat(post(project, json(), base.replace("\"b\"}", "\"c\"}"))).isNotEqualTo(k);
        assertThat(post(project, json(),
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"b\"},{\"role\":\"user\",\"content\":\"a\"}]}"))
                .isNotEqualTo(k);
        assertThat(post(project, json(), "{\"n\":1}")).isNotEqualTo(post(project, json(), "{\"n\":\"1\"}"));
        assertThat(post(project, json(), "{\"n\":{\"deep\":[1,{\"x\":1}]}}"))
                .isNotEqualTo(post(project, json(), "{\"n\":{\"deep\":[1,{\"x\":2}]}}"));
    }

    @Test
    void canonicalForm_sortsRecursively_andDropsWhitespace() {
        assertThat(CanonicalJson.canonical("{ \"b\": [ {\"d\":1, \"c\":2} ], \"a\": \"\\u00e9\" }".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("{\"a\":\"é\",\"b\":[{\"c\":2,\"d\":1}]}");
        assertThat(CanonicalJson.canonical("{\"x\":1e2,\"y\":100.0,\"z\":100}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("{\"x\":100.0,\"y\":100.0,\"z\":100}");
    }

    @Test
    void duplicateMembers_orMalformedJson_hashTheRawBytes() {
        // A parser keeping the first value and one keeping the last read these differently.
        assertThat(CanonicalJson.canonical("{\"a\":1,\"a\":2}".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(post(project, json(), "{\"a\":1,\"a\":2}")).isNotEqualTo(post(project, json(), "{\"a\":2}"));
        assertThat(post(project, json(), "{\"a\":1} trailing")).isNotEqualTo(post(project, json(), "{\"a\":1}"));
        assertThat(post(project, json(), "{\"a\":1} trailing")).isEqualTo(post(project, json(), "{\"a\":1} trailing"));
    }

    @Test
    void nonJsonBodies_hashBytesAndContentType() {
        HttpHeaders text = new DefaultHttpHeaders().set("Content-Type", "text/plain");
        assertThat(post(project, text, "{\"a\":1}")).isNotEqualTo(post(project, text, "{ \"a\":1}"));
        assertThat(post(project, text, "{\"a\":1}")).isNotEqualTo(post(project, json().remove("Accept"), "{\"a\":1}"));
        HttpHeaders form = new DefaultHttpHeaders().set("Content-Type", "multipart/form-data; boundary=x");
        assertThat(post(project, form, "abc")).isNotEqualTo(post(project, text, "abc"));
    }

    @Test
    void query_isSortedByName_keepingTheOrderOfRepeatedNames() {
        CacheKey a = keys.forRequest(project, HttpMethod.valueOf("GET"), "/v1/files?purpose=batch&limit=5&after=x", new DefaultHttpHeaders(), (byte[]) null);
        CacheKey b = keys.forRequest(project, HttpMethod.valueOf("GET"), "/v1/files?limit=5&after=x&purpose=batch", new DefaultHttpHeaders(), (byte[]) null);
        assertThat(a).isEqualTo(b);
        assertThat(a.toString()).contains(":GET:/v1/files?after=x&limit=5&purpose=batch:");
        assertThat(keys.forRequest(project, HttpMethod.valueOf("GET"), "/x?a=1&a=2", new DefaultHttpHeaders(), (byte[]) null))
                .isNotEqualTo(keys.forRequest(project, HttpMethod.valueOf("GET"), "/x?a=2&a=1", new DefaultHttpHeaders(), (byte[]) null));
        assertThat(keys.forRequest(project, HttpMethod.valueOf("GET"), "/x?#frag", new DefaultHttpHeaders(), (byte[]) null).toString())
                .endsWith(":GET:/x:accept-*/*");
    }

    @Test
    void acceptAndAcceptEncoding_areNormalisedAndPartOfTheKey() {
        HttpHeaders a = new DefaultHttpHeaders().set("Accept", "Application/JSON ").set("Accept-Encoding", "gzip, br;q=1.0, identity");
        HttpHeaders b = new DefaultHttpHeaders().set("Accept", "application/json").set("Accept-Encoding", "br,x-gzip,compress;q=0");
        CacheKey ka = keys.forRequest(project, HttpMethod.valueOf("GET"), "/v1/models", a, (byte[]) null);
        assertThat(keys.forRequest(project, HttpMethod.valueOf("GET"), "/v1/models", b, (byte[]) null)).isEqualTo(ka);
        assertThat(ka.toString()).endsWith(":GET:/v1/models:accept-application/json:enc-br,gzip");
        HttpHeaders plain = new DefaultHttpHeaders().set("Accept", "application/json");
        assertThat(keys.forRequest(project, HttpMethod.valueOf("GET"), "/v1/models", plain, (byte[]) null)).isNotEqualTo(ka);
        HttpHeaders zeroQ = new DefaultHttpHeaders().set("Accept", "application/json").set("Accept-Encoding", "gzip;q=0");
        assertThat(keys.forRequest(project, HttpMethod.valueOf("GET"), "/v1/models", zeroQ, (byte[]) null))
                .isEqualTo(keys.forRequest(project, HttpMethod.valueOf("GET"), "/v1/models", plain, (byte[]) null));
        HttpHeaders star = new DefaultHttpHeaders().set("Accept-Encoding", "*");
        assertThat(keys.forRequest(project, HttpMethod.valueOf("GET"), "/", star, (byte[]) null).toString()).endsWith(":enc-br,deflate,gzip,zstd");
        HttpHeaders sse = new DefaultHttpHeaders().set("Accept", "text/event-stream");
        assertThat(keys.forRequest(project, HttpMethod.valueOf("GET"), "/v1/models", sse, (byte[]) null)).isNotEqualTo(ka);
    }

    @Test
    void openAiHeadersThatChangeTheAnswer_arePartOfTheKey_asAHash() {
        HttpHeaders beta = json().set("OpenAI-Beta", "assistants=v2");
        CacheKey withBeta = post(project, beta, "{}");
        assertThat(withBeta).isNotEqualTo(post(project, json(), "{}"));
        assertThat(withBeta).isNotEqualTo(post(project, json().set("OpenAI-Beta", "assistants=v1"), "{}"));
        assertThat(withBeta.toString()).matches(".*:hdr-[0-9a-f]{32}:body-[0-9a-f]{64}").doesNotContain("assistants");
    }

    @Test
    void keyNeverContainsTheTokenOrOtherHeaders() {
        HttpHeaders h = json().set("Authorization", "Bearer sk-secret-token-value").set("Cookie", "session=abc")
                .set("X-Api-Key", "hunter2");
        CacheKey key = post(project, h, "{\"model\":\"m\"}");
        assertThat(key.toString()).doesNotContain("sk-secret").doesNotContain("session").doesNotContain("hunter2");
        assertThat(key).isEqualTo(post(project, json(), "{\"model\":\"m\"}"));
    }

    @Test
    void colonsInPathOrHeaders_cannotForgeAnotherKey() {
        // Fine-tuned model ids contain colons; the path keeps them, header values escape them.
        CacheKey ft = keys.forRequest(project, HttpMethod.valueOf("GET"), "/v1/models/ft:gpt-4o:org:x", new DefaultHttpHeaders(), (byte[]) null);
        assertThat(ft.toString()).contains(":GET:/v1/models/ft:gpt-4o:org:x:accept-*/*");
        CacheKey forged = keys.forRequest(project, HttpMethod.valueOf("GET"), "/v1/models",
                new DefaultHttpHeaders().set("Accept", "a:accept-b"), (byte[]) null);
        CacheKey other = keys.forRequest(project, HttpMethod.valueOf("GET"), "/v1/models:accept-a",
                new DefaultHttpHeaders().set("Accept", "b"), (byte[]) null);
        assertThat(forged).isNotEqualTo(other);
        assertThat(forged.toString()).contains("accept-a%3aaccept-b");
        assertThat(CacheScope.project("a:b").segment()).isEqualTo("a%3Ab");
        assertThat(CacheScope.project("shared.x").segment()).isNotEqualTo(CacheScope.shared("x").segment());
    }

    @Test
    void longParts_areShortenedWithAHash_soKeysStayBounded() {
        String longPath = "/v1/files?" + "q=" + "x".repeat(5000);
        String longAccept = "application/" + "y".repeat(500);
        byte[] body = ("{\"prompt\":\"" + "z".repeat(100_000) + "\"}").getBytes(StandardCharsets.UTF_8);
        CacheKey key = keys.forRequest(CacheScope.project("p".repeat(1000)), HttpMethod.valueOf("POST"), longPath,
                new DefaultHttpHeaders().set("Accept", longAccept).set("Accept-Encoding", "*").set("OpenAI-Beta", "v"), body);
        assertThat(key.toString().length()).isLessThan(700);
        CacheKey otherTail = keys.forRequest(CacheScope.project("p".repeat(1000)), HttpMethod.valueOf("POST"), longPath + "y",
                new DefaultHttpHeaders().set("Accept", longAccept).set("Accept-Encoding", "*").set("OpenAI-Beta", "v"), body);
        assertThat(otherTail).isNotEqualTo(key);
        assertThat(key.toString()).contains(":POST:/v1/files?q=xxx").contains("#");
    }

    @Test
    void nonAsciiTarget_isHashed_notEscapedInto_aCollidingForm() {
        CacheKey raw = keys.forRequest(project, HttpMethod.valueOf("GET"), "/v1/files/\u00e9", new DefaultHttpHeaders(), (byte[]) null);
        CacheKey encoded = keys.forRequest(project, HttpMethod.valueOf("GET"), "/v1/files/%E9", new DefaultHttpHeaders(), (byte[]) null);
        assertThat(raw).isNotEqualTo(encoded);
        assertThat(raw.toString()).contains(":GET:/v1/files/#");
    }

    @Test
    void byteBufBody_givesTheSameKey_andIsNotConsumed() {
        byte[] body = "{\"b\":1,\"a\":2}".getBytes(StandardCharsets.UTF_8);
        ByteBuf heap = Unpooled.wrappedBuffer(body);
        ByteBuf direct = Unpooled.directBuffer().writeBytes(body);
        try {
            CacheKey fromArray = keys.forRequest(project, HttpMethod.valueOf("POST"), "/v1/x", json(), body);
            assertThat(keys.forRequest(project, HttpMethod.valueOf("POST"), "/v1/x", json(), heap)).isEqualTo(fromArray);
            assertThat(keys.forRequest(project, HttpMethod.valueOf("POST"), "/v1/x", json(), direct)).isEqualTo(fromArray);
            assertThat(heap.readableBytes()).isEqualTo(body.length);
            assertThat(direct.readableBytes()).isEqualTo(body.length);
        } finally {
            heap.release();
            direct.release();
        }
    }

    @Test
    void qualify_acceptsKeysWithOrWithoutThePrefix() {
        assertThat(keys.qualify(PROJECT + ":")).isEqualTo("llmproxy:cache:" + PROJECT + ":");
        assertThat(keys.qualify("llmproxy:cache:" + PROJECT + ":")).isEqualTo("llmproxy:cache:" + PROJECT + ":");
    }

    @Test
    void badInput_isRefusedWithAClearMessage() {
        assertThatThrownBy(() -> new CacheKeys("")).hasMessageContaining("1 to 64");
        assertThatThrownBy(() -> new CacheKeys("has space:")).hasMessageContaining("visible ASCII");
        assertThatThrownBy(() -> keys.forRequest(project, new HttpMethod("X".repeat(17)), "/", new DefaultHttpHeaders(), (byte[]) null))
                .hasMessageContaining("method must be 1 to 16 characters");
        assertThatThrownBy(() -> CacheScope.project("")).isInstanceOf(IllegalArgumentException.class);
    }
}
