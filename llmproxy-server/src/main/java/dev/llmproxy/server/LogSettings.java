package dev.llmproxy.server;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * How the server logs: the level for {@code dev.llmproxy} and the root logger, and an optional
 * size-rotated log file in addition to the console.
 *
 * @param level       {@code LOG_LEVEL}
 * @param file        {@code LOG_FILE}, or null for console only
 * @param maxSizeMb   {@code LOG_MAX_SIZE_MB}: the file is rotated when it grows past this size
 * @param maxBackups  {@code LOG_MAX_BACKUPS}: rotated files kept ({@code FILE.1} newest … {@code FILE.N})
 */
public record LogSettings(Level level, Path file, int maxSizeMb, int maxBackups) {

    public static final int DEFAULT_MAX_SIZE_MB = 100;
    public static final int DEFAULT_MAX_BACKUPS = 5;
    /** Logback's fixed-window rotation keeps at most this many files. */
    public static final int MAX_BACKUPS = 20;

    /** Console only, at info. */
    public static final LogSettings DEFAULTS = new LogSettings(Level.INFO, null, DEFAULT_MAX_SIZE_MB,
            DEFAULT_MAX_BACKUPS);

    public LogSettings {
        Objects.requireNonNull(level, "level");
        if (maxSizeMb < 1) {
            throw new IllegalArgumentException("maxSizeMb must be >= 1, got " + maxSizeMb);
        }
        if (maxBackups < 1 || maxBackups > MAX_BACKUPS) {
            throw new IllegalArgumentException("maxBackups must be 1-" + MAX_BACKUPS + ", got " + maxBackups);
        }
    }

    /** The levels an operator can choose ({@code LOG_LEVEL}). */
    public enum Level {
        DEBUG, INFO, WARN, ERROR;

        /** Case-insensitive {@code debug|info|warn|error}. */
        static Level parse(String text) {
            switch (text.strip().toLowerCase(Locale.ROOT)) {
                case "debug":
                    return DEBUG;
                case "info":
                    return INFO;
                case "warn":
                    return WARN;
                case "error":
                    return ERROR;
                default:
                    throw new IllegalArgumentException("expected one of debug, info, warn, error, got '" + text + "'");
            }
        }
    }
}
