package dev.llmproxy.dispatch.file;

import dev.llmproxy.dispatch.Dispatcher;
import dev.llmproxy.dispatch.DispatcherConfig;
import dev.llmproxy.dispatch.DispatcherProvider;
import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.ConfigurationException;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * {@code file}: appends every event, in the transformer's rich format, as one JSON line to a
 * file. Keys: {@code file} (or, as in the original CLI, {@code endpoint}), {@code max_file_mb}
 * (default {@value FileDispatcher#DEFAULT_MAX_FILE_MB}; 0 = never rotate), {@code max_files}
 * (default {@value FileDispatcher#DEFAULT_MAX_FILES}). See {@link FileDispatcher}.
 */
public final class FileDispatcherProvider implements DispatcherProvider {

    @Override
    public String name() {
        return "file";
    }

    @Override
    public String description() {
        return "JSONL file of the rich event records, fsync per batch, size rotation";
    }

    @Override
    public Dispatcher create(ComponentConfig config) {
        String key = config.has(DispatcherConfig.FILE) ? DispatcherConfig.FILE : DispatcherConfig.ENDPOINT;
        String raw = DispatcherConfig.required(config, key, "the file dispatcher needs --file PATH");
        Path file;
        try {
            file = Path.of(raw);
        } catch (InvalidPathException e) {
            throw ConfigurationException.invalid(key, raw, "a file path");
        }
        int maxMb = DispatcherConfig.intInRange(config, DispatcherConfig.MAX_FILE_MB, FileDispatcher.DEFAULT_MAX_FILE_MB,
                0, 1_000_000);
        int maxFiles = DispatcherConfig.intInRange(config, DispatcherConfig.MAX_FILES, FileDispatcher.DEFAULT_MAX_FILES,
                1, 1000);
        try {
            return new FileDispatcher(file, maxMb * 1024L * 1024L, maxFiles);
        } catch (IOException e) {
            throw new ConfigurationException(key, key + ": cannot open " + file + " for appending: " + e.getMessage());
        }
    }
}
