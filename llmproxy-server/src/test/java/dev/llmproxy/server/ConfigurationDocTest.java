package dev.llmproxy.server;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
}
