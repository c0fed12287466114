package dev.llmproxy.core.usage;

import dev.llmproxy.eventbus.Body;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class UsageRecordsTest {

    private final UsageRecords records = new UsageRecords(PriceTable.builtIn());

    private static UsageObservation observation(String request, UsageObservation.Upstream upstream, String cache) {
        return new UsageObservation("req-1", Instant.parse("2026-01-01T00:00:00Z"), "p", "t", "POST",
                "/v1/chat/completions?x=1", request == null ? null : Body.of(request), 200, upstream != null
                && upstream.eventStream(), cache, 12_000_000, 3_000_000, null, upstream);
    }

    private static UsageObservation.Upstream answer(String body, boolean sse) {
        return new UsageObservation.Upstream(200, Body.of(body), null, sse, null, null, null, null);
    }

    @Test
    void streamedToolCalls_countOncePerCall_andTheFinalUsageChunkIsUsed() {
        String sse = """
                data: {"id":"c","object":"chat.completion.chunk","model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"a","arguments":""}}]}}]}

                data: {"id":"c","object":"chat.completion.chunk","model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"x\\":"}}]}}]}

                data: {"id":"c","object":"chat.completion.chunk","model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"1}"}},{"index":1,"id":"call_b","type":"function","function":{"name":"b","arguments":"{}"}}]}}]}

                data: {"id":"c","object":"chat.completion.chunk","model":"gpt-4o-2024-08-06","choices":[],"usage":{"prompt_tokens":100,"completion_tokens":20,"total_tokens":120,"prompt_tokens_details":{"cached_tokens":40}}}

                data: [DONE]

                """;
        UsageRecord r = records.toRecord(observation("{\"model\":\"gpt-4o\",\"stream\":true}", answer(sse, true), "NONE"));

        assertThat(r.toolCalls()).isEqualTo(2);
        assertThat(r.promptTokens()).isEqualTo(100);
        assertThat(r.completionTokens()).isEqualTo(20);
        assertThat(r.cachedTokens()).isEqualTo(40);
        assertThat(r.tokensEstimated()).isFalse();
        assertThat(r.model()).isEqualTo("gpt-4o");
        assertThat(r.responseModel()).isEqualTo("gpt-4o-2024-08-06");
        // 60 × 2.50 + 40 × 1.25 + 20 × 10.00 = 150 + 50 + 200 = 400 per 1M → 0.0004 USD
        assertThat(r.costUsd()).isEqualByComparingTo("0.0004");
        assertThat(r.endpoint()).isEqualTo("/v1/chat/completions");
        assertThat(r.latencyMillis()).isEqualTo(12);
        assertThat(r.ttftMillis()).isEqualTo(3);
    }

    /** Upstream facts as the proxy hands them over: the model and usage it read while relaying. */
    private static UsageObservation.Upstream readByProxy(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        dev.llmproxy.core.openai.OpenAiJson.ResponseInfo info =
                dev.llmproxy.core.openai.OpenAiJson.readSseResponse(bytes, 0, bytes.length);
        return new UsageObservation.Upstream(200, Body.of(body), null, true, info.model(), info.usage().promptTokens(),
                info.usage().completionTokens(), info.usage().totalTokens());
    }

    @Test
    void aPlainStreamWhoseUsageTheProxyRead_isNotReassembled_andGivesTheSameRecord() {
        StringBuilder sse = new StringBuilder();
        String prefix = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini-2024-07-18\",";
        sse.append(prefix).append("\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}],\"usage\":null}\n\n");
        for (int i = 0; i < 64; i++) {
            sse.append(prefix).append("\"choices\":[{\"index\":0,\"delta\":{\"content\":\"token \"}}],\"usage\":null}\n\n");
        }
        sse.append(prefix).append("\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":64,\"total_tokens\":73}}\n\n");
        sse.append("data: [DONE]\n\n");
        UsageObservation.Upstream proxyRead = readByProxy(sse.toString());
        assertThat(UsageRecords.proxyReadSuffices(proxyRead, sse.toString().getBytes(StandardCharsets.UTF_8))).isTrue();

        String request = "{\"model\":\"gpt-4o-mini\",\"stream\":true}";
        UsageRecord fast = records.toRecord(observation(request, proxyRead, "NONE"));
        UsageRecord reassembled = records.toRecord(observation(request, answer(sse.toString(), true), "NONE"));

        assertThat(fast).isEqualTo(reassembled);
        assertThat(fast.promptTokens()).isEqualTo(9);
        assertThat(fast.completionTokens()).isEqualTo(64);
        assertThat(fast.totalTokens()).isEqualTo(73);
        assertThat(fast.responseModel()).isEqualTo("gpt-4o-mini-2024-07-18");
        assertThat(fast.costKnown()).isTrue();
    }

    @Test
    void streamsWithToolCallsOrCachedTokens_areStillReassembled() {
        String sse = """
                data: {"id":"c","object":"chat.completion.chunk","model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"a","arguments":"{}"}}]}}]}

                data: {"id":"c","object":"chat.completion.chunk","model":"gpt-4o-2024-08-06","choices":[],"usage":{"prompt_tokens":100,"completion_tokens":20,"total_tokens":120,"prompt_tokens_details":{"cached_tokens":40}}}

                data: [DONE]

                """;
        UsageObservation.Upstream proxyRead = readByProxy(sse);
        assertThat(UsageRecords.proxyReadSuffices(proxyRead, sse.getBytes(StandardCharsets.UTF_8))).isFalse();
        UsageRecord r = records.toRecord(observation("{\"model\":\"gpt-4o\",\"stream\":true}", proxyRead, "NONE"));
        assertThat(r.toolCalls()).isEqualTo(1);
        assertThat(r.cachedTokens()).isEqualTo(40);
    }

    @Test
    void gzipAnswers_areInflated_andResponsesApiCallsCount() throws Exception {
        String json = "{\"model\":\"o4-mini\",\"output\":[{\"type\":\"reasoning\"},{\"type\":\"function_call\",\"name\":\"f\","
                + "\"arguments\":\"{}\"},{\"type\":\"web_search_call\"}],\"usage\":{\"input_tokens\":10,\"output_tokens\":5}}";
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(json.getBytes(StandardCharsets.UTF_8));
        }
        UsageObservation.Upstream up = new UsageObservation.Upstream(200, Body.of(gz.toByteArray()), "gzip", false,
                null, null, null, null);
        UsageRecord r = records.toRecord(observation("{\"model\":\"o4-mini\"}", up, "MISS"));

        assertThat(r.toolCalls()).isEqualTo(2);
        assertThat(r.promptTokens()).isEqualTo(10);
        assertThat(r.completionTokens()).isEqualTo(5);
        assertThat(r.totalTokens()).isEqualTo(15);
        assertThat(r.costKnown()).isTrue();
    }

    @Test
    void cacheHits_costNothing_andUnknownModels_sayCostUnknown() {
        String json = "{\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5}}";
        UsageRecord hit = records.toRecord(observation("{\"model\":\"gpt-4o\"}", null, "HIT"));
        assertThat(hit.costNanos()).isZero();
        assertThat(hit.costKnown()).isTrue();
        assertThat(hit.isCacheHit()).isTrue();

        UsageRecord unknown = records.toRecord(observation("{\"model\":\"my-llm\"}",
                answer(json.replace("gpt-4o", "my-llm"), false), "NONE"));
        assertThat(unknown.costNanos()).isZero();
        assertThat(unknown.costKnown()).isFalse();
        assertThat(unknown.promptTokens()).isEqualTo(10);
    }

    @Test
    void endpoints_areNormalised_withoutIdsOrQuery() {
        assertThat(UsageRecords.normaliseEndpoint("/v1/chat/completions/")).isEqualTo("/v1/chat/completions");
        assertThat(UsageRecords.normaliseEndpoint("/v1//embeddings?x=1")).isEqualTo("/v1/embeddings");
        assertThat(UsageRecords.normaliseEndpoint("/v1/files/file-abc123XYZ789/content")).isEqualTo("/v1/files/{id}/content");
        assertThat(UsageRecords.normaliseEndpoint("/v1/responses/resp_68a0b1c2d3e4f5")).isEqualTo("/v1/responses/{id}");
        assertThat(UsageRecords.normaliseEndpoint("/v1/models/gpt-4o-2024-08-06")).isEqualTo("/v1/models/gpt-4o-2024-08-06");
        assertThat(UsageRecords.normaliseEndpoint("")).isEqualTo("/");
    }

    @Test
    void malformedBodies_yieldNoNumbers_notExceptions() {
        UsageRecord r = records.toRecord(observation("{not json", answer("data: {broken\n\n", true), "NONE"));
        assertThat(r.promptTokens()).isZero();
        assertThat(r.toolCalls()).isZero();
        assertThat(r.model()).isNull();
    }
}
