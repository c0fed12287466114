package dev.llmproxy.core.store;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a migration script into statements, because JDBC drivers (SQLite's in particular) run
 * one statement per call. Statements end at a {@code ;} outside quotes and comments; comments are
 * dropped. Dollar-quoted PostgreSQL bodies are not understood: migrations do not define functions.
 */
final class SqlScript {

    private SqlScript() {
    }

    static List<String> split(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int n = script.length();
        int i = 0;
        while (i < n) {
            char c = script.charAt(i);
            char next = i + 1 < n ? script.charAt(i + 1) : '\0';
            if (c == '-' && next == '-') {
                int end = script.indexOf('\n', i);
                i = end < 0 ? n : end;
                current.append(' ');
            } else if (c == '/' && next == '*') {
                int end = script.indexOf("*/", i + 2);
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated /* comment in migration script");
                }
                i = end + 2;
                current.append(' ');
            } else if (c == '\'' || c == '"') {
                int end = closingQuote(script, i, c);
                current.append(script, i, end + 1);
                i = end + 1;
            } else if (c == ';') {
                add(statements, current);
                current.setLength(0);
                i++;
            } else {
                current.append(c);
                i++;
            }
        }
        add(statements, current);
        return statements;
    }

    private static int closingQuote(String script, int open, char quote) {
        int i = open + 1;
        while (i < script.length()) {
            if (script.charAt(i) == quote) {
                if (i + 1 < script.length() && script.charAt(i + 1) == quote) {
                    i += 2; // doubled quote: an escaped quote inside the literal
                    continue;
                }
                return i;
            }
            i++;
        }
        throw new IllegalArgumentException("unterminated " + quote + " quote in migration script");
    }

    private static void add(List<String> statements, StringBuilder sb) {
        String s = sb.toString().strip();
        if (!s.isEmpty()) {
            statements.add(s);
        }
    }
}
