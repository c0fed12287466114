package dev.llmproxy.core.manage;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ManagementAuthTest {

    private final ManagementAuth auth = new ManagementAuth("s3cret-token");

    @Test
    void acceptsOnlyTheBearerToken() {
        assertThat(auth.accepts("Bearer s3cret-token")).isTrue();
        assertThat(auth.accepts("bearer s3cret-token")).isTrue();
        assertThat(auth.accepts("BEARER s3cret-token")).isTrue();
        assertThat(auth.accepts(null)).isFalse();
        assertThat(auth.accepts("")).isFalse();
        assertThat(auth.accepts("Bearer ")).isFalse();
        assertThat(auth.accepts("Bearer s3cret-toke")).isFalse();
        assertThat(auth.accepts("Bearer s3cret-token ")).isFalse();
        assertThat(auth.accepts("Bearer  s3cret-token")).isFalse();
        assertThat(auth.accepts("Basic s3cret-token")).isFalse();
        assertThat(auth.accepts("s3cret-token")).isFalse();
    }

    @Test
    void emptyTokenIsRefused() {
        assertThatThrownBy(() -> new ManagementAuth("")).isInstanceOf(IllegalArgumentException.class);
    }
}
