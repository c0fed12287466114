package dev.llmproxy.core.cache;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CachedResponseTest {

    static final Instant NOW = Instant.parse("2025-01-02T03:04:05.123456789Z");

    static CachedResponse json(String body) {
        HttpHeaders h = new DefaultHttpHeaders().set("Content-Type", "application/json");
        return CachedResponse.of(200, h, body.getBytes(StandardCharsets.UTF_8), false, NOW, Duration.ofSeconds(60));
    }

    static byte[] sse() {
        return ("data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n"
                + "data: {\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\r\n\r\n"
                + ": keep-alive comment\n\n"
                + "data: [DONE]\n\n").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void of_dropsHopByHop_cookies_corsAndPerRequestHeaders_keepsTheRest() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Content-Type", "application/json")
                .add("Connection", "keep-alive, X-Hop")
                .add("X-Hop", "1")
                .add("Keep-Alive", "timeout=5")
                .add("Transfer-Encoding", "chunked")
                .add("Set-Cookie", "__cf_bm=abc; path=/")
                .add("Set-Cookie", "_cfuvid=def; path=/")
                .add("Date", "Thu, 02 Jan 2025 03:04:05 GMT")
                .add("Age", "7")
                .add("X-Request-ID", "req_1")
                .add("Access-Control-Allow-Origin", "https://first.example")
                .add("openai-processing-ms", "212")
                .add("X-Custom", "a")
                .add("X-Custom", "b");
        CachedResponse r = CachedResponse.of(200, h, new byte[]{1}, false, NOW, Duration.ofSeconds(60));
        assertThat(r.headers()).containsExactly(
                new CachedResponse.Header("Content-Type", "application/json"),
                new CachedResponse.Header("openai-processing-ms", "212"),
                new CachedResponse.Header("X-Custom", "a"),
                new CachedResponse.Header("X-Custom", "b"));
        assertThat(r.expiresAt()).isEqualTo(NOW.plusSeconds(60));
        assertThat(r.storedAt()).isEqualTo(NOW);
    }

    @Test
    void etag_isTheUpstreams_orAStrongHashOfTheBody_addedToHits() {
        CachedResponse computed = json("{\"a\":1}");
        assertThat(computed.etag()).matches("\"[A-Za-z0-9_-]{43}\"");
        assertThat(json("{\"a\":1}").etag()).isEqualTo(computed.etag());
        assertThat(json("{\"a\":2}").etag()).isNotEqualTo(computed.etag());
        HttpHeaders out = new DefaultHttpHeaders();
        computed.copyHeadersTo(out);
        assertThat(out.getAll("ETag")).containsExactly(computed.etag());

        HttpHeaders h = new DefaultHttpHeaders().set("ETag", "W/\"v1\"");
        CachedResponse upstream = CachedResponse.of(200, h, new byte[0], false, NOW, Duration.ofSeconds(1));
        assertThat(upstream.etag()).isEqualTo("W/\"v1\"");
        HttpHeaders out2 = new DefaultHttpHeaders();
        upstream.copyHeadersTo(out2);
        assertThat(out2.getAll("ETag")).containsExactly("W/\"v1\"");
    }

    @Test
    void notModified_carriesOnlyTheValidatorAndCachingHeaders() {
        HttpHeaders h = new DefaultHttpHeaders().add("Content-Type", "application/json").add("Content-Length", "7")
                .add("Cache-Control", "max-age=60").add("Vary", "Origin").add("Last-Modified", "Thu, 02 Jan 2025 03:00:00 GMT");
        CachedResponse r = CachedResponse.of(200, h, "{\"a\":1}".getBytes(StandardCharsets.UTF_8), false, NOW, Duration.ofSeconds(60));
        HttpHeaders out = new DefaultHttpHeaders();
        r.copyNotModifiedHeadersTo(out);
        assertThat(out.names()).containsExactlyInAnyOrder("Cache-Control", "Vary", "Last-Modified", "etag");
        assertThat(out.get("ETag")).isEqualTo(r.etag());
    }

    @Test
    void body_isNeverShared_withTheCaller() {
        byte[] body = "abc".getBytes(StandardCharsets.UTF_8);
        CachedResponse r = CachedResponse.of(200, new DefaultHttpHeaders(), body, false, NOW, Duration.ofSeconds(1));
        body[0] = 'X';
        byte[] copy = r.body();
        copy[1] = 'Y';
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("abc");
        ByteBuf content = r.content();
        try {
            assertThat(content.isReadOnly()).isTrue();
            assertThat(content.toString(StandardCharsets.UTF_8)).isEqualTo("abc");
        } finally {
            content.release();
        }
    }

    @Test
    void streamedChunks_areOneEventEach_andConcatenateToTheOriginal() {
        byte[] sse = sse();
        CachedResponse r = CachedResponse.of(200, new DefaultHttpHeaders().set("Content-Type", "text/event-stream"),
                sse, true, NOW, Duration.ofSeconds(60));
        List<ByteBuf> chunks = r.chunks();
        try {
            assertThat(chunks).hasSize(4);
            assertThat(chunks.get(0).toString(StandardCharsets.UTF_8)).endsWith("\"Hel\"}}]}\n\n");
            assertThat(chunks.get(1).toString(StandardCharsets.UTF_8)).endsWith("\"lo\"}}]}\r\n\r\n");
            assertThat(chunks.get(3).toString(StandardCharsets.UTF_8)).isEqualTo("data: [DONE]\n\n");
            byte[] joined = new byte[0];
            for (ByteBuf c : chunks) {
                byte[] part = ByteBufUtil.getBytes(c);
                byte[] next = new byte[joined.length + part.length];
                System.arraycopy(joined, 0, next, 0, joined.length);
                System.arraycopy(part, 0, next, joined.length, part.length);
                joined = next;
            }
            assertThat(joined).isEqualTo(sse);
            // Each chunk is released on its own (by the channel write), without affecting the others.
            chunks.get(0).release();
            assertThat(chunks.get(1).isReadable()).isTrue();
        } finally {
            for (int i = 1; i < chunks.size(); i++) {
                chunks.get(i).release();
            }
        }
    }

    @Test
    void nonStreamed_isOneChunk() {
        List<ByteBuf> chunks = json("{\"a\":1}\n\n{}").chunks();
        assertThat(chunks).hasSize(1);
        chunks.get(0).release();
    }

    @Test
    void sizeBytes_countsBodyAndHeaders() {
        CachedResponse small = json("{}");
        CachedResponse big = json("x".repeat(10_000));
        assertThat(big.sizeBytes() - small.sizeBytes()).isEqualTo(10_000 - 2);
        assertThat(small.sizeBytes()).isGreaterThan(2 + 2 * "Content-Typeapplication/json".length());
    }

    @Test
    void expiry() {
        CachedResponse r = json("{}");
        assertThat(r.isExpired(NOW.plusSeconds(59))).isFalse();
        assertThat(r.isExpired(NOW.plusSeconds(60))).isTrue();
        assertThat(r.remaining(NOW.plusSeconds(50))).isEqualTo(Duration.ofSeconds(10));
        assertThat(r.remaining(NOW.plusSeconds(70))).isEqualTo(Duration.ZERO);
        assertThatThrownBy(() -> CachedResponse.of(200, new DefaultHttpHeaders(), new byte[0], false, NOW, Duration.ZERO))
                .hasMessageContaining("ttl must be positive");
    }

    @Test
    void codec_roundTripsEverything_byteForByte() {
        byte[] binary = new byte[70_000];
        ThreadLocalRandom.current().nextBytes(binary);
        HttpHeaders h = new DefaultHttpHeaders().add("Content-Type", "application/octet-stream")
                .add("X-Latin", "caf\u00e9").add("X-Empty", "");
        CachedResponse r = CachedResponse.of(203, h, binary, false, NOW, Duration.ofMillis(1500));
        CachedResponse back = CachedResponseCodec.decode(CachedResponseCodec.encode(r));
        assertThat(back.status()).isEqualTo(203);
        assertThat(back.headers()).isEqualTo(r.headers());
        assertThat(back.body()).isEqualTo(binary);
        assertThat(back.streamed()).isFalse();
        assertThat(back.storedAt()).isEqualTo(NOW);
        assertThat(back.expiresAt()).isEqualTo(NOW.plusMillis(1500));
        assertThat(back.etag()).isEqualTo(r.etag());
        assertThat(back.sizeBytes()).isEqualTo(r.sizeBytes());

        CachedResponse stream = CachedResponse.of(200, new DefaultHttpHeaders(), sse(), true, NOW, Duration.ofSeconds(5));
        CachedResponse streamBack = CachedResponseCodec.decode(CachedResponseCodec.encode(stream));
        assertThat(streamBack.streamed()).isTrue();
        assertThat(streamBack.body()).isEqualTo(sse());
    }

    @Test
    void codec_refusesCorruptInput_withAClearMessage() {
        byte[] good = CachedResponseCodec.encode(json("{\"a\":1}"));
        assertThatThrownBy(() -> CachedResponseCodec.decode("{\"status_code\":200}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CacheCodecException.class).hasMessageContaining("bad magic");
        byte[] future = good.clone();
        future[3] = 9;
        assertThatThrownBy(() -> CachedResponseCodec.decode(future))
                .isInstanceOf(CacheCodecException.class).hasMessageContaining("unsupported cache entry version 9");
        for (int cut : new int[]{0, 2, 5, 20, good.length - 1}) {
            byte[] truncated = java.util.Arrays.copyOf(good, cut);
            assertThatThrownBy(() -> CachedResponseCodec.decode(truncated))
                    .as("cut at %d", cut).isInstanceOf(CacheCodecException.class).hasMessageContaining("corrupt cache entry");
        }
        byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> CachedResponseCodec.decode(trailing))
                .isInstanceOf(CacheCodecException.class).hasMessageContaining("after the body");
        byte[] hugeLength = good.clone();
        // The etag length field follows magic, version, flags, status and two timestamps.
        int etagLengthAt = 3 + 1 + 1 + 2 + 12 + 12;
        hugeLength[etagLengthAt] = 0x7f;
        assertThatThrownBy(() -> CachedResponseCodec.decode(hugeLength))
                .isInstanceOf(CacheCodecException.class).hasMessageContaining("exceeds");
        assertThatThrownBy(() -> CachedResponseCodec.decode(null)).isInstanceOf(CacheCodecException.class);
    }
}
