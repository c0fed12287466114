package dev.llmproxy.dispatch.testing;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Small checks for validating request bodies against a backend's documented schema; each adds a
 * message naming the JSON path to {@code violations} instead of throwing, so a fake backend can
 * collect them all and answer 400 as the real one would.
 */
public final class Schema {

    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern ISO_MILLIS = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");

    private Schema() {
    }

    public static boolean object(JsonNode parent, String field, String path, List<String> violations) {
        JsonNode v = parent.get(field);
        if (v == null || !v.isObject()) {
            violations.add(path + "." + field + ": expected an object, got " + v);
            return false;
        }
        return true;
    }

    public static boolean array(JsonNode parent, String field, String path, List<String> violations) {
        JsonNode v = parent.get(field);
        if (v == null || !v.isArray()) {
            violations.add(path + "." + field + ": expected an array, got " + v);
            return false;
        }
        return true;
    }

    public static boolean string(JsonNode parent, String field, String path, List<String> violations) {
        JsonNode v = parent.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            violations.add(path + "." + field + ": expected a non-empty string, got " + v);
            return false;
        }
        return true;
    }

    public static void oneOf(JsonNode parent, String field, Set<String> allowed, String path, List<String> violations) {
        if (string(parent, field, path, violations) && !allowed.contains(parent.get(field).asText())) {
            violations.add(path + "." + field + ": expected one of " + allowed + ", got " + parent.get(field));
        }
    }

    public static boolean integer(JsonNode parent, String field, String path, List<String> violations) {
        JsonNode v = parent.get(field);
        if (v == null || !v.isIntegralNumber() || v.asLong() < 0) {
            violations.add(path + "." + field + ": expected a non-negative integer, got " + v);
            return false;
        }
        return true;
    }

    public static void uuid(JsonNode parent, String field, String path, List<String> violations) {
        if (string(parent, field, path, violations) && !UUID.matcher(parent.get(field).asText()).matches()) {
            violations.add(path + "." + field + ": expected a UUID, got " + parent.get(field));
        }
    }

    /** ISO-8601; with {@code millis}, exactly {@code yyyy-MM-ddTHH:mm:ss.SSSZ} (Langfuse). */
    public static Instant iso(JsonNode parent, String field, boolean millis, String path, List<String> violations) {
        if (!string(parent, field, path, violations)) {
            return null;
        }
        String s = parent.get(field).asText();
        if (millis && !ISO_MILLIS.matcher(s).matches()) {
            violations.add(path + "." + field + ": expected ISO-8601 with milliseconds, got " + s);
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            violations.add(path + "." + field + ": not ISO-8601: " + s);
            return null;
        }
    }

    /** Every value of the object is a string, number or boolean (or an array of those). */
    public static void flat(JsonNode parent, String field, String path, List<String> violations) {
        if (!object(parent, field, path, violations)) {
            return;
        }
        parent.get(field).properties().forEach(f -> {
            JsonNode v = f.getValue();
            boolean ok = v.isValueNode();
            if (v.isArray()) {
                ok = true;
                for (JsonNode x : v) {
                    ok &= x.isValueNode();
                }
            }
            if (!ok) {
                violations.add(path + "." + field + "." + f.getKey() + ": nested value " + v);
            }
        });
    }
}
