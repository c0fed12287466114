package dev.llmproxy.examples.eventbus;

import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.ConfigurationException;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBusConfig;
import dev.llmproxy.eventbus.EventBusProvider;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * The SPI entry point of the {@code jsonl-file} event bus, listed in
 * {@code META-INF/services/dev.llmproxy.eventbus.EventBusProvider} and selected with
 * {@code LLM_PROXY_EVENT_BUS=jsonl-file}.
 *
 * <p>Settings: {@value #DIR} (the bus directory; the server passes only the built-in
 * {@link EventBusConfig#KEYS} to a bus, so the environment variable of the same name is read as a
 * fallback, then {@value #DEFAULT_DIR} relative to the working directory) and
 * {@code OBSERVABILITY_BUFFER_SIZE} (events held in memory before they are written; default
 * {@value #DEFAULT_BUFFER}).
 */
public final class JsonlFileEventBusProvider implements EventBusProvider {

    /** Setting and environment variable naming the bus directory. */
    public static final String DIR = "JSONL_BUS_DIR";
    /** The bus directory when {@link #DIR} is not set. */
    public static final String DEFAULT_DIR = "./data/jsonl-bus";
    static final int DEFAULT_BUFFER = 10_000;

    @Override
    public String name() {
        return "jsonl-file";
    }

    @Override
    public Set<String> aliases() {
        return Set.of("jsonl");
    }

    @Override
    public EventBus create(ComponentConfig config) {
        String fromEnv = System.getenv(DIR);
        Path dir = Path.of(config.string(DIR, fromEnv == null || fromEnv.isBlank() ? DEFAULT_DIR : fromEnv));
        int buffer = config.integer(EventBusConfig.OBSERVABILITY_BUFFER_SIZE, DEFAULT_BUFFER);
        if (buffer < 1) {
            throw ConfigurationException.invalid(EventBusConfig.OBSERVABILITY_BUFFER_SIZE, String.valueOf(buffer),
                    "a whole number >= 1");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw ConfigurationException.invalid(DIR, dir.toString(), "a directory that can be created ("
                    + e.getMessage() + ")");
        }
        return new JsonlFileEventBus(dir, buffer);
    }
}
