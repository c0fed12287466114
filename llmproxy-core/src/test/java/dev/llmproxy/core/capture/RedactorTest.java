package dev.llmproxy.core.capture;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RedactorTest {

    private final Redactor redactor = new Redactor(List.of("management-secret-value"));
    private final List<String> secrets = redactor.secretsFor(List.of("azure0123456789abcdef"));

    @Test
    void credentialHeadersLoseTheirWholeValue_whateverTheCase() {
        for (String name : List.of("Authorization", "proxy-authorization", "API-Key", "x-api-key", "Cookie",
                "Set-Cookie", "X-Management-Token")) {
            assertThat(redactor.header(name, "anything at all", secrets)).as(name).isEqualTo("[REDACTED]");
        }
        assertThat(redactor.header("Content-Type", "application/json", secrets)).isEqualTo("application/json");
    }

    @Test
    void knownValuesAreRedactedAnywhere() {
        assertThat(redactor.text("x management-secret-value y azure0123456789abcdef", secrets, false))
                .isEqualTo("x [REDACTED] y [REDACTED]");
    }

    @Test
    void secretShapesAreRedacted() {
        assertThat(redactor.text("key sk-proj-AbC_d-12345678 and sk-ant-api03-xyzxyzxyz", secrets, false))
                .isEqualTo("key [REDACTED] and [REDACTED]");
        assertThat(redactor.text("Authorization: Bearer eyJhbGciOi.J9x_y", secrets, false))
                .isEqualTo("Authorization: Bearer [REDACTED]");
        assertThat(redactor.text("{\"password\": \"hunter2\", \"max_tokens\": 5, \"token\":\"a\\\"b\"}", secrets, false))
                .isEqualTo("{\"password\": \"[REDACTED]\", \"max_tokens\": 5, \"token\":\"[REDACTED]\"}");
        assertThat(redactor.text("/v1/models?api-key=abc&x=1&access_token=zz#f", secrets, false))
                .isEqualTo("/v1/models?api-key=[REDACTED]&x=1&access_token=[REDACTED]#f");
    }

    @Test
    void ordinaryTextIsLeftAlone() {
        String text = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"ask about tokens\"}]}";
        assertThat(redactor.text(text, secrets, false)).isEqualTo(text);
    }

    @Test
    void aTruncatedBody_losesTheStartOfASecretCutAtItsEnd() {
        assertThat(redactor.text("hello sk-ab", secrets, true)).isEqualTo("hello [REDACTED]");
        assertThat(redactor.text("hello azure0123", secrets, true)).isEqualTo("hello [REDACTED]");
        assertThat(redactor.text("hello azure0123", secrets, false)).isEqualTo("hello azure0123");
    }

    @Test
    void shortConfiguredValuesAreIgnored_ratherThanRedactingOrdinaryWords() {
        Redactor r = new Redactor(List.of("a", "the"));
        assertThat(r.text("the cat", r.secretsFor(List.of()), false)).isEqualTo("the cat");
    }

    @Test
    void theQuickPreChecksIgnoreCase_likeThePatterns() {
        assertThat(redactor.text("AUTH: BEARER abcdef.ghi", secrets, false)).isEqualTo("AUTH: BEARER [REDACTED]");
        assertThat(redactor.text("/x?API_KEY=abc123", secrets, false)).isEqualTo("/x?API_KEY=[REDACTED]");
        assertThat(redactor.text("{\"Client_Secret\":\"s3cr3t\"}", secrets, false))
                .isEqualTo("{\"Client_Secret\":\"[REDACTED]\"}");
        assertThat(Redactor.containsIgnoreCase("xxPaSsWord", "passw")).isTrue();
        assertThat(Redactor.containsIgnoreCase("pass", "passw")).isFalse();
    }
}
