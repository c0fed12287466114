package dev.llmproxy.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import dev.llmproxy.core.usage.TokenCounter;
import dev.llmproxy.dispatch.testing.TestEvents;
import dev.llmproxy.eventbus.Event;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class EventTransformerTest {

    private static final EncodingRegistry JTOKKIT = Encodings.newDefaultEncodingRegistry();
    private final EventTransformer transformer = new EventTransformer();

    private static Event.Builder post(String path, String request, String contentType, String response) {
        return Event.builder().requestId("r-1").timestamp(TestEvents.T0).method("POST").path(path).status(200)
                .durationMillis(10).responseHeaders(Map.of("Content-Type", contentType))
                .requestBody(request.getBytes(StandardCharsets.UTF_8), 1 << 20)
                .responseBody(response.getBytes(StandardCharsets.UTF_8), 1 << 20);
    }

    private static String sse(String... chunks) {
        StringBuilder sb = new StringBuilder();
        for (String c : chunks) {
            sb.append("data: ").append(c).append("\n\n");
        }
        return sb.append("data: [DONE]\n\n").toString();
    }

    @Test
    void chatCompletion_becomesTheSeedsRichRecord() {
        DispatchEvent e = transformer.transform("1-0", TestEvents.chat("req-7"));
        ObjectNode json = e.toJson();

        assertThat(json.get("type").asText()).isEqualTo("llm");
        assertThat(json.get("event").asText()).isEqualTo("end");
        assertThat(json.get("runId").asText()).isEqualTo(
                UUID.nameUUIDFromBytes("llm-proxy:req-7".getBytes(StandardCharsets.UTF_8)).toString());
        assertThat(json.get("name").asText()).isEqualTo("gpt-4o");
        assertThat(json.get("timestamp").asText()).isEqualTo("2025-01-01T10:00:00.000Z");
        assertThat(json.at("/input/messages/0/content").asText()).isEqualTo("Say hi to req-7");
        assertThat(json.at("/output/choices/0/message/content").asText()).isEqualTo("Hi req-7!");
        assertThat(json.get("tokensUsage").toString()).isEqualTo("{\"prompt\":12,\"completion\":4,\"total\":16}");
        JsonNode m = json.get("metadata");
        assertThat(m.get("method").asText()).isEqualTo("POST");
        assertThat(m.get("path").asText()).isEqualTo("/v1/chat/completions");
        assertThat(m.get("status").asInt()).isEqualTo(200);
        assertThat(m.get("duration_ms").asLong()).isEqualTo(850);
        assertThat(m.get("request_id").asText()).isEqualTo("req-7");
        assertThat(m.get("end_time").asText()).isEqualTo("2025-01-01T10:00:00.850Z");
        assertThat(m.get("project_id").asText()).isEqualTo("project-1");
        assertThat(m.get("usage_source").asText()).isEqualTo("upstream");
        m.properties().forEach(f -> assertThat(f.getValue().isValueNode()).as(f.getKey()).isTrue());
        assertThat(json.toString()).doesNotContain("sk-secret").doesNotContain("Authorization");
        assertThat(json.has("error")).isFalse();
    }

    @Test
    void runId_isTheRequestIdWhenItIsAUuid_andStableAcrossTransformations() {
        String id = UUID.randomUUID().toString();
        Event ev = TestEvents.chat(id);
        assertThat(transformer.transform("1-0", ev).runId()).isEqualTo(id);
        assertThat(transformer.transform("9-0", TestEvents.chat("x")).runId())
                .isEqualTo(transformer.transform("10-0", TestEvents.chat("x")).runId());
    }

    @Test
    void sseChatStream_isReassembled_andTokensAreCountedWhenUpstreamGaveNone() {
        DispatchEvent e = transformer.transform("1-0", TestEvents.streamedChat("s-1"));
        JsonNode out = e.output();

        assertThat(out.get("object").asText()).isEqualTo("chat.completion");
        assertThat(out.get("id").asText()).isEqualTo("c1");
        assertThat(out.get("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(out.at("/choices/0/message/role").asText()).isEqualTo("assistant");
        assertThat(out.at("/choices/0/message/content").asText()).isEqualTo("One, two, three.");
        assertThat(out.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(out.get("choices")).hasSize(1);

        Encoding o200k = JTOKKIT.getEncoding(EncodingType.O200K_BASE);
        int expectedPrompt = 3 + 3 + o200k.countTokens("user") + o200k.countTokens("Count to three");
        assertThat(e.usage().source()).isEqualTo(TokenUsage.Source.ESTIMATED);
        assertThat(e.usage().prompt()).isEqualTo(expectedPrompt);
        assertThat(e.usage().completion()).isEqualTo(o200k.countTokens("One, two, three.")).isPositive();
        assertThat(e.usage().total()).isEqualTo(e.usage().prompt() + e.usage().completion());
        assertThat(e.toJson().at("/metadata/usage_source").asText()).isEqualTo("estimated");
        assertThat(e.toJson().at("/metadata/ttft_ms").asLong()).isEqualTo(150);
        assertThat(e.toJson().at("/metadata/streamed").asBoolean()).isTrue();
    }

    @Test
    void toolCallDeltas_areMergedByIndex_argumentsConcatenated() {
        String stream = sse(
                "{\"id\":\"t\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,"
                        + "\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_a\","
                        + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}}]}",
                "{\"id\":\"t\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":"
                        + "[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}}]}",
                "{\"id\":\"t\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":"
                        + "[{\"index\":1,\"id\":\"call_b\",\"type\":\"function\",\"function\":{\"name\":\"get_time\","
                        + "\"arguments\":\"{}\"}}]}}]}",
                "{\"id\":\"t\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":"
                        + "[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]}}]}",
                "{\"id\":\"t\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},"
                        + "\"finish_reason\":\"tool_calls\"}]}");
        Event ev = post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[]}",
                "text/event-stream", stream).streamed(true).build();
        JsonNode msg = transformer.transform("1", ev).output().at("/choices/0/message");

        assertThat(msg.get("content").isNull()).isTrue();
        assertThat(msg.at("/tool_calls/0/id").asText()).isEqualTo("call_a");
        assertThat(msg.at("/tool_calls/0/type").asText()).isEqualTo("function");
        assertThat(msg.at("/tool_calls/0/function/name").asText()).isEqualTo("get_weather");
        assertThat(msg.at("/tool_calls/0/function/arguments").asText()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(msg.at("/tool_calls/1/id").asText()).isEqualTo("call_b");
        assertThat(msg.at("/tool_calls/1/function/name").asText()).isEqualTo("get_time");
        assertThat(msg.at("/tool_calls/1/function/arguments").asText()).isEqualTo("{}");
        assertThat(transformer.transform("1", ev).output().at("/choices/0/finish_reason").asText())
                .isEqualTo("tool_calls");
    }

    @Test
    void streamUsageChunk_andMultipleChoices_areKept() {
        String stream = sse(
                "{\"id\":\"m\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"A\"}},{\"index\":1,\"delta\":{\"content\":\"B\"}}],\"usage\":null}",
                "{\"id\":\"m\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":1,\"delta\":{\"content\":\"b\"},\"finish_reason\":\"length\"},{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":\"stop\"}],\"usage\":null}",
                "{\"id\":\"m\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":4,\"total_tokens\":11}}");
        DispatchEvent e = transformer.transform("1", post("/v1/chat/completions",
                "{\"model\":\"gpt-4o\",\"n\":2,\"stream\":true}", "text/event-stream", stream).build());

        assertThat(e.output().at("/choices/0/message/content").asText()).isEqualTo("Aa");
        assertThat(e.output().at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(e.output().at("/choices/1/message/content").asText()).isEqualTo("Bb");
        assertThat(e.output().at("/choices/1/finish_reason").asText()).isEqualTo("length");
        assertThat(e.usage()).isEqualTo(new TokenUsage(7, 4, 11, TokenUsage.Source.RESPONSE));
    }

    @Test
    void textCompletionStream_andResponsesApiStream_areReassembled() {
        String completions = sse(
                "{\"id\":\"cmpl\",\"object\":\"text_completion\",\"model\":\"gpt-3.5-turbo-instruct\",\"choices\":[{\"index\":0,\"text\":\"Hello\",\"finish_reason\":null}]}",
                "{\"id\":\"cmpl\",\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\" there\",\"finish_reason\":\"stop\"}]}");
        JsonNode out = transformer.transform("1", post("/v1/completions",
                "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"Hi\",\"stream\":true}", "text/event-stream",
                completions).build()).output();
        assertThat(out.get("object").asText()).isEqualTo("text_completion");
        assertThat(out.at("/choices/0/text").asText()).isEqualTo("Hello there");
        assertThat(out.at("/choices/0/finish_reason").asText()).isEqualTo("stop");

        String responses = "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"status\":\"in_progress\"}}\n\n"
                + "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Hi\"}\n\n"
                + "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\","
                + "\"status\":\"completed\",\"output\":[{\"type\":\"message\",\"content\":[{\"type\":\"output_text\",\"text\":\"Hi\"}]}],"
                + "\"usage\":{\"input_tokens\":5,\"output_tokens\":1,\"total_tokens\":6}}}\n\n";
        DispatchEvent r = transformer.transform("2", post("/v1/responses", "{\"model\":\"gpt-4.1\",\"input\":\"Hi\",\"stream\":true}",
                "text/event-stream", responses).build());
        assertThat(r.output().get("id").asText()).isEqualTo("resp_1");
        assertThat(r.output().get("status").asText()).isEqualTo("completed");
        assertThat(r.usage()).isEqualTo(new TokenUsage(5, 1, 6, TokenUsage.Source.RESPONSE));
    }

    @Test
    void chatTokenCount_matchesOpenAisPublishedExample() {
        // The example of OpenAI's cookbook "How to count tokens with tiktoken", whose counts were
        // checked there against the API: 129 prompt tokens for gpt-4-0613, 124 for gpt-4o.
        String messages = "[{\"role\":\"system\",\"content\":\"You are a helpful, pattern-following assistant that translates corporate jargon into plain English.\"},"
                + "{\"role\":\"system\",\"name\":\"example_user\",\"content\":\"New synergies will help drive top-line growth.\"},"
                + "{\"role\":\"system\",\"name\":\"example_assistant\",\"content\":\"Things working well together will increase revenue.\"},"
                + "{\"role\":\"system\",\"name\":\"example_user\",\"content\":\"Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage.\"},"
                + "{\"role\":\"system\",\"name\":\"example_assistant\",\"content\":\"Let's talk later when we're less busy about how to do better.\"},"
                + "{\"role\":\"user\",\"content\":\"This late pivot means we don't have time to boil the ocean for the client deliverable.\"}]";
        JsonNode node = parse(messages);
        assertThat(TokenCounter.countChatMessages(node, "gpt-4-0613")).isEqualTo(129);
        assertThat(TokenCounter.countChatMessages(node, "gpt-4o")).isEqualTo(124);
    }

    @Test
    void encodingPerModel() {
        for (String m : new String[] {"gpt-4o", "gpt-4o-mini-2024-07-18", "chatgpt-4o-latest", "gpt-4.1-nano", "gpt-5",
            "o1", "o3-mini", "o4-mini-2025-04-16", "ft:gpt-4o-mini:acme::abc", "openai/gpt-4o"}) {
            assertThat(TokenCounter.encodingFor(m)).as(m).isEqualTo(EncodingType.O200K_BASE);
        }
        for (String m : new String[] {"gpt-4", "gpt-4-turbo", "gpt-3.5-turbo", "text-embedding-3-small", "llama-3-70b",
            "omni-unknown"}) {
            assertThat(TokenCounter.encodingFor(m)).as(m).isEqualTo(EncodingType.CL100K_BASE);
        }
        assertThat(TokenCounter.encodingFor(null)).isEqualTo(EncodingType.CL100K_BASE);
        assertThat(TokenCounter.count("hello world", "gpt-4")).isEqualTo(2);
    }

    @Test
    void gzipResponse_isDecoded() throws Exception {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write("{\"object\":\"list\",\"data\":[{\"id\":\"gpt-4o\"}]}".getBytes(StandardCharsets.UTF_8));
        }
        Event ev = Event.builder().requestId("g").method("GET").path("/v1/models").status(200).durationMillis(5)
                .responseHeaders(Map.of("Content-Type", "application/json", "Content-Encoding", "gzip"))
                .responseBody(gz.toByteArray(), 1 << 20).build();
        DispatchEvent e = transformer.transform("1", ev);
        assertThat(e.output().at("/data/0/id").asText()).isEqualTo("gpt-4o");
        assertThat(e.usage()).isEqualTo(TokenUsage.NONE);
        assertThat(e.toJson().has("input")).isFalse();
    }

    @Test
    void binaryTruncatedAndOtherEncodedBodies_becomePlaceholdersOrText() {
        Event audio = post("/v1/audio/speech", "{\"model\":\"tts-1\",\"input\":\"hi\"}", "audio/mpeg", "ID3...").build();
        assertThat(transformer.transform("1", audio).output().asText()).startsWith("<binary response omitted, audio/mpeg");

        Event invalidUtf8 = Event.builder().requestId("b").method("POST").path("/v1/x").status(200).durationMillis(1)
                .requestBody(new byte[] {(byte) 0xff, (byte) 0xfe}, 100)
                .responseBody(new byte[] {(byte) 0xc3, (byte) 0x28}, 100).build();
        DispatchEvent b = transformer.transform("2", invalidUtf8);
        assertThat(b.input().asText()).isEqualTo("<binary request omitted, 2 bytes>");
        assertThat(b.output().asText()).isEqualTo("<binary response omitted, 2 bytes>");

        Event brotli = Event.builder().requestId("br").method("POST").path("/v1/chat/completions").status(200)
                .durationMillis(1).responseHeaders(Map.of("Content-Encoding", "br")).responseBody(new byte[] {1, 2, 3}, 100)
                .build();
        assertThat(transformer.transform("3", brotli).output().asText()).isEqualTo("<br-encoded response omitted, 3 bytes>");

        String full = "{\"id\":\"x\",\"choices\":[{\"message\":{\"content\":\"a long answer\"}}]}";
        Event cut = Event.builder().requestId("t").method("POST").path("/v1/chat/completions").status(200)
                .durationMillis(1).responseHeaders(Map.of("Content-Type", "application/json"))
                .responseBody(full.getBytes(StandardCharsets.UTF_8), 20).build();
        DispatchEvent t = transformer.transform("4", cut);
        assertThat(t.output().isTextual()).isTrue();
        assertThat(t.output().asText()).isEqualTo(full.substring(0, 20));
        assertThat(t.toJson().at("/metadata/response_truncated").asBoolean()).isTrue();
    }

    @Test
    void upstreamError_isAnErrorEvent_withTheUpstreamMessage_andNoEstimatedUsage() {
        DispatchEvent e = transformer.transform("1", TestEvents.upstreamError("e-1", 429));
        assertThat(e.isError()).isTrue();
        assertThat(e.errorMessage()).isEqualTo("Rate limit reached for gpt-4o");
        assertThat(e.toJson().get("event").asText()).isEqualTo("error");
        assertThat(e.toJson().at("/error/message").asText()).isEqualTo("Rate limit reached for gpt-4o");
        assertThat(e.usage()).isEqualTo(TokenUsage.NONE);
        assertThat(e.toJson().has("tokensUsage")).isFalse();

        Event bare = Event.builder().requestId("e-2").method("POST").path("/v1/chat/completions").status(502)
                .durationMillis(3).build();
        assertThat(transformer.transform("2", bare).errorMessage()).isEqualTo("HTTP 502");
    }

    @Test
    void embeddings_areTypeEmbed_withPromptCountedAndNoCompletion() {
        Event ev = post("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":[\"alpha\",\"beta gamma\"]}",
                "application/json", "{\"object\":\"list\",\"data\":[{\"embedding\":[0.1]},{\"embedding\":[0.2]}],"
                        + "\"model\":\"text-embedding-3-small\"}").build();
        DispatchEvent e = transformer.transform("1", ev);
        assertThat(e.type()).isEqualTo("embed");
        Encoding cl100k = JTOKKIT.getEncoding(EncodingType.CL100K_BASE);
        assertThat(e.usage().prompt()).isEqualTo(cl100k.countTokens("alpha") + cl100k.countTokens("beta gamma"));
        assertThat(e.usage().completion()).isZero();
    }

    private static JsonNode parse(String json) {
        try {
            return JsonSupport.parse(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
