package dev.llmproxy.eventbus.testing;

import dev.llmproxy.eventbus.Event;
import java.time.Instant;
import java.util.Map;

/** Small, realistic events for tests. */
public final class TestEvents {
    private TestEvents() {
    }

    /** An event whose request id is {@code "req-" + n}. */
    public static Event numbered(int n) {
        return Event.builder()
                .requestId("req-" + n)
                .timestamp(Instant.ofEpochMilli(1_700_000_000_000L + n))
                .method("POST")
                .path("/v1/chat/completions")
                .status(200)
                .durationMillis(100 + n % 50)
                .projectId("project-1")
                .tokenId("token-1")
                .model("gpt-4o-mini")
                .requestHeaders(Map.of("Content-Type", "application/json", "Authorization", "Bearer sk-secret"))
                .responseHeaders(Map.of("Content-Type", "application/json"))
                .requestBody(("{\"model\":\"gpt-4o-mini\",\"n\":" + n + "}").getBytes(), Event.DEFAULT_MAX_REQUEST_BODY_BYTES)
                .responseBody("{\"choices\":[]}".getBytes(), Event.DEFAULT_MAX_RESPONSE_BODY_BYTES)
                .usage(10, 20, 30)
                .build();
    }
}
