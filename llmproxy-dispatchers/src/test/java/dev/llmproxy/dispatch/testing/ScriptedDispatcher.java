package dev.llmproxy.dispatch.testing;

import dev.llmproxy.dispatch.DispatchEvent;
import dev.llmproxy.dispatch.DispatchResult;
import dev.llmproxy.dispatch.Dispatcher;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/**
 * An in-memory backend for service tests: records every batch (as request ids) and answers each
 * event with what the script says, given the event and how many times it has been sent before.
 */
public final class ScriptedDispatcher implements Dispatcher {

    private final BiFunction<DispatchEvent, Integer, DispatchResult.Outcome> script;
    private final Predicate<DispatchEvent> accepts;
    private final List<List<String>> batches = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> sends = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private volatile Runnable beforeFirstSend;

    public ScriptedDispatcher(BiFunction<DispatchEvent, Integer, DispatchResult.Outcome> script) {
        this(script, e -> true);
    }

    public ScriptedDispatcher(BiFunction<DispatchEvent, Integer, DispatchResult.Outcome> script,
                              Predicate<DispatchEvent> accepts) {
        this.script = script;
        this.accepts = accepts;
    }

    /** Accepts everything. */
    public static ScriptedDispatcher acceptingAll() {
        return new ScriptedDispatcher((e, n) -> DispatchResult.Outcome.accepted());
    }

    @Override
    public boolean accepts(DispatchEvent event) {
        return accepts.test(event);
    }

    /** Runs {@code gate} on the service thread before the first batch is answered (it may block). */
    public ScriptedDispatcher beforeFirstSend(Runnable gate) {
        this.beforeFirstSend = gate;
        return this;
    }

    @Override
    public CompletionStage<DispatchResult> send(List<DispatchEvent> batch) {
        Runnable gate = beforeFirstSend;
        if (gate != null) {
            beforeFirstSend = null;
            gate.run();
        }
        List<String> ids = new ArrayList<>();
        DispatchResult.Builder r = DispatchResult.builder();
        for (DispatchEvent e : batch) {
            ids.add(e.requestId());
            int before = sends.computeIfAbsent(e.requestId(), k -> new AtomicInteger()).getAndIncrement();
            r.outcome(e.id(), script.apply(e, before));
        }
        batches.add(ids);
        return CompletableFuture.completedFuture(r.build());
    }

    public List<List<String>> batches() {
        return new ArrayList<>(batches);
    }

    /** How many times the event with this request id was sent. */
    public int sendCount(String requestId) {
        AtomicInteger n = sends.get(requestId);
        return n == null ? 0 : n.get();
    }

    public boolean closed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
    }
}
