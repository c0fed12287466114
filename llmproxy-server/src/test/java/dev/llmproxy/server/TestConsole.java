package dev.llmproxy.server;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@link CliContext} for running commands in-process: a given environment, captured stdout and
 * stderr, and shutdown hooks that the test triggers itself (as a SIGTERM would).
 */
final class TestConsole {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final List<Runnable> hooks = new ArrayList<>();
    final CliContext context;

    TestConsole(Map<String, String> env) {
        context = new CliContext(env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), (name, action) -> {
                    synchronized (hooks) {
                        hooks.add(action);
                    }
                });
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** Runs the registered shutdown hooks, as the JVM does on SIGTERM. */
    void shutdown() {
        List<Runnable> toRun;
        synchronized (hooks) {
            toRun = new ArrayList<>(hooks);
            hooks.clear();
        }
        toRun.forEach(Runnable::run);
    }

    /** Waits for a stdout line matching {@code regex} and returns the match. */
    Matcher awaitOut(String regex, Duration timeout) throws InterruptedException {
        Pattern pattern = Pattern.compile(regex, Pattern.MULTILINE);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = pattern.matcher(out());
            if (m.find()) {
                return m;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no line matching " + regex + " within " + timeout + "; stdout:\n" + out()
                + "\nstderr:\n" + err());
    }
}
