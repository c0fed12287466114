package dev.llmproxy.server;

import java.io.PrintStream;
import java.util.Map;
import java.util.Objects;

/**
 * What a command may use from the process around it: environment variables, the standard
 * streams and shutdown hooks. Commands take these from here rather than from {@link System}, so
 * tests run them in-process with their own environment and captured output.
 *
 * @param env      environment variables
 * @param out      standard output: results and messages meant for the operator
 * @param err      standard error: error messages
 * @param shutdown where to register work for process shutdown
 */
record CliContext(Map<String, String> env, PrintStream out, PrintStream err, ShutdownHooks shutdown) {

    CliContext {
        env = Map.copyOf(env);
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(err, "err");
        Objects.requireNonNull(shutdown, "shutdown");
    }

    /** The real process: {@link System#getenv()}, {@link System#out}, {@link System#err}, JVM hooks. */
    static CliContext system() {
        return new CliContext(System.getenv(), System.out, System.err, ShutdownHooks.jvm());
    }
}
