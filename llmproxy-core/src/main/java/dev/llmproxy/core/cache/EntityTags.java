package dev.llmproxy.core.cache;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits an {@code If-None-Match} value into entity tags (RFC 9110 §8.8.3): {@code *}, or a
 * comma-separated list of {@code "opaque"} / {@code W/"opaque"}. Commas inside the quotes belong
 * to the tag. Unquoted junk is kept as a token that matches nothing quoted, so a malformed header
 * never matches by accident.
 */
final class EntityTags {

    private EntityTags() {
    }

    static List<String> parse(String value) {
        List<String> tags = new ArrayList<>(2);
        int i = 0;
        int n = value.length();
        while (i < n) {
            char c = value.charAt(i);
            if (c == ' ' || c == '\t' || c == ',') {
                i++;
                continue;
            }
            int start = i;
            if (value.startsWith("W/\"", i) || c == '"') {
                int open = value.indexOf('"', i);
                int close = value.indexOf('"', open + 1);
                i = close < 0 ? n : close + 1;
            } else {
                while (i < n && value.charAt(i) != ',') {
                    i++;
                }
            }
            tags.add(value.substring(start, i).trim());
        }
        return tags;
    }
}
