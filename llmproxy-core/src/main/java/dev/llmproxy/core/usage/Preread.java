package dev.llmproxy.core.usage;

/**
 * What one streaming read of an exchange's request and JSON answer found, taken once where the
 * proxy first needs it (its instrumentation event, on the completion thread) and handed to usage
 * tracking with the {@link UsageObservation}, so the usage writer does not parse the same bytes
 * again. Reading both bodies twice — once for the event, once for the usage record — was a third
 * of the usage bookkeeping's CPU with full features (JFR, c=32, issue 9).
 *
 * <p>The values are exactly what {@link UsageRecords#toRecord} would read itself: the requested
 * model as the JSON tree reads it, and for the answer the streaming reader's result, which is
 * absent (null) whenever that reader declines and the tree path must decide. Immutable.
 */
public final class Preread {

    private final String requestedModel;
    private final boolean requestedStream;
    private final FastUsageReader.Answer answer;

    private Preread(String requestedModel, boolean requestedStream, FastUsageReader.Answer answer) {
        this.requestedModel = requestedModel;
        this.requestedStream = requestedStream;
        this.answer = answer;
    }

    /**
     * Reads a request body and, when it is given, a complete (decompressed, not truncated) JSON
     * answer that is not an event stream.
     *
     * @param request the captured request body (may be empty)
     * @param answer  the decompressed answer, or null when there is none to read or it is a stream
     */
    public static Preread read(byte[] request, byte[] answer) {
        return read(request, answer, answer == null ? 0 : answer.length);
    }

    /**
     * As {@link #read(byte[], byte[])} for an answer in {@code answer[0, answerLength)}: the
     * array of a {@code Body} read in place ({@code Body.read}); it is not kept.
     */
    public static Preread read(byte[] request, byte[] answer, int answerLength) {
        FastUsageReader.Request r = FastUsageReader.readRequest(request);
        return new Preread(r.model(), r.stream(),
                answer == null ? null : FastUsageReader.readAnswerOrNull(answer, answerLength));
    }

    /** The request's top-level textual {@code model} as a JSON tree reads it (the last one), or null. */
    public String requestedModel() {
        return requestedModel;
    }

    /** Whether the request asked for a stream: its (last) top-level {@code stream} is {@code true}. */
    public boolean requestedStream() {
        return requestedStream;
    }

    /** Whether the answer was read; when false, callers read it their own way. */
    public boolean answerRead() {
        return answer != null;
    }

    /** The answer's top-level textual {@code model}, or null; only when {@link #answerRead()}. */
    public String answerModel() {
        return answer.model;
    }

    /** Whether the answer has a {@code usage} object; only when {@link #answerRead()}. */
    public boolean answerHasUsage() {
        return answer.usage;
    }

    /** {@code prompt_tokens}, else {@code input_tokens}, or null; only when {@link #answerRead()}. */
    public Long answerPromptTokens() {
        return answer.prompt != null ? answer.prompt : answer.input;
    }

    /** {@code completion_tokens}, else {@code output_tokens}, or null; only when {@link #answerRead()}. */
    public Long answerCompletionTokens() {
        return answer.completion != null ? answer.completion : answer.output;
    }

    /** {@code total_tokens} as reported, or null; only when {@link #answerRead()}. */
    public Long answerTotalTokens() {
        return answer.total;
    }

    FastUsageReader.Answer answer() {
        return answer;
    }
}
