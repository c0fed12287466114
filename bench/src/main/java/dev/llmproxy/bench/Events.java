package dev.llmproxy.bench;

import dev.llmproxy.eventbus.Event;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/** A representative instrumentation event: a small chat completion with usage. */
final class Events {

    static final String REQUEST = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":"
            + "\"Summarise the plot of Hamlet in two sentences.\"}]}";
    static final String RESPONSE = "{\"id\":\"chatcmpl-123\",\"object\":\"chat.completion\",\"created\":1700000000,"
            + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
            + "\"Prince Hamlet seeks revenge on his uncle Claudius, who murdered Hamlet's father to seize the throne."
            + " His hesitation and feigned madness lead to a tragic chain of deaths, including his own.\"},"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":21,\"completion_tokens\":38,\"total_tokens\":59}}";

    private Events() {
    }

    static Event typical(Instant at) {
        return Event.builder()
                .requestId("7f9c2b1e-3d4a-4c5b-9e6f-0a1b2c3d4e5f")
                .timestamp(at)
                .method("POST")
                .path("/v1/chat/completions")
                .status(200)
                .durationMillis(812)
                .ttftMillis(240L)
                .projectId("proj-1")
                .tokenId("tok-1")
                .model("gpt-4o-mini")
                .requestHeaders(Map.of("content-type", "application/json", "authorization", "Bearer sk-secret"))
                .responseHeaders(Map.of("content-type", "application/json"))
                .requestBody(REQUEST.getBytes(StandardCharsets.UTF_8), 65536)
                .responseBody(RESPONSE.getBytes(StandardCharsets.UTF_8), 262144)
                .usage(21, 38, 59)
                .build();
    }
}
