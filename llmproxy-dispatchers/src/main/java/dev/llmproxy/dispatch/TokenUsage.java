package dev.llmproxy.dispatch;

/**
 * Token counts of one call and where they came from.
 *
 * @param prompt prompt (input) tokens, or null when unknown
 * @param completion completion (output) tokens, or null when unknown
 * @param total total tokens, or null when unknown (prompt + completion when both are known)
 * @param source where the numbers come from
 */
public record TokenUsage(Integer prompt, Integer completion, Integer total, Source source) {

    /** Where token counts come from, best first. */
    public enum Source {
        /** Measured by the proxy from the upstream's {@code usage} and carried in the event. */
        UPSTREAM,
        /** Read from the {@code usage} object in the captured response body (or its stream). */
        RESPONSE,
        /** Counted with jtokkit from the request and the response text ({@link dev.llmproxy.core.usage.TokenCounter}). */
        ESTIMATED,
        /** Not known: no usage reported and nothing to count (an error response, a GET). */
        NONE
    }

    /** Nothing known. */
    public static final TokenUsage NONE = new TokenUsage(null, null, null, Source.NONE);

    /** Counts from {@code source}, with the total filled in when it is missing and both parts are known. */
    public static TokenUsage of(Integer prompt, Integer completion, Integer total, Source source) {
        if (total == null && prompt != null && completion != null) {
            total = prompt + completion;
        }
        return new TokenUsage(prompt, completion, total, source);
    }

    /** Whether any count is known. */
    public boolean isKnown() {
        return prompt != null || completion != null || total != null;
    }
}
