package dev.llmproxy.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LoggingTest {

    @TempDir
    Path dir;

    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

    @AfterEach
    void restoreDefaults() {
        Logging.apply(LogSettings.DEFAULTS);
    }

    @Test
    void levelAppliesToRootAndProxyButNettyStaysAtInfo() {
        Logging.apply(new LogSettings(LogSettings.Level.DEBUG, null, 100, 5));
        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.DEBUG);
        assertThat(context.getLogger("dev.llmproxy").getLevel()).isEqualTo(Level.DEBUG);
        assertThat(context.getLogger("io.netty").getLevel()).isEqualTo(Level.INFO);

        Logging.apply(new LogSettings(LogSettings.Level.ERROR, null, 100, 5));
        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.ERROR);
        assertThat(context.getLogger("dev.llmproxy").getLevel()).isEqualTo(Level.ERROR);
        assertThat(context.getLogger("io.netty").getLevel()).isEqualTo(Level.ERROR);
    }

    @Test
    void logFileIsCreatedWithItsDirectoryAndWritten() throws IOException {
        Path file = dir.resolve("nested/dir/proxy.log");
        Logging.apply(new LogSettings(LogSettings.Level.INFO, file, 100, 5));
        LoggerFactory.getLogger("dev.llmproxy.test").info("hello file");
        LoggerFactory.getLogger("dev.llmproxy.test").debug("not at info");
        assertThat(Files.readString(file)).contains("INFO", "dev.llmproxy.test", "hello file")
                .doesNotContain("not at info");
    }

    @Test
    void logFileRotatesBySizeAndKeepsTheConfiguredBackups() throws Exception {
        Path file = dir.resolve("rotating.log");
        Logging.apply(new LogSettings(LogSettings.Level.INFO, file, 1, 2));
        // Megabytes of filler belong in the file only, not in the test report.
        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender("console")).isTrue();
        Logger logger = LoggerFactory.getLogger("dev.llmproxy.test");
        String line = "x".repeat(1000);
        // The size is checked at most once a second: keep writing until three rotations happened.
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!Files.exists(dir.resolve("rotating.log.2")) && System.nanoTime() < deadline) {
            for (int i = 0; i < 500; i++) {
                logger.info(line);
            }
            Thread.sleep(50);
        }
        assertThat(dir.resolve("rotating.log.1")).exists();
        assertThat(dir.resolve("rotating.log.2")).exists();
        // More rotations: the oldest backup is dropped rather than becoming rotating.log.3.
        long more = System.nanoTime() + 3_000_000_000L;
        while (System.nanoTime() < more) {
            for (int i = 0; i < 500; i++) {
                logger.info(line);
            }
            Thread.sleep(50);
        }
        assertThat(dir.resolve("rotating.log.2")).exists();
        assertThat(dir.resolve("rotating.log.3")).doesNotExist();
    }

    @Test
    void unwritableLogFileIsAConfigError() throws IOException {
        Path notADirectory = dir.resolve("file");
        Files.writeString(notADirectory, "x");
        assertThatThrownBy(() -> Logging.apply(new LogSettings(LogSettings.Level.INFO,
                notADirectory.resolve("proxy.log"), 100, 5)))
                .isInstanceOf(ConfigError.class)
                .hasMessageStartingWith("LOG_FILE (or --log-file): cannot write to '" + notADirectory.resolve("proxy.log"));
    }
}
