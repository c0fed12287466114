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
        String upstreamApiKey,
        String maxRequestBodyBytes,
        String ioThreads,
        String logLevel,
        String logFile,
        String eventBus,
        String fileEventLog) {

    /** No flag given: everything comes from the environment or the defaults. */
    static final ServerFlags NONE = new ServerFlags(null, null, null, null, null, null, null, null, null, null, null);

    @Override
    public String toString() {
        // upstreamApiKey is a secret.
        return "ServerFlags[listen=" + listen + ", config=" + config + ", provider=" + provider + ", openAiApiUrl="
                + openAiApiUrl + ", upstreamApiKey=" + (upstreamApiKey == null ? "unset" : "set")
                + ", maxRequestBodyBytes=" + maxRequestBodyBytes + ", ioThreads=" + ioThreads + ", logLevel="
                + logLevel + ", logFile=" + logFile + ", eventBus=" + eventBus + ", fileEventLog=" + fileEventLog + "]";
    }
}
