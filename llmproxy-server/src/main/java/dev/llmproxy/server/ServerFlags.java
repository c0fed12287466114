package dev.llmproxy.server;

/**
 * The raw values of {@code llm-proxy server}'s flags; null means the flag was not given, so the
 * environment variable (or the default) applies. Kept as text so that flags and environment
 * variables go through the same parsers and produce the same messages.
 */
record ServerFlags(
        String listen,
        String config,
        String provider,
        String openAiApiUrl,
        String db,
        String maxRequestBodyBytes,
        String ioThreads,
        String logLevel,
        String logFile,
        String eventBus,
        String fileEventLog) {

    /** No flag given: everything comes from the environment or the defaults. */
    static final ServerFlags NONE = new ServerFlags(null, null, null, null, null, null, null, null, null, null, null);

    /** Only {@code --db}, for commands that open the database but serve nothing ({@code migrate}). */
    static ServerFlags dbOnly(String db) {
        return new ServerFlags(null, null, null, null, db, null, null, null, null, null, null);
    }
}
