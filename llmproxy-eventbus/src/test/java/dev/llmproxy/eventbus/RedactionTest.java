package dev.llmproxy.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.AbstractMap.SimpleEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
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

    /** The map is built without a TreeMap; it must behave exactly like the TreeMap version did. */
    @Test
    void sameAsTheTreeMapDefinition_forRandomHeaderSets() {
        String[] names = {"Accept", "accept", "ACCEPT", "Content-Type", "content-type", "Authorization", "x-api-key",
                "X-Goog-Api-Key", "x-amz-security-token", "X-Client-Secret", "Cookie", "set-cookie", "Host",
                "X-Request-ID", "x-request-id", "OpenAI-Organization", "a", "B", "b", "z-token-not", "api-key"};
        Random random = new Random(42);
        for (int round = 0; round < 500; round++) {
            List<Map.Entry<String, String>> entries = new ArrayList<>();
            int n = random.nextInt(40);
            for (int i = 0; i < n; i++) {
                entries.add(new SimpleEntry<>(names[random.nextInt(names.length)], "v" + random.nextInt(5)));
            }
            TreeMap<String, String> expected = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (Map.Entry<String, String> e : entries) {
                boolean secret = Redaction.SENSITIVE_HEADERS.contains(e.getKey().toLowerCase(java.util.Locale.ROOT))
                        || e.getKey().toLowerCase(java.util.Locale.ROOT).matches(".*-(api-key|token|secret)");
                if (secret) {
                    expected.putIfAbsent(e.getKey(), Redaction.REDACTED);
                } else {
                    expected.merge(e.getKey(), e.getValue(), (a, b) -> a + ", " + b);
                }
            }
            SortedMap<String, String> actual = Redaction.headers(entries);
            assertThat(actual).isEqualTo(expected);
            assertThat(expected).isEqualTo(actual);
            assertThat(actual.hashCode()).isEqualTo(expected.hashCode());
            assertThat(actual.toString()).isEqualTo(expected.toString());
            assertThat(new ArrayList<>(actual.keySet())).isEqualTo(new ArrayList<>(expected.keySet()));
            for (String name : names) {
                assertThat(actual.get(name)).isEqualTo(expected.get(name));
                assertThat(actual.containsKey(name.toUpperCase(java.util.Locale.ROOT)))
                        .isEqualTo(expected.containsKey(name));
            }
            if (!expected.isEmpty()) {
                assertThat(actual.firstKey()).isEqualTo(expected.firstKey());
                assertThat(actual.lastKey()).isEqualTo(expected.lastKey());
                assertThat(actual.headMap("c")).isEqualTo(expected.headMap("c"));
            }
        }
    }

    @Test
    void theMapIsReadOnly() {
        SortedMap<String, String> h = Redaction.headers(List.of(new SimpleEntry<>("A", "1")));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.put("B", "2"))
                .isInstanceOf(UnsupportedOperationException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.entrySet().iterator().next().setValue("x"))
                .isInstanceOf(UnsupportedOperationException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.keySet().clear())
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
