package dev.llmproxy.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;
import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ValueParsersTest {

    @Test
    void listenAddressForms() {
        InetSocketAddress any = ValueParsers.listenAddress(":8080");
        assertThat(any.getAddress().isAnyLocalAddress()).isTrue();
        assertThat(any.getPort()).isEqualTo(8080);

        InetSocketAddress allV4 = ValueParsers.listenAddress("0.0.0.0:8080");
        assertThat(allV4.getAddress().getHostAddress()).isEqualTo("0.0.0.0");
        assertThat(allV4.getPort()).isEqualTo(8080);

        InetSocketAddress loopback = ValueParsers.listenAddress("127.0.0.1:9000");
        assertThat(loopback.getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(loopback.getPort()).isEqualTo(9000);

        InetSocketAddress v6 = ValueParsers.listenAddress("[::1]:8080");
        assertThat(v6.getAddress().isLoopbackAddress()).isTrue();
        assertThat(v6.getAddress().getHostAddress()).contains(":");
        assertThat(v6.getPort()).isEqualTo(8080);

        assertThat(ValueParsers.listenAddress("localhost:0").getAddress().isLoopbackAddress()).isTrue();
        assertThat(ValueParsers.listenAddress(" :65535 ").getPort()).isEqualTo(65535);
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "", ":", "127.0.0.1", "127.0.0.1:", ":http", ":65536", ":-1", ":123456",
        "::1:8080", "[::1]", "[::1]8080", "[127.0.0.1]:80", "a b:80", "host_name:80", "[]:80"})
    void malformedListenAddress(String text) {
        assertThatThrownBy(() -> ValueParsers.listenAddress(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("expected host:port or :port, got '" + text + "'");
    }

    @Test
    void bareNumberSuggestsTheColonForm() {
        assertThatThrownBy(() -> ValueParsers.listenAddress("8080"))
                .hasMessage("expected host:port or :port, got '8080' (did you mean ':8080'?)");
    }

    @Test
    void unbracketedIpv6ExplainsTheBrackets() {
        assertThatThrownBy(() -> ValueParsers.listenAddress("::1:8080")).hasMessageContaining("[::1]:8080");
    }

    @Test
    void unresolvableHostIsNamed() {
        assertThatThrownBy(() -> ValueParsers.listenAddress("no-such-host.invalid:8080"))
                .hasMessage("cannot resolve host 'no-such-host.invalid' in 'no-such-host.invalid:8080'");
    }

    @Test
    void byteSizes() {
        assertThat(ValueParsers.byteSize("1048576")).isEqualTo(1_048_576L);
        assertThat(ValueParsers.byteSize("10MiB")).isEqualTo(10L * 1024 * 1024);
        assertThat(ValueParsers.byteSize("512KiB")).isEqualTo(512L * 1024);
        assertThat(ValueParsers.byteSize("1MB")).isEqualTo(1_000_000L);
        assertThat(ValueParsers.byteSize("2 gib")).isEqualTo(2L << 30);
        assertThat(ValueParsers.byteSize("100b")).isEqualTo(100L);
        assertThat(ValueParsers.byteSize(" 7kb ")).isEqualTo(7_000L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ten", "-1", "1.5MiB", "10 M", "10MIBS", "MiB", "1e6", "99999999999999999999"})
    void malformedByteSizes(String text) {
        assertThatThrownBy(() -> ValueParsers.byteSize(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("expected a size like 1048576, 512KiB, 10MiB or 1MB, got '" + text + "'");
    }

    @Test
    void integersInRange() {
        assertThat(ValueParsers.intInRange("0", 0, 10)).isZero();
        assertThat(ValueParsers.intInRange(" 10 ", 0, 10)).isEqualTo(10);
        for (String bad : new String[] {"11", "-1", "x", "", "1.0", "99999999999", "-"}) {
            assertThatThrownBy(() -> ValueParsers.intInRange(bad, 0, 10))
                    .hasMessage("expected a whole number from 0 to 10, got '" + bad + "'");
        }
    }

    @Test
    void baseUrls() {
        assertThat(ValueParsers.baseUrl("https://api.openai.com")).isEqualTo(URI.create("https://api.openai.com"));
        assertThat(ValueParsers.baseUrl("http://127.0.0.1:9999/")).isEqualTo(URI.create("http://127.0.0.1:9999"));
        assertThat(ValueParsers.baseUrl("HTTPS://Example.com:8443")).isEqualTo(URI.create("https://Example.com:8443"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"api.openai.com", "ftp://example.com", "https://", "https://api.openai.com/v1",
        "https://user:pw@example.com", "https://example.com?x=1", "http://exa mple.com", ""})
    void malformedBaseUrls(String text) {
        assertThatThrownBy(() -> ValueParsers.baseUrl(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("expected an http:// or https:// URL like https://api.openai.com, got '"
                        + text + "'");
    }

    @Test
    void aPathInTheBaseUrlIsExplained() {
        assertThatThrownBy(() -> ValueParsers.baseUrl("https://api.openai.com/v1")).hasMessageContaining("leave out the path");
    }

    @Test
    void secretsAreTrimmedAndNeverEchoed() {
        assertThat(ValueParsers.secret("  sk-abc \n")).isEqualTo("sk-abc");
        assertThatThrownBy(() -> ValueParsers.secret("sk-with space"))
                .hasMessageNotContaining("sk-with")
                .hasMessageContaining("printable ASCII");
        assertThatThrownBy(() -> ValueParsers.secret("  ")).hasMessageContaining("non-empty");
    }
}
