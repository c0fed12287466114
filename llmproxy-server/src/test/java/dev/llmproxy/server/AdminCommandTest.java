package dev.llmproxy.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code llm-proxy admin} (standalone UI on its own port) against a real {@code llm-proxy server};
 * and the {@code ADMIN_*} settings of {@code llm-proxy server}.
 */
class AdminCommandTest {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_1_1).build();

    private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void standaloneUiLogsInThroughTheServersManagementApi() throws Exception {
        try (RunningServer server = new RunningServer(dir, Map.of())) {
            TestConsole console = new TestConsole(Map.of("LOG_LEVEL", "warn"));
            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> Main.run(console.context, "admin",
                    "--listen", "127.0.0.1:0", "--manage-api-base-url", server.base.toString()));
            Matcher m = console.awaitOut("^llm-proxy admin listening on (http://127\\.0\\.0\\.1:\\d+)/admin/",
                    RunningServer.WAIT);
            URI ui = URI.create(m.group(1));
            try {
                assertThat(send(HttpRequest.newBuilder(ui.resolve("/admin/projects"))).headers()
                        .firstValue("Location")).hasValue("/admin/login");
                HttpResponse<String> form = send(HttpRequest.newBuilder(ui.resolve("/admin/login")));
                String cookie = form.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
                Matcher csrf = Pattern.compile("name=\"csrf_token\" value=\"([^\"]+)\"").matcher(form.body());
                assertThat(csrf.find()).isTrue();
                HttpResponse<String> login = send(HttpRequest.newBuilder(ui.resolve("/admin/login"))
                        .header("Cookie", cookie).header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("csrf_token=" + csrf.group(1)
                                + "&management_token=" + RunningServer.MANAGEMENT_TOKEN)));
                assertThat(login.statusCode()).isEqualTo(303);
                String session = login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
                server.manage("POST", "/manage/projects", "{\"name\":\"seen-from-standalone\",\"api_key\":\"sk-abc123456789\"}");
                HttpResponse<String> projects = send(HttpRequest.newBuilder(ui.resolve("/admin/projects"))
                        .header("Cookie", session));
                assertThat(projects.statusCode()).isEqualTo(200);
                assertThat(projects.body()).contains("seen-from-standalone");
                // The standalone server answers only the UI.
                assertThat(send(HttpRequest.newBuilder(ui.resolve("/manage/projects"))).statusCode()).isEqualTo(404);
                assertThat(send(HttpRequest.newBuilder(ui.resolve("/"))).headers().firstValue("Location"))
                        .hasValue("/admin/");
            } finally {
                console.shutdown();
            }
            assertThat(exit.get(20, TimeUnit.SECONDS)).isEqualTo(Main.EXIT_OK);
        }
    }

    @Test
    void embeddedUiCanBeSwitchedOff() throws Exception {
        try (RunningServer on = new RunningServer(dir.resolve("on"), Map.of())) {
            assertThat(on.send("GET", "/admin/login", null).statusCode()).isEqualTo(200);
        }
        try (RunningServer off = new RunningServer(dir.resolve("off"), Map.of("ADMIN_UI_ENABLED", "false"))) {
            assertThat(off.send("GET", "/admin/login", null).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void adminSettingsFromEnvironment() {
        AdminSettings defaults = new ServerConfigReader(ServerFlags.NONE, Map.of()).adminSettings();
        assertThat(defaults).isEqualTo(AdminSettings.DEFAULTS);
        assertThat(defaults.enabled()).isTrue();
        AdminSettings set = new ServerConfigReader(ServerFlags.NONE, Map.of("ADMIN_UI_ENABLED", "false",
                "ADMIN_SESSION_IDLE_TIMEOUT", "10m", "ADMIN_SESSION_MAX_LIFETIME", "2h",
                "ADMIN_SESSION_SECURE_COOKIE", "true", "ADMIN_TRUST_FORWARDED_PROTO", "yes")).adminSettings();
        assertThat(set).isEqualTo(new AdminSettings(false, Duration.ofMinutes(10), Duration.ofHours(2), true, true));
        assertThatThrownBy(() -> new ServerConfigReader(ServerFlags.NONE, Map.of("ADMIN_SESSION_IDLE_TIMEOUT", "soon"))
                .adminSettings()).isInstanceOf(ConfigError.class).hasMessageContaining("ADMIN_SESSION_IDLE_TIMEOUT");
    }

    @Test
    void badListenAddressIsAUsageError() {
        TestConsole console = new TestConsole(Map.of());
        assertThat(Main.run(console.context, "admin", "--listen", "nope")).isEqualTo(Main.EXIT_USAGE);
        assertThat(console.err()).contains("--listen");
    }
}
