package dev.llmproxy.core.project;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApiKeysTest {

    @Test
    void obfuscate_longKey_keepsAShortPrefixAndTheLastFour() {
        String key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJwxyz";

        assertThat(ApiKeys.obfuscate(key)).isEqualTo("sk-proj-abc\u2026wxyz");
    }

    @Test
    void obfuscate_neverShowsMoreThanAThirdOfTheKey() {
        StringBuilder key = new StringBuilder();
        for (int length = 1; length <= 300; length++) {
            key.append((char) ('a' + length % 26));
            String shown = ApiKeys.obfuscate(key.toString()).replace("\u2026", "").replace("*", "");
            assertThat(shown.length()).as("length %d", length).isLessThanOrEqualTo(length / 3);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "short", "elevenchars"})
    void obfuscate_shortKeys_areFullyMasked(String key) {
        assertThat(ApiKeys.obfuscate(key)).isEqualTo("****");
    }

    @Test
    void obfuscate_boundaryAndEmpty() {
        assertThat(ApiKeys.obfuscate("twelve-chars")).isEqualTo("\u2026hars");
        assertThat(ApiKeys.obfuscate("")).isEmpty();
        assertThat(ApiKeys.obfuscate(null)).isEmpty();
    }

    @Test
    void looksObfuscated_recognisesOurFormAndTheGoProxys() {
        assertThat(ApiKeys.looksObfuscated(ApiKeys.obfuscate("sk-proj-abcdefghijklmnopqrstuvwxyz"))).isTrue();
        assertThat(ApiKeys.looksObfuscated("sk-p...wxyz")).isTrue();
        assertThat(ApiKeys.looksObfuscated("sk-p****wxyz")).isTrue();
        assertThat(ApiKeys.looksObfuscated("sk-proj-abcdefghijklmnopqrstuvwxyz")).isFalse();
        assertThat(ApiKeys.looksObfuscated(null)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "sk has spaces", "sk-line\nbreak", "sk-tab\t", "sk-caf\u00e9",
            "sk-p...wxyz", "sk-proj-abc\u2026wxyz", "sk-****", "enc:v1:AAAA"})
    void requireUsable_refusesWhatCannotBeARealKey(String key) {
        assertThatThrownBy(() -> ApiKeys.requireUsable(key))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("api_key")
                .satisfies(e -> {
                    if (key.length() > 3) {
                        assertThat(e.getMessage()).as("the value is not echoed").doesNotContain(key);
                    }
                });
    }

    @Test
    void requireUsable_acceptsRealLookingKeys_andRefusesHugeOnes() {
        assertThat(ApiKeys.requireUsable("sk-proj-AbC_123-xyz")).isEqualTo("sk-proj-AbC_123-xyz");
        assertThat(ApiKeys.requireUsable("sk-ant-api03-'quote'")).isEqualTo("sk-ant-api03-'quote'");
        assertThatThrownBy(() -> ApiKeys.requireUsable("k".repeat(4097))).hasMessageContaining("at most 4096");
        assertThatThrownBy(() -> ApiKeys.requireUsable(null)).hasMessage("api_key must not be empty");
    }
}
