package dev.llmproxy.core.route;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GlobTest {

    @ParameterizedTest(name = "{0} ~ {1} -> {2}")
    @CsvSource({
            // literals: whole-text, case-sensitive
            "gpt-4o, gpt-4o, true",
            "gpt-4o, gpt-4o-mini, false",
            "gpt-4o, GPT-4o, false",
            "gpt-4.1, gpt-4x1, false",
            // star
            "gpt-4o-*, gpt-4o-mini, true",
            "gpt-4o-*, gpt-4o-, true",
            "gpt-4o-*, gpt-4o, false",
            "*, anything-at-all, true",
            "*mini, gpt-4o-mini, true",
            "a*b*c, axxbyyc, true",
            "a*b*c, axxbyy, false",
            "a**b, ab, true",
            // star and question mark stop at '/'
            "*, meta-llama/Llama-3, false",
            "meta-llama/*, meta-llama/Llama-3, true",
            "meta-llama/*, meta-llama/Llama-3/extra, false",
            "*/*, org/model, true",
            "*/*, model, false",
            "a?c, abc, true",
            "a?c, ac, false",
            "a?c, a/c, false",
            // classes
            "gpt-[34]o, gpt-4o, true",
            "gpt-[34]o, gpt-5o, false",
            "v[0-9], v7, true",
            "v[0-9], vx, false",
            "v[!0-9], vx, true",
            "v[!0-9], v7, false",
            "v[^0-9], vx, true",
            "v[a-cx-z], vy, true",
            "v[a-cx-z], vm, false",
            "[]]x, ]x, true",
            "[!]]x, ]x, false",
            "[a-], -, true",
            "[-a], -, true",
            "a[!b]c, a/c, false",
            // escapes
            "gpt\\*, gpt*, true",
            "gpt\\*, gpt-4, false",
            "a\\?, a?, true",
            "[\\]], ], true",
            // empty
            "'', '', true",
            "'', x, false",
            "*, '', true"
    })
    void matches_pattern_followsShellRules(String pattern, String text, boolean expected) {
        assertThat(Glob.compile(pattern).matches(text)).isEqualTo(expected);
    }

    @Test
    void matches_unicode_questionMarkIsOneCharacterEvenOutsideTheBmp() {
        assertThat(Glob.compile("model-?").matches("model-\uD83D\uDE80")).isTrue();
        assertThat(Glob.compile("model-??").matches("model-\uD83D\uDE80")).isFalse();
        assertThat(Glob.compile("caf[\u00e9e]").matches("caf\u00e9")).isTrue();
    }

    @Test
    void matches_null_isFalse() {
        assertThat(Glob.compile("*").matches(null)).isFalse();
    }

    @Test
    void matches_pathologicalPattern_returnsOnLongInput() {
        String text = "a".repeat(100_000);
        Glob glob = Glob.compile("a*a*a*a*a*a*a*a*a*a*b");
        assertThat(glob.matches(text)).isFalse();
        assertThat(glob.matches(text + "b")).isTrue();
        assertThat(Glob.compile("*?*?*?*?*?*?*x").matches("y".repeat(50_000))).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "gpt-[4         | invalid pattern 'gpt-[4': the character class opened at position 5 has no closing ']'",
            "[]             | invalid pattern '[]': the character class opened at position 1 has no closing ']'",
            "[!             | invalid pattern '[!': the character class opened at position 1 has no closing ']'",
            "v[z-a]         | invalid pattern 'v[z-a]': the range z-a in the class at position 2 runs backwards",
            "gpt\\          | invalid pattern 'gpt\\': it ends with a lone backslash (write \\\\ for a literal backslash)",
            "[a\\           | invalid pattern '[a\\': the character class opened at position 1 has no closing ']'"
    })
    void compile_malformed_failsSayingWhereAndWhy(String pattern, String message) {
        assertThatThrownBy(() -> Glob.compile(pattern.strip()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message.strip());
    }

    @Test
    void pattern_isKeptAsWritten() {
        Glob glob = Glob.compile("gpt-4o-*");
        assertThat(glob.pattern()).isEqualTo("gpt-4o-*");
        assertThat(glob).hasToString("gpt-4o-*").isEqualTo(Glob.compile("gpt-4o-*"));
    }
}
