package dev.llmproxy.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmproxy.eventbus.testing.TestEvents;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventTest {

    private static Event.Builder minimal() {
        return Event.builder().requestId("r1").method("GET").path("/v1/models").status(200);
    }

    @Test
    void builder_requiresIdMethodAndPath() {
        assertThatThrownBy(() -> Event.builder().method("GET").path("/").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("requestId is required");
        assertThatThrownBy(() -> Event.builder().requestId("r").path("/").build()).hasMessage("method is required");
        assertThatThrownBy(() -> Event.builder().requestId("r").method("GET").build()).hasMessage("path is required");
    }

    @Test
    void builder_rejectsNegativeNumbers() {
        assertThatThrownBy(() -> minimal().durationMillis(-1).build()).hasMessage("durationMillis must be >= 0, got -1");
        assertThatThrownBy(() -> minimal().ttftMillis(-5L).build()).hasMessage("ttftMillis must be >= 0, got -5");
        assertThatThrownBy(() -> minimal().usage(-1, null, null).build()).hasMessage("promptTokens must be >= 0, got -1");
        assertThatThrownBy(() -> minimal().status(1000).build()).hasMessageContaining("status");
    }

    @Test
    void optionalFields_haveEmptyDefaults() {
        Event e = minimal().build();
        assertThat(e.timestamp()).isNotNull();
        assertThat(e.ttftMillis()).isNull();
        assertThat(e.projectId()).isNull();
        assertThat(e.model()).isNull();
        assertThat(e.streamed()).isFalse();
        assertThat(e.requestHeaders()).isEmpty();
        assertThat(e.responseBody()).isSameAs(Body.EMPTY);
        assertThat(e.requestBodyTruncated()).isFalse();
        assertThat(e.promptTokens()).isNull();
        assertThat(e.attributes()).isEmpty();
    }

    @Test
    void deferredHeaders_areRedactedAtTheFirstRead_once_andEqualTheEagerOnes() {
        java.util.concurrent.atomic.AtomicInteger iterations = new java.util.concurrent.atomic.AtomicInteger();
        java.util.List<Map.Entry<String, String>> entries = java.util.List.of(
                Map.entry("Authorization", "Bearer sk-proxy-token"), Map.entry("Accept", "*/*"),
                Map.entry("x-goog-api-key", "k"), Map.entry("accept", "text/plain"));
        Iterable<Map.Entry<String, String>> counting = () -> {
            iterations.incrementAndGet();
            return entries.iterator();
        };
        Event deferred = minimal().deferredRequestHeaders(counting).deferredResponseHeaders(null).build();
        assertThat(iterations).hasValue(0); // built without touching the headers
        Event eager = minimal().timestamp(deferred.timestamp()).requestHeaders(entries).build();
        assertThat(deferred.requestHeaders()).isEqualTo(eager.requestHeaders())
                .containsEntry("authorization", Redaction.REDACTED).containsEntry("X-GOOG-API-KEY", Redaction.REDACTED)
                .containsEntry("Accept", "*/*, text/plain");
        assertThat(deferred.requestHeaders()).isSameAs(deferred.requestHeaders());
        assertThat(deferred.toBuilder().build().requestHeaders()).isSameAs(deferred.requestHeaders());
        assertThat(iterations).hasValue(1);
        assertThat(deferred.responseHeaders()).isEmpty();
        assertThat(deferred).isEqualTo(eager).hasSameHashCodeAs(eager);
    }

    @Test
    void headers_areAlwaysRedacted_evenWhenTheCallerForgets() {
        Event e = minimal().requestHeaders(Map.of("Authorization", "Bearer sk-proxy-token", "Accept", "*/*"))
                .responseHeaders(Map.of("Set-Cookie", "a=b")).build();
        assertThat(e.requestHeaders()).containsEntry("authorization", Redaction.REDACTED).containsEntry("Accept", "*/*");
        assertThat(e.responseHeaders()).containsEntry("set-cookie", Redaction.REDACTED);
        assertThat(EventCodec.encodeToString(e)).doesNotContain("sk-proxy-token");
    }

    @Test
    void bodiesAreCappedByTheBuilderHelpers() {
        Event e = minimal().requestBody(new byte[100], 10).responseBody(new byte[5], 10).build();
        assertThat(e.requestBody().size()).isEqualTo(10);
        assertThat(e.requestBodyTruncated()).isTrue();
        assertThat(e.responseBodyTruncated()).isFalse();
    }

    @Test
    void attributes_areCopiedAndUnmodifiable() {
        Map<String, String> attrs = new LinkedHashMap<>(Map.of("upstream", "https://a"));
        Event e = minimal().attributes(attrs).attribute("region", "eu").build();
        attrs.put("later", "x");
        assertThat(e.attributes()).containsOnlyKeys("upstream", "region");
        assertThatThrownBy(() -> e.attributes().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void builderReuse_doesNotChangeBuiltEvents() {
        Event.Builder b = minimal().attribute("a", "1");
        Event first = b.build();
        b.attribute("b", "2").status(500);
        assertThat(first.attributes()).containsOnlyKeys("a");
        assertThat(first.status()).isEqualTo(200);
    }

    @Test
    void toBuilder_copiesEveryField() {
        Event e = TestEvents.numbered(7).toBuilder().ttftMillis(12L).streamed(true).attribute("k", "v")
                .timestamp(Instant.parse("2025-01-01T00:00:00Z")).build();
        assertThat(e.toBuilder().build()).isEqualTo(e).hasSameHashCodeAs(e);
        assertThat(e.toBuilder().status(404).build()).isNotEqualTo(e);
    }

    @Test
    void toString_isShortAndHasNoHeadersOrBodies() {
        String s = TestEvents.numbered(1).toString();
        assertThat(s).contains("req-1", "POST", "/v1/chat/completions", "200").doesNotContain("Bearer", "choices");
    }
}
