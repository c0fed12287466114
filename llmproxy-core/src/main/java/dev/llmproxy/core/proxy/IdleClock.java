package dev.llmproxy.core.proxy;

/**
 * The idle-between-chunks bookkeeping of one upstream connection, kept free of Netty and of the
 * clock so its edge cases can be tested with explicit times.
 *
 * <p>Silence counts as idle only while the proxy is willing to read. While reads are paused for
 * back-pressure (the client reads slower than the upstream writes) the silence is the proxy's own
 * doing, and the moment reads resume counts as activity: the upstream cannot be blamed for data it
 * was not asked for. Without that, a check landing just after a resume, before the first read
 * completed, would measure the silence from before the pause and cut a healthy stream.
 *
 * <p>Confined to the connection's event loop.
 */
final class IdleClock {

    private long lastActivityNanos;
    private boolean paused;

    /** Data arrived from the upstream. */
    void onRead(long nowNanos) {
        lastActivityNanos = nowNanos;
    }

    /** Reads were paused for back-pressure. */
    void onPause() {
        paused = true;
    }

    /** Reads resumed: the idle interval starts again now. */
    void onResume(long nowNanos) {
        paused = false;
        lastActivityNanos = nowNanos;
    }

    boolean paused() {
        return paused;
    }

    /**
     * Nanoseconds left before the connection counts as idle; zero or less means it is idle now.
     * While paused the full timeout is left, and the interval restarts from {@code nowNanos}.
     */
    long remaining(long nowNanos, long timeoutNanos) {
        if (paused) {
            lastActivityNanos = nowNanos;
            return timeoutNanos;
        }
        return timeoutNanos - (nowNanos - lastActivityNanos);
    }
}
