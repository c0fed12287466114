package dev.llmproxy.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.dispatch.Dispatchers;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * There is no Docker engine to build or run the container files here, so they are checked the
 * way they can be: parsed, and held against the code and the repository they refer to (variables
 * the server reads, dispatcher names, paths, ports, health endpoints). The Jib image built by
 * {@code -Pimage} is run for real by {@code packaging/image-smoke-test.sh} in {@code .ci/run}.
 */
class ContainerFilesTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();

    @SuppressWarnings("unchecked")
    private static Map<String, Object> compose() throws Exception {
        // SnakeYAML resolves the anchors and "<<" merge keys the file uses, as docker compose does.
        return (Map<String, Object>) new Yaml().load(Files.readString(ROOT.resolve("docker-compose.yml")));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @Test
    @SuppressWarnings("unchecked")
    void composeFile_runsRedisTheProxyAndADispatcher_withHealthChecks_andOnlyVariablesTheServerReads() throws Exception {
        Map<String, Object> services = map(compose().get("services"));
        assertThat(services).containsKeys("redis", "proxy", "dispatcher", "postgres", "proxy-postgres");

        for (Map.Entry<String, Object> e : services.entrySet()) {
            Map<String, Object> service = map(e.getValue());
            assertThat(service).as(e.getKey() + " has a healthcheck").containsKey("healthcheck");
            List<String> test = (List<String>) map(service.get("healthcheck")).get("test");
            assertThat(test.get(0)).as(e.getKey()).isEqualTo("CMD");
            if (service.containsKey("build")) {
                assertThat(service.get("build")).isEqualTo(".");
                // Every variable given to an llm-proxy container is one the server actually reads.
                Map<String, Object> env = map(service.get("environment"));
                assertThat(EnvVars.ACTIVE).as(e.getKey() + " environment").containsAll(env.keySet());
                assertThat(env.get("LLM_PROXY_EVENT_BUS")).isEqualTo("redis-streams");
                String redis = String.valueOf(env.get("REDIS_ADDR"));
                assertThat(services).as("REDIS_ADDR names a service").containsKey(redis.split(":")[0]);
                assertThat(map(service.get("depends_on"))).containsKey("redis");
                assertThat(String.join(" ", test)).contains("/health");
            }
        }

        Map<String, Object> proxy = map(services.get("proxy"));
        assertThat((List<String>) proxy.get("ports")).containsExactly("8080:8080");
        assertThat((List<String>) proxy.get("volumes")).containsExactly("proxy-data:/app/data");
        assertThat(map(proxy.get("environment"))).containsKey("MANAGEMENT_TOKEN");

        List<String> command = (List<String>) map(services.get("dispatcher")).get("command");
        assertThat(command.get(0)).isEqualTo("dispatcher");
        String service = command.get(command.indexOf("--service") + 1);
        assertThat(Dispatchers.names()).as("a built-in dispatcher").contains(service);
        String health = command.get(command.indexOf("--health-listen") + 1);
        assertThat(String.join(" ", (List<String>) map(map(services.get("dispatcher")).get("healthcheck")).get("test")))
                .contains(":" + health.split(":")[1] + "/health");

        Map<String, Object> pg = map(services.get("proxy-postgres"));
        assertThat((List<String>) pg.get("profiles")).containsExactly("postgres");
        assertThat((List<String>) map(services.get("postgres")).get("profiles")).containsExactly("postgres");
        assertThat(map(pg.get("environment"))).containsEntry("DB_DRIVER", "postgres");
        assertThat(String.valueOf(map(pg.get("environment")).get("DATABASE_URL"))).startsWith("postgres://")
                .contains("@postgres:5432/");
        assertThat(map(pg.get("depends_on"))).containsKeys("redis", "postgres");
        assertThat((List<String>) pg.get("ports")).containsExactly("8090:8080");
        assertThat(map(compose().get("volumes"))).containsKeys("redis-data", "proxy-data", "dispatcher-data",
                "postgres-data");
    }

    /** Dockerfile instructions, continuation lines joined, comments dropped. */
    private static List<String> dockerfile() throws Exception {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(ROOT.resolve("Dockerfile"))) {
            String t = line.strip();
            if (t.startsWith("#") || (t.isEmpty() && current.length() == 0)) {
                continue;
            }
            if (t.endsWith("\\")) {
                current.append(t, 0, t.length() - 1).append(' ');
                continue;
            }
            current.append(t);
            if (current.length() > 0) {
                out.add(current.toString());
            }
            current.setLength(0);
        }
        return out;
    }

    private static List<String> instructions(List<String> all, String keyword) {
        return all.stream().filter(i -> i.regionMatches(true, 0, keyword + " ", 0, keyword.length() + 1))
                .map(i -> i.substring(keyword.length() + 1).strip()).toList();
    }

    @Test
    void dockerfile_isMultiStage_nonRoot_healthChecked_andRefersToWhatExists() throws Exception {
        List<String> all = dockerfile();
        assertThat(all).allSatisfy(i -> assertThat(i.split(" ")[0]).as(i)
                .isIn("FROM", "WORKDIR", "COPY", "RUN", "USER", "VOLUME", "ENV", "EXPOSE", "HEALTHCHECK",
                        "ENTRYPOINT", "CMD"));

        List<String> from = instructions(all, "FROM");
        assertThat(from).hasSize(2);
        assertThat(from.get(0)).matches("eclipse-temurin:17-jdk AS build");
        assertThat(from.get(1)).startsWith("eclipse-temurin:17-jre");

        // The build stage builds the fat jar where the server module's shade plugin puts it.
        String build = String.join("\n", instructions(all, "RUN"));
        assertThat(build).contains("./mvnw -B", "-pl llmproxy-server -am package", "llmproxy-server/target/llm-proxy.jar");
        assertThat(Files.readString(ROOT.resolve("llmproxy-server/pom.xml"))).contains("<finalName>llm-proxy</finalName>");
        assertThat(ROOT.resolve("mvnw")).isExecutable();

        for (String copy : instructions(all, "COPY")) {
            if (!copy.startsWith("--from=")) {
                String source = copy.split("\\s+")[0];
                assertThat(ROOT.resolve(source)).as("COPY " + copy).exists();
            } else {
                assertThat(copy).startsWith("--from=build ");
            }
        }

        List<String> users = instructions(all, "USER");
        assertThat(users).hasSize(1);
        assertThat(users.get(0)).matches("[1-9][0-9]*:[1-9][0-9]*");
        assertThat(build).contains("useradd --system --uid " + users.get(0).split(":")[0]);

        assertThat(instructions(all, "EXPOSE")).containsExactly("8080");
        assertThat(instructions(all, "ENV")).containsExactly("LISTEN_ADDR=0.0.0.0:8080");
        assertThat(EnvVars.ACTIVE).contains("LISTEN_ADDR");
        assertThat(instructions(all, "VOLUME")).containsExactly("[\"/app/data\"]");
        List<String> health = instructions(all, "HEALTHCHECK");
        assertThat(health).hasSize(1);
        assertThat(health.get(0)).contains("CMD curl -fsS http://127.0.0.1:8080/health");

        JsonNode entrypoint = JSON.readTree(instructions(all, "ENTRYPOINT").get(0));
        assertThat(entrypoint.isArray()).isTrue();
        assertThat(entrypoint.toString()).contains("\"-jar\",\"/app/llm-proxy.jar\"");
        assertThat(JSON.readTree(instructions(all, "CMD").get(0)).get(0).asText()).isEqualTo("server");

        // The working directory makes the defaults (./data/llm-proxy.db, ./data/audit.log) land in the volume.
        List<String> workdirs = instructions(all, "WORKDIR");
        assertThat(workdirs.get(workdirs.size() - 1)).isEqualTo("/app");
        Matcher dbDefault = Pattern.compile("`DATABASE_PATH` \\| `--db` \\| `\\./data/").matcher(
                Files.readString(ROOT.resolve("docs/configuration.md")));
        assertThat(dbDefault.find()).isTrue();
    }
}
