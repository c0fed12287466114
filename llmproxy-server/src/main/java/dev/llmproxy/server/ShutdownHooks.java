package dev.llmproxy.server;

/**
 * Registers work to run when the process is asked to stop (SIGTERM, SIGINT, end of {@code main}).
 * Production uses JVM shutdown hooks; tests substitute a registry they trigger themselves, which
 * exercises the same stop path as a real signal without ending the test JVM.
 */
@FunctionalInterface
interface ShutdownHooks {

    /** Runs {@code action} once when the process is stopping. */
    void register(String name, Runnable action);

    /** JVM shutdown hooks: each action runs on its own thread named {@code name}. */
    static ShutdownHooks jvm() {
        return (name, action) -> Runtime.getRuntime().addShutdownHook(new Thread(action, name));
    }
}
