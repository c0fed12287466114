package dev.llmproxy.dispatch.testing;

import dev.llmproxy.eventbus.Event;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/** Realistic proxy events for dispatcher tests. */
public final class TestEvents {

    public static final Instant T0 = Instant.parse("2025-01-01T10:00:00.000Z");

    private TestEvents() {
    }

    /** A successful, non-streamed chat completion whose request id is {@code id}. */
    public static Event chat(String id) {
        String request = "{\"model\":\"gpt-4o\",\"temperature\":0.2,\"max_tokens\":50,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hi to " + id + "\"}]}";
        String response = "{\"id\":\"chatcmpl-" + id + "\",\"object\":\"chat.completion\",\"created\":1735725600,"
                + "\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":\"Hi " + id + "!\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":4,\"total_tokens\":16}}";
        return Event.builder().requestId(id).timestamp(T0).method("POST").path("/v1/chat/completions").status(200)
                .durationMillis(850).model("gpt-4o").projectId("project-1").tokenId("token-1")
                .requestHeaders(Map.of("Content-Type", "application/json", "Authorization", "Bearer sk-secret"))
                .responseHeaders(Map.of("Content-Type", "application/json"))
                .requestBody(request.getBytes(StandardCharsets.UTF_8), Event.DEFAULT_MAX_REQUEST_BODY_BYTES)
                .responseBody(response.getBytes(StandardCharsets.UTF_8), Event.DEFAULT_MAX_RESPONSE_BODY_BYTES)
                .usage(12, 4, 16)
                .build();
    }

    /** A streamed chat completion without usage anywhere (counted by jtokkit). */
    public static Event streamedChat(String id) {
        String request = "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Count to three\"}]}";
        String sse = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n"
                + "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"One, two,\"},\"finish_reason\":null}]}\n\n"
                + "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\" three.\"},\"finish_reason\":null}]}\n\n"
                + "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\","
                + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
                + "data: [DONE]\n\n";
        return Event.builder().requestId(id).timestamp(T0).method("POST").path("/v1/chat/completions").status(200)
                .durationMillis(1200).ttftMillis(150L).streamed(true).model("gpt-4o-mini")
                .responseHeaders(Map.of("Content-Type", "text/event-stream"))
                .requestBody(request.getBytes(StandardCharsets.UTF_8), Event.DEFAULT_MAX_REQUEST_BODY_BYTES)
                .responseBody(sse.getBytes(StandardCharsets.UTF_8), Event.DEFAULT_MAX_RESPONSE_BODY_BYTES)
                .build();
    }

    /** An upstream error answer. */
    public static Event upstreamError(String id, int status) {
        String request = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        String response = "{\"error\":{\"message\":\"Rate limit reached for gpt-4o\",\"type\":\"requests\","
                + "\"param\":null,\"code\":\"rate_limit_exceeded\"}}";
        return Event.builder().requestId(id).timestamp(T0).method("POST").path("/v1/chat/completions").status(status)
                .durationMillis(40).model("gpt-4o")
                .responseHeaders(Map.of("Content-Type", "application/json"))
                .requestBody(request.getBytes(StandardCharsets.UTF_8), Event.DEFAULT_MAX_REQUEST_BODY_BYTES)
                .responseBody(response.getBytes(StandardCharsets.UTF_8), Event.DEFAULT_MAX_RESPONSE_BODY_BYTES)
                .build();
    }

    /** A GET of the model list (not a model call). */
    public static Event listModels(String id) {
        return Event.builder().requestId(id).timestamp(T0).method("GET").path("/v1/models").status(200)
                .durationMillis(20).responseHeaders(Map.of("Content-Type", "application/json"))
                .responseBody("{\"object\":\"list\",\"data\":[]}".getBytes(StandardCharsets.UTF_8), 1024)
                .build();
    }
}
