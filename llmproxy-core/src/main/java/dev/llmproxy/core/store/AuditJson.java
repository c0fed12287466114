package dev.llmproxy.core.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stored form of {@link dev.llmproxy.core.audit.AuditEvent#details()}: a JSON object of
 * strings. Shared by the JDBC and in-memory audit stores so free-text search sees the same text.
 */
final class AuditJson {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, String>> MAP = new TypeReference<>() {
    };

    private AuditJson() {
    }

    static String write(Map<String, String> details) {
        try {
            return JSON.writeValueAsString(details);
        } catch (JsonProcessingException e) {
            // A map of strings always serialises; anything else is a bug worth surfacing.
            throw new IllegalStateException("cannot serialise audit details", e);
        }
    }

    static Map<String, String> read(String json) {
        if (json == null || json.isEmpty()) {
            return Map.of();
        }
        try {
            return JSON.readValue(json, MAP);
        } catch (JsonProcessingException e) {
            throw new StoreException("audit_events.details holds invalid JSON", e);
        }
    }
}
