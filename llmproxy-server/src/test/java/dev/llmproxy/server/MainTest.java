package dev.llmproxy.server;

import dev.llmproxy.core.LlmProxy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Exit codes and messages of the command line, run in-process. */
class MainTest {

    @TempDir
    Path dir;

    private static int run(TestConsole console, String... args) {
        return Main.run(console.context, args);
    }

    @Test
    void helpListsTheServerCommand() {
        TestConsole console = new TestConsole(Map.of());
        assertThat(run(console, "--help")).isZero();
        assertThat(console.out()).contains("Usage: llm-proxy", "server", "manage", "migrate");
        assertThat(console.err()).isEmpty();
    }

    @Test
    void helpListsEveryCommand() {
        TestConsole console = new TestConsole(Map.of());
        assertThat(run(console, "--help")).isZero();
        assertThat(console.out()).contains("server", "dispatcher", "manage", "migrate", "capture", "admin",
                "benchmark");
    }

    /** Only the named command is built; its key in the table must be the name picocli knows it by. */
    @Test
    void everyCommandRunsUnderItsOwnName() {
        for (String name : new String[] {"server", "dispatcher", "manage", "migrate", "capture", "admin",
            "benchmark"}) {
            TestConsole console = new TestConsole(Map.of());
            assertThat(run(console, name, "--help")).as(name).isZero();
            assertThat(console.out()).as(name).contains("Usage: llm-proxy " + name);
        }
    }

    @Test
    void serverHelpListsItsFlagsAndVariables() {
        TestConsole console = new TestConsole(Map.of());
        assertThat(run(console, "server", "--help")).isZero();
        assertThat(console.out()).contains("--listen", "LISTEN_ADDR", "--config", "API_CONFIG_PATH", "--provider",
                "--openai-api-url", "--db", "DATABASE_PATH", "--max-request-body-bytes", "--io-threads", "--log-level",
                "--log-file");
    }

    /** Netty's JFR allocator events are off in the llm-proxy process unless the command line says otherwise. */
    @Test
    void processDefaultsSwitchNettysJfrEventsOff_unlessSetAlready() {
        String saved = System.getProperty(Main.NETTY_JFR);
        try {
            System.clearProperty(Main.NETTY_JFR);
            Main.processDefaults();
            assertThat(System.getProperty(Main.NETTY_JFR)).isEqualTo("false");

            System.setProperty(Main.NETTY_JFR, "true");
            Main.processDefaults();
            assertThat(System.getProperty(Main.NETTY_JFR)).isEqualTo("true");
        } finally {
            if (saved == null) {
                System.clearProperty(Main.NETTY_JFR);
            } else {
                System.setProperty(Main.NETTY_JFR, saved);
            }
        }
    }

    @Test
    void versionIsTheLibraryVersion() {
        TestConsole console = new TestConsole(Map.of());
        assertThat(run(console, "--version")).isZero();
        assertThat(console.out()).startsWith("llm-proxy " + LlmProxy.VERSION);
    }

    @Test
    void noCommandIsAUsageError() {
        TestConsole console = new TestConsole(Map.of());
        assertThat(run(console)).isEqualTo(Main.EXIT_USAGE);
        assertThat(console.err()).startsWith("llm-proxy: missing command").contains("server");
    }

    @Test
    void unknownFlagIsAUsageErrorWithASuggestion() {
        TestConsole console = new TestConsole(Map.of());
        assertThat(run(console, "server", "--lisen", ":0")).isEqualTo(Main.EXIT_USAGE);
        assertThat(console.err()).contains("Unknown option", "--listen", "llm-proxy server --help");
        assertThat(console.out()).isEmpty();
    }

    @Test
    void malformedVariableIsOneLineOnStderrWithExitCode2() {
        TestConsole console = new TestConsole(Map.of("LISTEN_ADDR", "abc"));
        assertThat(run(console, "server")).isEqualTo(Main.EXIT_USAGE);
        assertThat(console.err()).isEqualTo("llm-proxy: LISTEN_ADDR: expected host:port or :port, got 'abc'"
                + System.lineSeparator());
        assertThat(console.out()).isEmpty();
    }

    @Test
    void malformedFlagIsNamedByTheFlag() {
        TestConsole console = new TestConsole(Map.of());
        assertThat(run(console, "server", "--max-request-body-bytes", "lots")).isEqualTo(Main.EXIT_USAGE);
        assertThat(console.err()).isEqualTo("llm-proxy: --max-request-body-bytes: expected a size like 1048576,"
                + " 512KiB, 10MiB or 1MB, got 'lots'" + System.lineSeparator());
    }

    @Test
    void theGoFlagNameAddrIsAccepted() {
        TestConsole console = new TestConsole(Map.of());
        assertThat(run(console, "server", "--addr", "bad")).isEqualTo(Main.EXIT_USAGE);
        assertThat(console.err()).contains("expected host:port or :port, got 'bad'");
        TestConsole both = new TestConsole(Map.of());
        assertThat(run(both, "server", "--addr", ":1", "--listen", ":2")).isEqualTo(Main.EXIT_USAGE);
        assertThat(both.err()).contains("--addr is the old name of --listen");
    }

    @Test
    void missingProviderFileIsAUsageError() {
        TestConsole console = new TestConsole(Map.of("API_CONFIG_PATH", "/nonexistent/providers.yaml"));
        assertThat(run(console, "server")).isEqualTo(Main.EXIT_USAGE);
        assertThat(console.err()).isEqualTo("llm-proxy: API_CONFIG_PATH: /nonexistent/providers.yaml: file not found"
                + System.lineSeparator());
    }

    @Test
    void addressInUseIsARuntimeFailure() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            TestConsole console = new TestConsole(Map.of("LISTEN_ADDR", "127.0.0.1:" + taken.getLocalPort(),
                    "DATABASE_PATH", dir.resolve("llm-proxy.db").toString(),
                    "AUDIT_LOG_FILE", dir.resolve("audit.log").toString(),
                    "MANAGEMENT_TOKEN", "a-long-enough-management-token"));
            assertThat(run(console, "server")).isEqualTo(Main.EXIT_RUNTIME);
            assertThat(console.err()).startsWith("llm-proxy: cannot listen on").contains(
                    String.valueOf(taken.getLocalPort())).doesNotContain("\tat ");
            assertThat(console.err().lines()).hasSize(1);
        } finally {
            Logging.apply(LogSettings.DEFAULTS);
        }
    }
}
