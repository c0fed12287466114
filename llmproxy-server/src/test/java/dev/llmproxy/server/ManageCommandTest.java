package dev.llmproxy.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.testing.MockOpenAiUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code llm-proxy manage …} run in-process against a real server (SQLite in a temp directory)
 * started by the test, in front of a mock upstream.
 */
class ManageCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String API_KEY = "sk-proj-cli-test-upstream-key-0123456789";

    @TempDir
    static Path dir;

    private static MockOpenAiUpstream upstream;
    private static RunningServer server;

    @BeforeAll
    static void start() throws Exception {
        upstream = MockOpenAiUpstream.start();
        server = new RunningServer(dir, Map.of("OPENAI_API_URL", upstream.baseUri().toString()));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        upstream.close();
    }

    /** One CLI run: its exit code and output. */
    record Run(int exit, String out, String err) {
        String group(String regex) {
            Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(out);
            assertThat(m.find()).as("%s in:%n%s", regex, out).isTrue();
            return m.group(1);
        }

        JsonNode json() throws IOException {
            return JSON.readTree(out);
        }
    }

    /** {@code llm-proxy manage ARGS} against the test server with the right management token. */
    private static Run manage(String... args) {
        List<String> all = new ArrayList<>(List.of("manage"));
        all.addAll(List.of(args));
        all.addAll(List.of("--manage-api-base-url", server.base.toString()));
        return run(Map.of("MANAGEMENT_TOKEN", RunningServer.MANAGEMENT_TOKEN), all.toArray(String[]::new));
    }

    private static Run run(Map<String, String> env, String... args) {
        TestConsole console = new TestConsole(env);
        int exit = Main.run(console.context, args);
        return new Run(exit, console.out(), console.err());
    }

    @Test
    void createProject_generateToken_list_revoke_andTheTokenStopsWorking() throws Exception {
        Run created = manage("project", "create", "--name", "cli-demo", "--api-key", API_KEY);
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(created.out()).startsWith("Created project cli-demo.").doesNotContain(API_KEY);
        String projectId = created.group("^ID:\\s+(\\S+)$");
        assertThat(created.group("^API key:\\s+(\\S+)$")).endsWith("6789");

        Run generated = manage("token", "generate", "--project-id", projectId, "--duration-minutes", "30",
                "--max-requests", "10", "--rate-limit-rpm", "60");
        assertThat(generated.exit()).as(generated.err()).isZero();
        assertThat(generated.out()).contains("shown only this once");
        String token = generated.group("^  (sk-[A-Za-z0-9_-]{43})$");
        String tokenId = generated.group("^ID:\\s+(\\S+)$");
        assertThat(generated.group("^Requests:\\s+(.+)$")).isEqualTo("0 of 10");
        assertThat(generated.group("^Rate limit:\\s+(.+)$")).isEqualTo("60/min");

        assertThat(server.chat(token).statusCode()).isEqualTo(200);

        Run projects = manage("project", "list");
        assertThat(projects.exit()).isZero();
        assertThat(projects.out()).startsWith("ID").contains("NAME", "API KEY", "cli-demo", projectId)
                .doesNotContain(API_KEY);

        Run tokens = manage("token", "list", "--project-id", projectId);
        assertThat(tokens.exit()).isZero();
        assertThat(tokens.out()).contains("STATUS", tokenId, "active").doesNotContain(token);

        Run revoked = manage("token", "revoke", tokenId);
        assertThat(revoked.exit()).isZero();
        assertThat(revoked.out()).isEqualTo("Revoked token " + tokenId + "." + System.lineSeparator());

        JsonNode after = manage("token", "get", tokenId, "--json").json();
        assertThat(after.get("is_active").asBoolean()).isFalse();
        assertThat(after.has("token")).isFalse();
        assertThat(manage("token", "list", "--project-id", projectId).out()).contains("revoked");
        assertThat(manage("token", "list", "--project-id", projectId, "--active-only").out())
                .isEqualTo("No tokens." + System.lineSeparator());
        assertThat(server.chat(token).statusCode()).isEqualTo(401);
    }

    @Test
    void jsonOutput_isTheServersJson() throws Exception {
        String projectId = manage("project", "create", "--name", "json-demo", "--api-key", API_KEY, "--json")
                .json().get("id").asText();
        JsonNode list = manage("project", "list", "--json", "--page-size", "500").json();
        assertThat(list.get("projects").findValuesAsText("id")).contains(projectId);
        assertThat(list.at("/pagination/page_size").asInt()).isEqualTo(500);
        JsonNode token = manage("token", "generate", "--project-id", projectId, "--json").json();
        assertThat(token.get("token").asText()).startsWith("sk-");
        assertThat(token.get("max_requests").isNull()).isTrue();
        JsonNode tokens = manage("token", "list", "--project-id", projectId, "--json").json();
        assertThat(tokens.get("tokens")).hasSize(1);
        JsonNode got = manage("project", "get", projectId, "--json").json();
        assertThat(got.get("name").asText()).isEqualTo("json-demo");
    }

    @Test
    void updateWithRevokeTokens_andDelete() throws Exception {
        String projectId = manage("project", "create", "--name", "to-deactivate", "--api-key", API_KEY, "--json")
                .json().get("id").asText();
        String token = manage("token", "generate", "--project-id", projectId, "--json").json().get("token").asText();
        Run updated = manage("project", "update", projectId, "--active", "false", "--revoke-tokens",
                "--name", "deactivated");
        assertThat(updated.exit()).as(updated.err()).isZero();
        assertThat(updated.out()).startsWith("Updated project deactivated. Tokens revoked: 1.");
        assertThat(updated.group("^Active:\\s+(\\S+)$")).isEqualTo("no");
        assertThat(server.chat(token).statusCode()).isEqualTo(401);

        Run deleted = manage("project", "delete", projectId);
        assertThat(deleted.exit()).isZero();
        assertThat(deleted.out()).contains("Deleted project " + projectId);
        Run gone = manage("project", "get", projectId);
        assertThat(gone.exit()).isEqualTo(Main.EXIT_RUNTIME);
        assertThat(gone.err()).isEqualTo("error: Project " + projectId + " not found (project_not_found, HTTP 404)"
                + System.lineSeparator());
    }

    @Test
    void serverErrors_areShownWithCodeAndStatus_exitCode1() {
        Run wrongToken = run(Map.of("MANAGEMENT_TOKEN", "not-the-token"), "manage", "project", "list",
                "--manage-api-base-url", server.base.toString());
        assertThat(wrongToken.exit()).isEqualTo(Main.EXIT_RUNTIME);
        assertThat(wrongToken.err()).isEqualTo("error: Missing or invalid management token: send 'Authorization:"
                + " Bearer <MANAGEMENT_TOKEN>' (unauthorized, HTTP 401)" + System.lineSeparator());
        assertThat(wrongToken.out()).isEmpty();

        Run flagWins = run(Map.of("MANAGEMENT_TOKEN", "not-the-token"), "manage", "project", "list",
                "--manage-api-base-url", server.base.toString(), "--management-token", RunningServer.MANAGEMENT_TOKEN);
        assertThat(flagWins.exit()).isZero();

        Run tooLong = manage("token", "generate", "--project-id", "whatever", "--duration-minutes", "999999");
        assertThat(tooLong.exit()).isEqualTo(Main.EXIT_RUNTIME);
        assertThat(tooLong.err()).startsWith("error: Field 'duration_minutes' must be a whole number from 1 to 525600")
                .endsWith("(invalid_request, HTTP 400)" + System.lineSeparator());
    }

    @Test
    void unreachableServer_namesTheUrl_exitCode1() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Run r = run(Map.of("MANAGEMENT_TOKEN", "x"), "manage", "token", "list",
                "--manage-api-base-url", "http://127.0.0.1:" + port);
        assertThat(r.exit()).isEqualTo(Main.EXIT_RUNTIME);
        assertThat(r.err()).startsWith("cannot connect to the management API at http://127.0.0.1:" + port
                + ": connection refused");
    }

    @Test
    void usageErrors_exitCode2() {
        Run noToken = run(Map.of(), "manage", "project", "list", "--manage-api-base-url", server.base.toString());
        assertThat(noToken.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(noToken.err()).startsWith("llm-proxy: no management token: pass --management-token or set"
                + " MANAGEMENT_TOKEN");

        assertThat(manage("project", "create", "--name", "x").exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(manage("project", "update", "some-id").err()).contains("nothing to update");
        assertThat(manage("project", "update", "some-id", "--revoke-tokens", "--name", "n").err())
                .contains("--revoke-tokens needs --active false");
        assertThat(manage("project", "update", "some-id", "--active", "maybe").exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(manage("token", "generate", "--project-id", "p", "--duration-minutes", "abc").exit())
                .isEqualTo(Main.EXIT_USAGE);
        assertThat(manage("token", "frobnicate").exit()).isEqualTo(Main.EXIT_USAGE);
        Run bare = run(Map.of(), "manage");
        assertThat(bare.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(bare.err()).contains("missing command", "project", "token");
        Run badUrl = run(Map.of("MANAGEMENT_TOKEN", "x"), "manage", "project", "list",
                "--manage-api-base-url", "localhost:8080");
        assertThat(badUrl.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(badUrl.err()).contains("--manage-api-base-url: expected an http:// or https:// URL");
    }
}
