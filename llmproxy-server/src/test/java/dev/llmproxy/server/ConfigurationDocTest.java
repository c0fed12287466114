package dev.llmproxy.server;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/configuration.md must have a table row for every variable the server reads or reserves,
 * and mark reserved ones as such, so no variable is ignored without the docs saying so.
 */
class ConfigurationDocTest {

    private static final Path DOC = Path.of("..", "docs", "configuration.md");

    @Test
    void everyVariableHasARowWithItsStatus() throws IOException {
        String doc = Files.readString(DOC);
        for (String name : EnvVars.ACTIVE) {
            assertThat(doc).as(name).containsPattern("(?m)^\\| `" + name + "` \\|.*\\| active");
        }
        for (EnvVars.Reserved reserved : EnvVars.RESERVED) {
            assertThat(doc).as(reserved.name()).containsPattern("(?m)^\\| `" + reserved.name() + "` \\|.*\\| reserved");
        }
    }
}
