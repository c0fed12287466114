package dev.llmproxy.core.manage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * A request body read strictly: exactly one JSON object whose keys are all among the endpoint's
 * fields. Each accessor checks one field's type and range and, when it fails, throws a 400 that
 * names the field and what was expected — never the value, which may be a secret (an API key sent
 * in the wrong field). A field can be absent, {@code null}, or set; the accessors keep the three
 * apart because PATCH bodies need to (absent = unchanged, null = "none").
 *
 * <p>Not thread-safe; one instance per request.
 */
final class JsonBody {

    private final ObjectNode object;

    private JsonBody(ObjectNode object) {
        this.object = object;
    }

    /**
     * Parses {@code body}, which must be a JSON object using only {@code allowed} keys.
     *
     * @throws ApiException 400 {@code invalid_json} for a missing, malformed or non-object body,
     *                      400 {@code unknown_field} for a key not in {@code allowed}
     */
    static JsonBody parse(byte[] body, List<String> allowed) {
        if (body.length == 0) {
            throw ApiException.badRequest(ErrorCodes.INVALID_JSON,
                    "A JSON object body is required (fields: " + String.join(", ", allowed) + ")");
        }
        return parseObject(body, allowed);
    }

    /** Like {@link #parse}, but an empty body counts as {@code {}}. */
    static JsonBody parseOptional(byte[] body, List<String> allowed) {
        if (body.length == 0) {
            return new JsonBody(Json.MAPPER.createObjectNode());
        }
        return parseObject(body, allowed);
    }

    private static JsonBody parseObject(byte[] body, List<String> allowed) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            // Jackson's original message quotes the offending input, which may be a secret: keep
            // only the location.
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw ApiException.badRequest(ErrorCodes.INVALID_JSON, "The request body is not valid JSON" + where
                    + (e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field")
                    ? " (duplicate field)" : ""));
        } catch (IOException e) {
            throw ApiException.badRequest(ErrorCodes.INVALID_JSON, "The request body cannot be read as JSON");
        }
        if (root == null || root.isMissingNode()) {
            throw ApiException.badRequest(ErrorCodes.INVALID_JSON,
                    "A JSON object body is required (fields: " + String.join(", ", allowed) + ")");
        }
        if (!root.isObject()) {
            throw ApiException.badRequest(ErrorCodes.INVALID_JSON,
                    "The request body must be a JSON object, got " + kind(root));
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!allowed.contains(name)) {
                throw ApiException.badRequest(ErrorCodes.UNKNOWN_FIELD, "Unknown field '" + printable(name)
                        + "'; allowed fields: " + String.join(", ", allowed));
            }
        }
        return new JsonBody((ObjectNode) root);
    }

    /** Whether the body has no fields at all. */
    boolean isEmpty() {
        return object.isEmpty();
    }

    /** Whether {@code name} is present (possibly as {@code null}). */
    boolean has(String name) {
        return object.has(name);
    }

    /** A string field that must be present and non-null. */
    String requiredString(String name) {
        return string(name).orElseThrow(() -> ApiException.invalid("Field '" + name + "' is required"));
    }

    /** A string field: empty when absent; 400 when null or not a string. */
    Optional<String> string(String name) {
        JsonNode n = object.get(name);
        if (n == null) {
            return Optional.empty();
        }
        if (!n.isTextual()) {
            throw wrongType(name, "a string", n);
        }
        return Optional.of(n.textValue());
    }

    /** A boolean field: empty when absent; 400 when null or not {@code true}/{@code false}. */
    Optional<Boolean> bool(String name) {
        JsonNode n = object.get(name);
        if (n == null) {
            return Optional.empty();
        }
        if (!n.isBoolean()) {
            throw wrongType(name, "true or false", n);
        }
        return Optional.of(n.booleanValue());
    }

    /** A whole-number field that must be present, within {@code [min, max]}. */
    long requiredLong(String name, long min, long max) {
        return wholeNumber(name, min, max).orElseThrow(() -> ApiException.invalid(
                "Field '" + name + "' is required: a whole number from " + min + " to " + max));
    }

    /** A whole-number field within {@code [min, max]}: empty when absent; 400 when null. */
    Optional<Long> wholeNumber(String name, long min, long max) {
        JsonNode n = object.get(name);
        if (n == null) {
            return Optional.empty();
        }
        return Optional.of(checkedLong(name, n, min, max));
    }

    /**
     * A nullable whole-number field: absent → empty; {@code null} → an {@link Optional} holding an
     * empty one; a number within {@code [min, max]} → that number.
     */
    Optional<Optional<Long>> nullableWholeNumber(String name, long min, long max) {
        JsonNode n = object.get(name);
        if (n == null) {
            return Optional.empty();
        }
        if (n.isNull()) {
            return Optional.of(Optional.empty());
        }
        return Optional.of(Optional.of(checkedLong(name, n, min, max)));
    }

    /** An RFC 3339 timestamp field (e.g. {@code 2026-01-31T12:00:00Z}): empty when absent; 400 when null. */
    Optional<Instant> timestamp(String name) {
        Optional<String> text = string(name);
        return text.map(t -> parseTimestamp("Field '" + name + "'", t));
    }

    /** Parses an RFC 3339 date-time with a zone offset; {@code what} names the field or parameter. */
    static Instant parseTimestamp(String what, String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiException.invalid(what + " must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z");
        }
    }

    private static long checkedLong(String name, JsonNode n, long min, long max) {
        String expected = "a whole number from " + min + " to " + max;
        if (!n.isNumber()) {
            throw wrongType(name, expected, n);
        }
        if (!n.isIntegralNumber()) {
            // 1.0 and 1e3 are numbers but not the whole numbers the API counts in.
            throw ApiException.invalid("Field '" + name + "' must be " + expected + ", got a fraction or exponent");
        }
        if (!n.canConvertToLong() || n.longValue() < min || n.longValue() > max) {
            throw ApiException.invalid("Field '" + name + "' must be " + expected + ", got " + boundedText(n));
        }
        return n.longValue();
    }

    private static ApiException wrongType(String name, String expected, JsonNode n) {
        return ApiException.invalid("Field '" + name + "' must be " + expected + ", got " + kind(n));
    }

    /** The JSON type of {@code n}, for messages (the value itself is not shown). */
    private static String kind(JsonNode n) {
        if (n.isNull()) {
            return "null";
        }
        if (n.isTextual()) {
            return "a string";
        }
        if (n.isBoolean()) {
            return "a boolean";
        }
        if (n.isNumber()) {
            return "a number";
        }
        if (n.isArray()) {
            return "an array";
        }
        return "an object";
    }

    /** A number as text for a range message, cut short so a 100-digit number does not flood the answer. */
    private static String boundedText(JsonNode n) {
        String s = n.asText();
        return s.length() > 24 ? s.substring(0, 21) + "..." : s;
    }

    /** Field names are echoed in messages: keep them printable and short. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 64));
        for (int i = 0; i < s.length() && sb.length() < 64; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.toString();
    }
}
