package dev.llmproxy.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EventCodecTest {

    private static Event full() {
        return Event.builder()
                .requestId("0b6a3c9e-7f1e-4a53-9d1c-2f5e8f6a1b2c")
                .timestamp(Instant.parse("2025-03-04T05:06:07.123456789Z"))
                .method("POST").path("/v1/chat/completions").status(200)
                .durationMillis(812).ttftMillis(95L)
                .projectId("proj-1").tokenId("tok-1").model("gpt-4o").streamed(true)
                .requestHeaders(Map.of("Content-Type", "application/json", "Authorization", "Bearer sk-x",
                        "OpenAI-Organization", "org-1"))
                .responseHeaders(Map.of("Content-Type", "text/event-stream", "X-Request-ID", "abc"))
                .requestBody("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                        .getBytes(StandardCharsets.UTF_8), 65536)
                .responseBody("data: {\"choices\":[{\"delta\":{\"content\":\"hello\"}}]}\n\ndata: [DONE]\n\n"
                        .getBytes(StandardCharsets.UTF_8), 262144)
                .usage(12, 30, 42)
                .attribute("upstream", "https://api.openai.com").attribute("cache", "miss")
                .build();
    }

    @Test
    void fullEvent_roundTrips() {
        Event e = full();
        byte[] json = EventCodec.encode(e);
        assertThat(EventCodec.decode(json)).isEqualTo(e);
        assertThat(EventCodec.decode(new String(json, StandardCharsets.UTF_8))).isEqualTo(e);
    }

    @Test
    void encoding_usesSnakeCaseKeysAndReadableBodies() {
        String json = EventCodec.encodeToString(full());
        assertThat(json).startsWith("{\"v\":1,\"request_id\":\"0b6a3c9e-7f1e-4a53-9d1c-2f5e8f6a1b2c\"")
                .contains("\"timestamp\":\"2025-03-04T05:06:07.123456789Z\"", "\"duration_ms\":812",
                        "\"ttft_ms\":95", "\"streamed\":true", "\"Authorization\":\"[REDACTED]\"",
                        "\"request_body\":\"{\\\"model\\\":\\\"gpt-4o\\\"",
                        "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":30,\"total_tokens\":42}")
                .doesNotContain("_encoding", "_truncated", "sk-x");
    }

    @Test
    void unicode_roundTripsInEveryStringField() {
        String text = "héllo ✓ 日本語 😀 \u0000 \u2028 \"quoted\" \\ \t";
        Event e = Event.builder().requestId("ü-1").method("POST").path("/v1/ünïcode").status(200)
                .model("模型").requestHeaders(Map.of("X-Note", "naïve ☕"))
                .requestBody(text.getBytes(StandardCharsets.UTF_8), 65536)
                .responseBody(Body.of(text)).attribute("emoji", "🚀").build();
        String json = EventCodec.encodeToString(e);
        assertThat(json).doesNotContain("_encoding");
        Event back = EventCodec.decode(json);
        assertThat(back).isEqualTo(e);
        assertThat(back.requestBody().toUtf8String()).isEqualTo(text);
    }

    @Test
    void binaryBody_isBase64WithAnEncodingMarker_andRoundTripsExactly() {
        byte[] bin = new byte[4096];
        new Random(42).nextBytes(bin);
        bin[0] = (byte) 0x1F; // gzip magic, as an upstream might send
        bin[1] = (byte) 0x8B;
        Event e = Event.builder().requestId("b").method("GET").path("/v1/files/x/content").status(200)
                .responseBody(bin, 262144).build();
        String json = EventCodec.encodeToString(e);
        assertThat(json).contains("\"response_body_encoding\":\"base64\"").doesNotContain("request_body");
        assertThat(EventCodec.decode(json).responseBody().toByteArray()).isEqualTo(bin);
    }

    @Test
    void truncationFlags_roundTrip_andTextCutMidCharacterStaysText() {
        byte[] longText = "€".repeat(100).getBytes(StandardCharsets.UTF_8); // 300 bytes
        Event e = Event.builder().requestId("t").method("POST").path("/p").status(200)
                .requestBody(longText, 100).responseBody(new byte[] {(byte) 0xFF, 1, 2}, 2).build();
        String json = EventCodec.encodeToString(e);
        assertThat(json).contains("\"request_body_truncated\":true", "\"response_body_truncated\":true",
                "\"response_body_encoding\":\"base64\"");
        assertThat(json).doesNotContain("\"request_body_encoding\"");
        Event back = EventCodec.decode(json);
        assertThat(back.requestBodyTruncated()).isTrue();
        assertThat(back.requestBody().toUtf8String()).isEqualTo("€".repeat(33));
        assertThat(back.responseBodyTruncated()).isTrue();
        assertThat(back).isEqualTo(e);
    }

    @Test
    void truncatedEmptyBody_keepsItsFlag() {
        Event e = Event.builder().requestId("t").method("POST").path("/p").requestBody(new byte[10], 0).build();
        assertThat(EventCodec.decode(EventCodec.encode(e)).requestBodyTruncated()).isTrue();
    }

    @Test
    void minimalDocument_decodesWithDefaults() {
        Event e = EventCodec.decode("{\"request_id\":\"r\",\"timestamp\":\"2025-01-01T00:00:00Z\","
                + "\"method\":\"GET\",\"path\":\"/v1/models\",\"status\":200,\"duration_ms\":3}");
        assertThat(e.requestId()).isEqualTo("r");
        assertThat(e.ttftMillis()).isNull();
        assertThat(e.projectId()).isNull();
        assertThat(e.streamed()).isFalse();
        assertThat(e.requestHeaders()).isEmpty();
        assertThat(e.requestBody()).isEqualTo(Body.EMPTY);
        assertThat(e.totalTokens()).isNull();
        assertThat(e.attributes()).isEmpty();
    }

    @Test
    void nullsAndUnknownFields_areIgnored() {
        Event e = EventCodec.decode("{\"v\":1,\"request_id\":\"r\",\"timestamp\":\"2025-01-01T00:00:00Z\","
                + "\"method\":\"GET\",\"path\":\"/\",\"status\":200,\"duration_ms\":3,\"model\":null,"
                + "\"future_field\":{\"nested\":[1,2,{\"x\":null}]},\"usage\":{\"prompt_tokens\":1,\"cost\":0.1}}");
        assertThat(e.model()).isNull();
        assertThat(e.promptTokens()).isEqualTo(1);
        assertThat(e.completionTokens()).isNull();
    }

    @Test
    void headersFromJson_areRedactedAgain() {
        Event e = EventCodec.decode("{\"request_id\":\"r\",\"timestamp\":\"2025-01-01T00:00:00Z\",\"method\":\"GET\","
                + "\"path\":\"/\",\"status\":200,\"duration_ms\":3,\"request_headers\":{\"Authorization\":\"Bearer leaked\"}}");
        assertThat(e.requestHeaders()).containsEntry("Authorization", Redaction.REDACTED);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "not json | {nope | not valid JSON",
            "empty input | '' | expected a JSON object, got no input",
            "array | [1,2] | expected a JSON object, got START_ARRAY",
            "missing request_id | {\"timestamp\":\"2025-01-01T00:00:00Z\",\"method\":\"GET\",\"path\":\"/\",\"status\":1,\"duration_ms\":1} | required field 'request_id' is missing",
            "missing status | {\"request_id\":\"r\",\"timestamp\":\"2025-01-01T00:00:00Z\",\"method\":\"GET\",\"path\":\"/\",\"duration_ms\":1} | required field 'status' is missing",
            "missing timestamp | {\"request_id\":\"r\",\"method\":\"GET\",\"path\":\"/\",\"status\":1,\"duration_ms\":1} | required field 'timestamp' is missing",
            "status as string | {\"request_id\":\"r\",\"status\":\"200\"} | field 'status' must be an integer, got a string",
            "status as decimal | {\"request_id\":\"r\",\"status\":200.5} | field 'status' must be an integer, got a decimal number",
            "bad timestamp | {\"request_id\":\"r\",\"timestamp\":\"yesterday\"} | field 'timestamp' must be an ISO-8601 instant",
            "header not a string | {\"request_headers\":{\"A\":1}} | field 'request_headers.A' must be a string, got an integer",
            "streamed not boolean | {\"streamed\":\"yes\"} | field 'streamed' must be true or false, got a string",
            "newer version | {\"v\":2,\"request_id\":\"r\"} | unsupported event format version 2",
            "token overflow | {\"usage\":{\"total_tokens\":99999999999}} | field 'usage.total_tokens' is out of range",
            "duplicate key | {\"request_id\":\"a\",\"request_id\":\"b\"} | Duplicate field 'request_id'",
            "trailing content | {\"request_id\":\"r\",\"timestamp\":\"2025-01-01T00:00:00Z\",\"method\":\"GET\",\"path\":\"/\",\"status\":1,\"duration_ms\":1} {} | unexpected content after the event object",
            "bad base64 | {\"request_id\":\"r\",\"timestamp\":\"2025-01-01T00:00:00Z\",\"method\":\"GET\",\"path\":\"/\",\"status\":1,\"duration_ms\":1,\"request_body\":\"%%%\",\"request_body_encoding\":\"base64\"} | field 'request_body' is not valid base64",
            "unknown encoding | {\"request_id\":\"r\",\"timestamp\":\"2025-01-01T00:00:00Z\",\"method\":\"GET\",\"path\":\"/\",\"status\":1,\"duration_ms\":1,\"response_body\":\"x\",\"response_body_encoding\":\"gzip\"} | field 'response_body_encoding' must be \"base64\" or \"utf-8\", got 'gzip'",
            "negative duration | {\"request_id\":\"r\",\"timestamp\":\"2025-01-01T00:00:00Z\",\"method\":\"GET\",\"path\":\"/\",\"status\":1,\"duration_ms\":-1} | durationMillis must be >= 0"})
    void malformedInput_isRejectedWithAClearMessage(String what, String json, String expected) {
        assertThatThrownBy(() -> EventCodec.decode(json))
                .isInstanceOf(MalformedEventException.class)
                .hasMessageStartingWith("malformed event: ")
                .hasMessageContaining(expected);
    }

    @Test
    void malformedMessages_sayWhere() {
        assertThatThrownBy(() -> EventCodec.decode("{\"request_id\":\"r\",\n\"status\":true}"))
                .hasMessageContaining("(line 2, column");
    }

    @Test
    void invalidUtf8InJsonInput_isMalformed() {
        byte[] bad = "{\"request_id\":\"\u00ff\"}".getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> EventCodec.decode(bad)).isInstanceOf(MalformedEventException.class);
    }

    @Test
    void writeAndRead_embedAnEventInALargerDocument() throws Exception {
        JsonFactory f = new JsonFactory();
        StringWriter w = new StringWriter();
        try (JsonGenerator g = f.createGenerator(w)) {
            g.writeStartObject();
            g.writeFieldName("event");
            EventCodec.write(full(), g);
            g.writeStringField("after", "x");
            g.writeEndObject();
        }
        try (JsonParser p = f.createParser(w.toString())) {
            assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
            assertThat(p.nextFieldName()).isEqualTo("event");
            p.nextToken();
            assertThat(EventCodec.read(p)).isEqualTo(full());
            assertThat(p.nextFieldName()).isEqualTo("after");
        }
    }
}
