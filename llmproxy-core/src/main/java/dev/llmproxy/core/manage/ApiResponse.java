package dev.llmproxy.core.manage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;

/**
 * A management answer before it becomes Netty objects: status, a JSON body and the few extra
 * headers an answer may carry ({@code Allow} on 405, {@code WWW-Authenticate} on 401). Immutable.
 *
 * @param status  HTTP status
 * @param body    UTF-8 JSON
 * @param headers extra headers; the handler adds Content-Type, Content-Length, Cache-Control and
 *                X-Request-ID to every answer
 * @param contentType the Content-Type of a streamed answer; null for JSON
 * @param stream  writes a streamed (chunked) answer on the blocking executor; null when the
 *                answer is {@code body}
 */
record ApiResponse(int status, byte[] body, Map<String, String> headers, String contentType, StreamingBody stream) {

    ApiResponse {
        headers = Map.copyOf(headers);
    }

    ApiResponse(int status, byte[] body, Map<String, String> headers) {
        this(status, body, headers, null, null);
    }

    /**
     * Writes an answer too large to hold in memory (an export) to {@code out}, which sends it as
     * HTTP chunks and waits while the client is slow. Throwing before anything was flushed turns
     * into an ordinary error answer; throwing later cuts the connection (the only honest signal
     * once part of the body is out).
     */
    @FunctionalInterface
    interface StreamingBody {
        void writeTo(OutputStream out) throws IOException;
    }

    /** A chunked answer of {@code contentType} written by {@code body}. */
    static ApiResponse stream(int status, String contentType, Map<String, String> headers, StreamingBody body) {
        return new ApiResponse(status, new byte[0], headers, contentType, body);
    }

    /** {@code status} with {@code json} as the body. */
    static ApiResponse json(int status, JsonNode json) {
        try {
            return new ApiResponse(status, Json.MAPPER.writeValueAsBytes(json), Map.of());
        } catch (JsonProcessingException e) {
            // Serialising a tree of plain nodes cannot fail; reaching this is a bug.
            throw new IllegalStateException("cannot serialise a JSON tree", e);
        }
    }

    /** {@code {"error":{"message":...,"code":...}}} with {@code status}. */
    static ApiResponse error(int status, String code, String message) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("code", code);
        ApiResponse r = json(status, root);
        if (status == 401) {
            return new ApiResponse(status, r.body, Map.of("WWW-Authenticate", "Bearer realm=\"llm-proxy management\""));
        }
        return r;
    }

    /** The answer for {@code e}, including its {@code Allow} header. */
    static ApiResponse error(ApiException e) {
        ApiResponse r = error(e.status(), e.code(), e.getMessage());
        return e.allow() == null ? r : new ApiResponse(r.status, r.body, Map.of("Allow", e.allow()));
    }
}
