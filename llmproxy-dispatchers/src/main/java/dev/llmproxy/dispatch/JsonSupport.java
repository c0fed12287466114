package dev.llmproxy.dispatch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * JSON helpers shared by the dispatchers (built-in and plugins): one tree mapper, and timestamps
 * in the form every backend accepts. Thread-safe.
 */
public final class JsonSupport {

    /** Shared; never reconfigured after class initialisation, which keeps it thread-safe. */
    static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    // Captured bodies are capped by the proxy (256 KiB by default, configurable up
                    // to 64 MiB); Jackson's default limits would reject a large legitimate body.
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxStringLength(Integer.MAX_VALUE).maxNestingDepth(256).build())
                    .build())
            .build();

    private static final DateTimeFormatter ISO_MILLIS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private JsonSupport() {
    }

    /**
     * ISO-8601 in UTC with exactly three fraction digits, {@code 2025-01-01T10:00:00.000Z}
     * (Langfuse requires millisecond resolution; Lunary and Helicone accept it).
     */
    public static String iso(Instant instant) {
        return ISO_MILLIS.format(instant.truncatedTo(ChronoUnit.MILLIS));
    }

    /** A new empty object node. */
    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    /** A new empty array node. */
    public static ArrayNode array() {
        return JsonNodeFactory.instance.arrayNode();
    }

    /** Compact UTF-8 JSON of {@code node}. */
    public static byte[] toBytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("a JSON tree always serialises", e);
        }
    }

    /**
     * Parses {@code text} into a tree.
     *
     * @throws IOException if it is not JSON
     */
    public static JsonNode parse(String text) throws IOException {
        return MAPPER.readTree(text);
    }

    /**
     * Parses {@code bytes} (UTF-8) into a tree.
     *
     * @throws IOException if it is not JSON
     */
    public static JsonNode parse(byte[] bytes) throws IOException {
        return MAPPER.readTree(bytes);
    }
}
