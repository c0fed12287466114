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

    /**
     * Called by a hook once its orderly stop has completed. A JVM stopped by SIGTERM would
     * otherwise exit with 143 (128 + 15) even after a clean drain; process supervisors read that as
     * a failure. Tests: nothing happens.
     */
    default void stoppedCleanly(int exitCode) {
    }

    /**
     * JVM shutdown hooks: each action runs on its own thread named {@code name};
     * {@link #stoppedCleanly} ends the process with the given code (after flushing stdout/stderr).
     */
    static ShutdownHooks jvm() {
        return new ShutdownHooks() {
            @Override
            public void register(String name, Runnable action) {
                Runtime.getRuntime().addShutdownHook(new Thread(action, name));
            }

            @Override
            public void stoppedCleanly(int exitCode) {
                System.out.flush();
                System.err.flush();
                Runtime.getRuntime().halt(exitCode);
            }
        };
    }
}
