package dev.llmproxy.server;

import dev.llmproxy.eventbus.ComponentConfig;

import java.nio.file.Path;

/**
 * How {@code llm-proxy server} records instrumentation events.
 *
 * @param busName              event bus backend ({@code LLM_PROXY_EVENT_BUS}: {@code in-memory} or
 *                             {@code redis-streams}, or a plugin's name)
 * @param busConfig            the bus's own settings ({@code OBSERVABILITY_BUFFER_SIZE}, {@code REDIS_*})
 * @param fileEventLog         JSONL file every event is appended to, or null ({@code FILE_EVENT_LOG})
 * @param maxRequestBodyBytes  request body bytes kept per event ({@code OBSERVABILITY_MAX_REQUEST_BODY_BYTES})
 * @param maxResponseBodyBytes response body bytes kept per event ({@code OBSERVABILITY_MAX_RESPONSE_BODY_BYTES})
 */
record EventSettings(String busName, ComponentConfig busConfig, Path fileEventLog, int maxRequestBodyBytes,
                     int maxResponseBodyBytes) {

    static final String DEFAULT_BUS = "in-memory";
}
