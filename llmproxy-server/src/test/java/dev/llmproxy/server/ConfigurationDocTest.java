package dev.llmproxy.server;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.EventBusConfig;

import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/configuration.md must have a table row for every variable the server reads, ignores or
 * reserves, with its status, so no variable is ignored without the docs saying so.
 */
class ConfigurationDocTest {

    private static final Path DOC = Path.of("..", "docs", "configuration.md");

    @Test
    void everyVariableHasARowWithItsStatus() throws IOException {
        String doc = Files.readString(DOC);
        for (String name : EnvVars.ACTIVE) {
            assertThat(doc).as(name).containsPattern("(?m)^\\| `" + name + "` \\|.*\\| active");
        }
        for (EnvVars.Ignored ignored : EnvVars.IGNORED) {
            assertThat(doc).as(ignored.name()).containsPattern("(?m)^\\| `" + ignored.name() + "` \\|.*\\| ignored");
        }
        for (EnvVars.Reserved reserved : EnvVars.RESERVED) {
            assertThat(doc).as(reserved.name()).containsPattern("(?m)^\\| `" + reserved.name() + "` \\|.*\\| reserved");
        }
    }

    /**
     * Variables whose Default column describes behaviour rather than a value that can be set to
     * get the same configuration; each with the reason.
     */
    private static final Map<String, String> DESCRIBED_DEFAULTS = Map.of(
            "MANAGEMENT_TOKEN", "generated per run",
            "REDIS_ADDR", "setting it, even to the bus default, also links instances through Redis",
            "REDIS_CACHE_URL", "derived from REDIS_ADDR/REDIS_DB/REDIS_PASSWORD",
            "REDIS_CONSUMER_NAME", "generated from host, pid and a random part",
            "DEFAULT_API_PROVIDER", "depends on the provider file");

    /** The Default column of each variable's row. */
    private static Map<String, String> documentedDefaults() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher row = Pattern.compile("(?m)^\\| `([A-Z0-9_]+)` \\|[^|]*\\|([^|]*)\\|").matcher(Files.readString(DOC));
        while (row.find()) {
            out.putIfAbsent(row.group(1), row.group(2).strip());
        }
        return out;
    }

    /**
     * For every active variable whose documented default is a value: the configuration read with the
     * variable unset equals the one read with it set to that value. So the Default column says what
     * the code does, and a changed default in the code fails here until the docs follow.
     */
    @Test
    void everyDocumentedDefault_isWhatTheCodeUsesWhenTheVariableIsUnset() throws Exception {
        Map<String, String> defaults = documentedDefaults();
        Map<String, String> base = Map.of(EnvVars.MANAGEMENT_TOKEN, "configuration-doc-test-management-token");
        Method redisSettings = Class.forName("dev.llmproxy.eventbus.redis.RedisSettings")
                .getDeclaredMethod("from", ComponentConfig.class);
        redisSettings.setAccessible(true);
        int checked = 0;
        for (String name : EnvVars.ACTIVE) {
            String cell = defaults.get(name);
            assertThat(cell).as(name + " has a row").isNotNull();
            Matcher value = Pattern.compile("^`([^`]*)`").matcher(cell);
            if (DESCRIBED_DEFAULTS.containsKey(name)) {
                continue;
            }
            if (!value.find()) {
                assertThat(cell).as(name + ": a default that is no value must say 'none'").startsWith("none");
                continue;
            }
            String documented = value.group(1);
            if (EventBusConfig.KEYS.contains(name)) {
                Object unset = redisSettings.invoke(null, ComponentConfig.empty());
                Object set = redisSettings.invoke(null, ComponentConfig.of(Map.of(name, documented)));
                assertThat(set.toString()).as(name + " = " + documented).isEqualTo(unset.toString());
            } else {
                Map<String, String> env = new HashMap<>(base);
                env.put(name, documented);
                ServerConfig unset = new ServerConfigReader(ServerFlags.NONE, base).read();
                ServerConfig set = new ServerConfigReader(ServerFlags.NONE, env).read();
                for (RecordComponent c : ServerConfig.class.getRecordComponents()) {
                    if (c.getName().equals("warnings")) {
                        continue;
                    }
                    Object a = c.getAccessor().invoke(unset);
                    Object b = c.getAccessor().invoke(set);
                    if (!Objects.equals(a, b)) {
                        assertThat(String.valueOf(b)).as(name + " = " + documented + ": " + c.getName())
                                .isEqualTo(String.valueOf(a));
                    }
                }
            }
            checked++;
        }
        assertThat(checked).as("variables with a value as default").isGreaterThan(30);
    }
}
