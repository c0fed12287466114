package dev.llmproxy.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.util.Duration;
import ch.qos.logback.core.util.FileSize;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Sets up Logback from {@link LogSettings}, replacing what {@link DefaultLogging} set up at class
 * loading: console always, plus a size-rotated file when {@code LOG_FILE} is set. The level
 * applies to the root logger and {@code dev.llmproxy}; Netty never goes below info, because its
 * debug output (allocator and platform probing, leak detector internals) buries the proxy's own.
 *
 * <p>Rotation: when the file grows past {@code LOG_MAX_SIZE_MB} it becomes {@code FILE.1}, the
 * previous {@code FILE.1} becomes {@code FILE.2}, and so on up to {@code FILE.N}
 * ({@code LOG_MAX_BACKUPS}), the oldest being deleted. The size is checked at most once a second.
 */
final class Logging {

    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36} - %msg%n";

    private Logging() {
    }

    /**
     * Applies {@code settings}. Does nothing when SLF4J is bound to something other than Logback
     * (an embedding application chose its own logging).
     *
     * @throws ConfigError when the log file cannot be created or written
     */
    static void apply(LogSettings settings) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext)) {
            return;
        }
        if (settings.file() != null) {
            checkWritable(settings.file());
        }
        LoggerContext context = (LoggerContext) factory;
        context.reset();
        configure(context, settings);
    }

    /** Sets up {@code context}, freshly made or reset; also the defaults at class loading ({@link DefaultLogging}). */
    static void configure(LoggerContext context, LogSettings settings) {

        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(console(context));
        if (settings.file() != null) {
            root.addAppender(rollingFile(context, settings));
        }
        Level level = Level.toLevel(settings.level().name());
        root.setLevel(level);
        context.getLogger("dev.llmproxy").setLevel(level);
        context.getLogger("io.netty").setLevel(level.isGreaterOrEqual(Level.INFO) ? level : Level.INFO);
    }

    private static ConsoleAppender<ILoggingEvent> console(LoggerContext context) {
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setName("console");
        return started(context, appender);
    }

    private static RollingFileAppender<ILoggingEvent> rollingFile(LoggerContext context, LogSettings settings) {
        String file = settings.file().toString();
        RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();
        appender.setName("file");
        appender.setContext(context);
        appender.setFile(file);
        appender.setAppend(true);

        FixedWindowRollingPolicy rolling = new FixedWindowRollingPolicy();
        rolling.setContext(context);
        rolling.setParent(appender);
        rolling.setFileNamePattern(file + ".%i");
        rolling.setMinIndex(1);
        rolling.setMaxIndex(settings.maxBackups());
        rolling.start();

        SizeBasedTriggeringPolicy<ILoggingEvent> trigger = new SizeBasedTriggeringPolicy<>();
        trigger.setContext(context);
        trigger.setMaxFileSize(new FileSize(settings.maxSizeMb() * FileSize.MB_COEFFICIENT));
        // Logback checks once a minute by default; a burst could overshoot the limit by a lot.
        trigger.setCheckIncrement(Duration.buildBySeconds(1));
        trigger.start();

        appender.setRollingPolicy(rolling);
        appender.setTriggeringPolicy(trigger);
        started(context, appender);
        if (!appender.isStarted()) {
            throw new ConfigError("LOG_FILE (or --log-file): cannot open '" + file + "' for writing");
        }
        return appender;
    }

    private static <A extends OutputStreamAppender<ILoggingEvent>> A started(LoggerContext context, A appender) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.start();
        return appender;
    }

    /** Logback would only record a failure in its status list and carry on without the file. */
    private static void checkWritable(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                out.flush();
            }
        } catch (IOException | SecurityException e) {
            throw new ConfigError("LOG_FILE (or --log-file): cannot write to '" + file + "': " + describe(e), e);
        }
    }

    private static String describe(Exception e) {
        String message = e.getMessage();
        String kind = e.getClass().getSimpleName().replace("Exception", "");
        return message == null ? kind : kind + " " + message;
    }
}
