package dev.llmproxy.core.cache;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The memo of body hashes only skips work: keys are the same as computed afresh. */
class BodyHashMemoTest {

    private static HttpHeaders json() {
        return new DefaultHttpHeaders().set("Content-Type", "application/json");
    }

    private static String key(CacheKeys keys, HttpHeaders headers, byte[] body, int offset, int length) {
        return keys.forRequest(CacheScope.project("p1"), HttpMethod.POST, "/v1/chat/completions", headers, body, offset,
                length).toString();
    }

    @Test
    void aRememberedHashGivesTheSameKeyAsAFreshComputation() {
        byte[] body = "{\"b\":1, \"a\":[1,2]}".getBytes(StandardCharsets.UTF_8);
        CacheKeys keys = new CacheKeys(CacheKeys.DEFAULT_PREFIX);

        String first = key(keys, json(), body, 0, body.length);
        String second = key(keys, json(), body, 0, body.length); // from the memo
        String fresh = key(new CacheKeys(CacheKeys.DEFAULT_PREFIX), json(), body, 0, body.length);

        assertThat(second).isEqualTo(first).isEqualTo(fresh);
        // Canonical JSON still decides: other bytes, same document, same key.
        byte[] reordered = "{\"a\":[1,2],\"b\":1}".getBytes(StandardCharsets.UTF_8);
        assertThat(key(keys, json(), reordered, 0, reordered.length)).isEqualTo(first);
    }

    @Test
    void theMemoIsKeyedByBytesRangeAndContentType() {
        byte[] framed = "xx{\"a\":1}yy".getBytes(StandardCharsets.UTF_8);
        byte[] plain = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        CacheKeys keys = new CacheKeys(CacheKeys.DEFAULT_PREFIX);

        String json = key(keys, json(), framed, 2, plain.length);
        assertThat(key(keys, json(), plain, 0, plain.length)).isEqualTo(json);

        HttpHeaders text = new DefaultHttpHeaders().set("Content-Type", "text/plain");
        String asText = key(keys, text, plain, 0, plain.length);
        assertThat(asText).isNotEqualTo(json)
                .isEqualTo(key(new CacheKeys(CacheKeys.DEFAULT_PREFIX), text, plain, 0, plain.length));

        byte[] other = "{\"a\":2}".getBytes(StandardCharsets.UTF_8);
        assertThat(key(keys, json(), other, 0, other.length)).isNotEqualTo(json);
    }

    @Test
    void bodiesAboveTheMemoLimitAreHashedEveryTime() {
        String big = "{\"content\":\"" + "x".repeat(BodyHashMemo.MAX_BODY) + "\"}";
        byte[] body = big.getBytes(StandardCharsets.UTF_8);
        BodyHashMemo memo = new BodyHashMemo();
        memo.put("application/json", body, 0, body.length, "h");
        assertThat(memo.get("application/json", body, 0, body.length)).isNull();

        CacheKeys keys = new CacheKeys(CacheKeys.DEFAULT_PREFIX);
        assertThat(key(keys, json(), body, 0, body.length)).isEqualTo(key(keys, json(), body, 0, body.length));
    }
}
