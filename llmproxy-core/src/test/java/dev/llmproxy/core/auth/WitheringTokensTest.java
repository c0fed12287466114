package dev.llmproxy.core.auth;

import dev.llmproxy.core.store.Race;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class WitheringTokensTest {

    @Test
    void generate_makesPrefixedBase64UrlOf32RandomBytes() {
        String token = WitheringTokens.generate();

        assertThat(token).hasSize(46).startsWith("sk-").matches("sk-[A-Za-z0-9_-]{43}");
        assertThat(Base64.getUrlDecoder().decode(token.substring(3))).hasSize(32);
        assertThat(WitheringTokens.looksValid(token)).isTrue();
    }

    @Test
    void generate_neverRepeats() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            seen.add(WitheringTokens.generate());
        }

        assertThat(seen).hasSize(10_000);
    }

    @Test
    void hash_isLowercaseHexSha256() {
        // FIPS 180-2 test vector for "abc".
        assertThat(WitheringTokens.hash("abc"))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(WitheringTokens.isHash(WitheringTokens.hash(WitheringTokens.generate()))).isTrue();
    }

    @Test
    void hash_givesTheSameAnswersOnManyThreadsAtOnce() throws Exception {
        List<String> tokens = List.of(WitheringTokens.generate(), WitheringTokens.generate());
        List<String> expected = tokens.stream().map(WitheringTokens::hash).toList();

        List<Boolean> agreed = Race.run(16, () -> {
            for (int i = 0; i < 2_000; i++) {
                if (!WitheringTokens.hash(tokens.get(i % 2)).equals(expected.get(i % 2))) {
                    return false;
                }
            }
            return true;
        });

        assertThat(agreed).containsOnly(true);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "sk-",
            "Bearer sk-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "pk-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "sk-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "sk-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "sk-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+A",
            "sk-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'A",
            "sk-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",
            "sk-2f7Yw3Rd9Qk"
    })
    void looksValid_refusesAnythingElse(String candidate) {
        assertThat(WitheringTokens.looksValid(candidate)).isFalse();
    }

    @Test
    void looksValid_acceptsEveryCanonicalLastCharacter() {
        assertThat(WitheringTokens.looksValid("sk-" + "A".repeat(42) + "A")).isTrue();
        assertThat(WitheringTokens.looksValid("sk-" + "_".repeat(42) + "w")).isTrue();
        assertThat(WitheringTokens.looksValid(null)).isFalse();
    }

    @Test
    void isHash_acceptsOnly64LowercaseHexDigits() {
        assertThat(WitheringTokens.isHash("a".repeat(64))).isTrue();
        assertThat(WitheringTokens.isHash("A".repeat(64))).isFalse();
        assertThat(WitheringTokens.isHash("a".repeat(63))).isFalse();
        assertThat(WitheringTokens.isHash("g".repeat(64))).isFalse();
        assertThat(WitheringTokens.isHash(null)).isFalse();
    }
}
