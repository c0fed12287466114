package dev.llmproxy.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.AbstractMap.SimpleEntry;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;

class RedactionTest {

    @Test
    void credentials_areRedacted_whateverTheirCase() {
        SortedMap<String, String> h = Redaction.headers(Map.of(
                "authorization", "Bearer sk-live-123",
                "Proxy-Authorization", "Basic Zm9vOmJhcg==",
                "COOKIE", "session=abc",
                "Set-Cookie", "session=abc; HttpOnly",
                "api-key", "azure-key",
                "X-Api-Key", "anthropic-key"));
        assertThat(h).hasSize(6).allSatisfy((k, v) -> assertThat(v).isEqualTo(Redaction.REDACTED));
        assertThat(h.toString()).doesNotContain("sk-live", "abc", "azure-key", "anthropic-key", "Zm9v");
    }

    @Test
    void suffixRules_coverVendorKeysAndTokens() {
        SortedMap<String, String> h = Redaction.headers(Map.of(
                "x-goog-api-key", "g", "X-Amz-Security-Token", "t", "x-client-secret", "s",
                "x-ratelimit-remaining-tokens", "9000"));
        assertThat(h.get("x-goog-api-key")).isEqualTo(Redaction.REDACTED);
        assertThat(h.get("x-amz-security-token")).isEqualTo(Redaction.REDACTED);
        assertThat(h.get("x-client-secret")).isEqualTo(Redaction.REDACTED);
        assertThat(h.get("x-ratelimit-remaining-tokens")).isEqualTo("9000");
    }

    @Test
    void nonSecretHeaders_areKept_includingOpenAiOrganization() {
        SortedMap<String, String> h = Redaction.headers(Map.of(
                "OpenAI-Organization", "org-123", "Content-Type", "application/json", "X-Request-ID", "r1"));
        assertThat(h).containsEntry("OpenAI-Organization", "org-123")
                .containsEntry("Content-Type", "application/json")
                .containsEntry("X-Request-ID", "r1");
    }

    @Test
    void lookup_isCaseInsensitive_andRepeatedHeadersAreJoined() {
        List<Map.Entry<String, String>> entries = List.of(
                new SimpleEntry<>("Accept", "text/event-stream"),
                new SimpleEntry<>("accept", "application/json"),
                new SimpleEntry<>("Cookie", "a=1"),
                new SimpleEntry<>("cookie", "b=2"),
                new SimpleEntry<>("X-Null", null));
        SortedMap<String, String> h = Redaction.headers(entries);
        assertThat(h.get("ACCEPT")).isEqualTo("text/event-stream, application/json");
        assertThat(h.firstKey()).isEqualTo("Accept");
        assertThat(h.get("cookie")).isEqualTo(Redaction.REDACTED);
        assertThat(h).doesNotContainKey("X-Null");
    }

    @Test
    void nullMeansNoHeaders() {
        assertThat(Redaction.headers((Map<String, String>) null)).isEmpty();
    }
}
