package dev.llmproxy.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmproxy.eventbus.Event;

import java.time.Instant;
import java.util.Objects;

/**
 * One event as dispatchers see it: the bus's {@link Event}, plus what {@link EventTransformer}
 * made of it (parsed request, reassembled response, token usage, a stable run id) and its
 * {@linkplain #toJson() rich JSON form}. Built by the transformer; immutable (the JSON accessors
 * return copies, so a dispatcher may modify what it gets).
 */
public final class DispatchEvent {

    private final String id;
    private final Event event;
    private final String runId;
    private final String type;
    private final String model;
    private final JsonNode input;
    private final JsonNode output;
    private final TokenUsage usage;
    private final String errorMessage;
    private final ObjectNode json;

    DispatchEvent(String id, Event event, String runId, String type, String model, JsonNode input, JsonNode output,
                  TokenUsage usage, String errorMessage, ObjectNode json) {
        this.id = Objects.requireNonNull(id, "id");
        this.event = Objects.requireNonNull(event, "event");
        this.runId = runId;
        this.type = type;
        this.model = model;
        this.input = input;
        this.output = output;
        this.usage = usage;
        this.errorMessage = errorMessage;
        this.json = json;
    }

    /**
     * The bus's delivery id: unique within a batch and stable across redeliveries (the Redis
     * stream entry id). {@link DispatchResult} is keyed by it.
     */
    public String id() {
        return id;
    }

    /** The original event. */
    public Event event() {
        return event;
    }

    /**
     * The run id shared by every record sent for this call (Lunary's start and end events,
     * Langfuse's trace id, Helicone's request id): the request id itself when it is a UUID,
     * otherwise a name-based UUID of it. Stable across redeliveries, so a backend that
     * deduplicates by id sees a redelivered event as the same run.
     */
    public String runId() {
        return runId;
    }

    /** {@code llm}, or {@code embed} for {@code /v1/embeddings}. */
    public String type() {
        return type;
    }

    /** The model: the proxy's, else the request's, else the response's; null when unknown. */
    public String model() {
        return model;
    }

    /** The proxy's request id. */
    public String requestId() {
        return event.requestId();
    }

    /** When the request arrived at the proxy. */
    public Instant startTime() {
        return event.timestamp();
    }

    /** When the response completed: {@link #startTime()} plus the duration. */
    public Instant endTime() {
        return event.timestamp().plusMillis(event.durationMillis());
    }

    /** When the first token (body byte) of a stream arrived, or null when not measured. */
    public Instant firstTokenTime() {
        return event.ttftMillis() == null ? null : event.timestamp().plusMillis(event.ttftMillis());
    }

    /** Whether the upstream answered with an error status (400 and above). */
    public boolean isError() {
        return event.status() >= 400;
    }

    /** For errors: the upstream's {@code error.message}, or {@code HTTP <status>}; otherwise null. */
    public String errorMessage() {
        return errorMessage;
    }

    /**
     * The request body: the JSON it held, a JSON string when it was text but not JSON (for
     * example cut by the capture limit), a placeholder string for binary; null when empty.
     */
    public JsonNode input() {
        return input == null ? null : input.deepCopy();
    }

    /**
     * The response body: its JSON, the reassembled completion of a stream, a JSON string for
     * other text, or a placeholder string for binary, multipart and undecodable bodies; null when
     * empty.
     */
    public JsonNode output() {
        return output == null ? null : output.deepCopy();
    }

    /** Token counts and their source; {@link TokenUsage#NONE} when unknown. */
    public TokenUsage usage() {
        return usage;
    }

    /** The rich record (format in {@link EventTransformer}); a fresh copy on every call. */
    public ObjectNode toJson() {
        return json.deepCopy();
    }

    @Override
    public String toString() {
        return "DispatchEvent[" + id + ", run " + runId + ", " + event + "]";
    }
}
