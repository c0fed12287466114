package dev.llmproxy.core.cache;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * Feeds the canonical form of a JSON document into a digest: object members sorted by name at
 * every level, no insignificant whitespace, strings and numbers written the way Jackson writes
 * them (so an escaped and a literal {@code é} are the same string, {@code 1e2} and
 * {@code 100.0} the same number). Two bodies that any JSON parser reads as the same value hash the same,
 * which is what makes a cache key independent of an SDK's key order and formatting.
 *
 * <p>Input that is not exactly one JSON value (empty, malformed, trailing garbage) or that repeats
 * a member name is refused, and the caller hashes the raw bytes instead: duplicate names are read
 * differently by different parsers, so folding them could serve one request's answer to another.
 *
 * <p>Cost: the document is read into a tree (about three times its size on the heap, briefly).
 * Thread-safe.
 */
final class CanonicalJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private CanonicalJson() {
    }

    /**
     * Writes the canonical form of {@code json[offset, offset+length)} into {@code digest}.
     *
     * @return false (and the digest untouched) when the input is not a single well-formed JSON
     *         value without duplicate member names
     */
    static boolean digest(byte[] json, int offset, int length, MessageDigest digest) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json, offset, length);
        } catch (IOException | RuntimeException e) {
            return false;
        }
        if (root == null || root.isMissingNode()) {
            return false;
        }
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(new DigestSink(digest))) {
            write(root, g);
        } catch (IOException e) {
            // DigestSink never throws; a generator failure would be a bug, not bad input.
            throw new IllegalStateException("cannot write canonical JSON", e);
        }
        return true;
    }

    /** The canonical text of a document, for tests and diagnostics; null when not JSON. */
    static String canonical(byte[] json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (IOException | RuntimeException e) {
            return null;
        }
        if (root == null || root.isMissingNode()) {
            return null;
        }
        java.io.StringWriter out = new java.io.StringWriter();
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            write(root, g);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write canonical JSON", e);
        }
        return out.toString();
    }

    private static void write(JsonNode node, JsonGenerator g) throws IOException {
        if (node.isObject()) {
            List<String> names = new ArrayList<>(node.size());
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
            Collections.sort(names);
            g.writeStartObject();
            for (String name : names) {
                g.writeFieldName(name);
                write(node.get(name), g);
            }
            g.writeEndObject();
        } else if (node.isArray()) {
            g.writeStartArray();
            for (JsonNode element : node) {
                write(element, g);
            }
            g.writeEndArray();
        } else if (node.isTextual()) {
            g.writeString(node.textValue());
        } else if (node.isNumber()) {
            switch (node.numberType()) {
                case INT -> g.writeNumber(node.intValue());
                case LONG -> g.writeNumber(node.longValue());
                case BIG_INTEGER -> g.writeNumber(node.bigIntegerValue());
                case FLOAT -> g.writeNumber(node.floatValue());
                case BIG_DECIMAL -> g.writeNumber(node.decimalValue());
                default -> g.writeNumber(node.doubleValue());
            }
        } else if (node.isBoolean()) {
            g.writeBoolean(node.booleanValue());
        } else if (node.isNull()) {
            g.writeNull();
        } else {
            // Parsing produces only the node types above.
            throw new IllegalStateException("unexpected JSON node " + node.getNodeType());
        }
    }

    /** An output stream that only updates a digest. */
    private static final class DigestSink extends OutputStream {
        private final MessageDigest digest;

        DigestSink(MessageDigest digest) {
            this.digest = digest;
        }

        @Override
        public void write(int b) {
            digest.update((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            digest.update(b, off, len);
        }
    }
}
