package dev.llmproxy.server;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;

/**
 * Start-up phase timestamps for {@code -Dllmproxy.startupTrace=true}: one line per phase on stderr
 * with the JVM's uptime and how many classes it has loaded by then, e.g.
 * {@code startup-trace: 812 ms, 3105 classes: database open}. Off by default and then free: the
 * {@code java.management} classes it reads from are loaded only when it is on.
 */
final class StartupTrace {

    static final String PROPERTY = "llmproxy.startupTrace";
    private static final boolean ON = Boolean.getBoolean(PROPERTY);

    private StartupTrace() {
    }

    static boolean enabled() {
        return ON;
    }

    static void mark(String phase) {
        if (ON) {
            Probe.print(System.err, phase);
        }
    }

    /** Holds the management beans, so that they are not touched while tracing is off. */
    private static final class Probe {
        static void print(PrintStream out, String phase) {
            out.println("startup-trace: " + ManagementFactory.getRuntimeMXBean().getUptime() + " ms, "
                    + ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount() + " classes, thread "
                    + Thread.currentThread().getName() + ": " + phase);
            out.flush();
        }
    }
}
