package dev.llmproxy.dispatch;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Delivers transformed events to one observability backend (a file, Lunary, Helicone, Langfuse,
 * your own). This is the product of a {@link DispatcherProvider}; the {@link DispatcherService}
 * owns it, feeds it batches and closes it.
 *
 * <p><b>Contract of {@link #send}.</b> The returned stage completes with a {@link DispatchResult}
 * that says, <em>per event</em>, whether the backend accepted it, failed transiently (the service
 * retries it later, alone, never the accepted ones) or failed permanently (the service counts it
 * as failed and does not retry). An event the result does not mention counts as a transient
 * failure, so forgetting one never loses it. A stage that completes exceptionally, or a
 * {@code send} that throws, is a transient failure of the whole batch. Report an event as
 * accepted only once the backend has it: the service acknowledges it on the event bus right
 * after, and it will not be delivered again.
 *
 * <p><b>Threads.</b> The service calls {@code send} from its one loop thread and waits for the
 * stage before calling it again, so an implementation needs no locking of its own for that; the
 * stage may complete on any thread. {@link #close()} is called once, after the last
 * {@code send} completed.
 *
 * <p>New optional hooks are added as {@code default} methods, so existing plugins keep compiling.
 */
public interface Dispatcher extends AutoCloseable {

    /**
     * Sends a batch.
     *
     * @param batch one or more events, oldest first; the list is not modified afterwards by the
     *              caller and must not be modified by the dispatcher
     * @return the per-event outcome
     */
    CompletionStage<DispatchResult> send(List<DispatchEvent> batch);

    /**
     * Whether this backend wants the event at all. Events it does not want are acknowledged at
     * once and counted as skipped, without a call to {@link #send}. The built-in HTTP backends
     * take only {@code POST} requests (model calls), the file backend takes everything.
     *
     * @param event a transformed event
     * @return true to have it sent
     */
    default boolean accepts(DispatchEvent event) {
        return true;
    }

    /** Releases connections and files. Called once; must not throw for I/O trouble. */
    @Override
    default void close() {
    }
}
