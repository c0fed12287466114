package dev.llmproxy.server;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Plain-text output of {@code llm-proxy manage}: aligned columns for lists, "Label: value" lines
 * for single objects, timestamps as {@code yyyy-MM-dd HH:mm:ss} UTC. Column widths come from the
 * content; no colours, no box drawing, so the output pipes well into {@code grep} and {@code awk}.
 */
final class Tables {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);

    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    Tables(String... header) {
        this.header = List.of(header);
    }

    Tables row(String... cells) {
        rows.add(List.of(cells));
        return this;
    }

    void print(PrintStream out) {
        int[] widths = new int[header.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = header.get(i).length();
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        printRow(out, header, widths);
        for (List<String> row : rows) {
            printRow(out, row, widths);
        }
    }

    private static void printRow(PrintStream out, List<String> cells, int[] widths) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String cell = cells.get(i);
            sb.append(cell);
            if (i < cells.size() - 1) {
                sb.append(" ".repeat(widths[i] - cell.length() + 2));
            }
        }
        out.println(sb);
    }

    /** "Label:  value" lines, labels padded to one width. */
    static void details(PrintStream out, String... labelsAndValues) {
        int width = 0;
        for (int i = 0; i < labelsAndValues.length; i += 2) {
            width = Math.max(width, labelsAndValues[i].length());
        }
        for (int i = 0; i < labelsAndValues.length; i += 2) {
            String label = labelsAndValues[i] + ":";
            out.println(label + " ".repeat(width + 2 - label.length() + 1) + labelsAndValues[i + 1]);
        }
    }

    /** An RFC 3339 field as {@code yyyy-MM-dd HH:mm:ssZ}; {@code whenNull} for null. */
    static String time(JsonNode node, String field, String whenNull) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return whenNull;
        }
        try {
            return TIME.format(Instant.parse(v.asText()));
        } catch (DateTimeParseException e) {
            return v.asText();
        }
    }

    /** A field as text; {@code whenNull} for null or missing. */
    static String text(JsonNode node, String field, String whenNull) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? whenNull : v.asText();
    }

    /** "Showing 21-40 of 45" plus how to get the next page, when the list has more than one page. */
    static void pageFooter(PrintStream out, JsonNode answer, String noun) {
        JsonNode p = answer.get("pagination");
        if (p == null) {
            return;
        }
        long total = p.get("total_count").asLong();
        int page = p.get("page").asInt();
        int size = p.get("page_size").asInt();
        long from = (long) (page - 1) * size + 1;
        long to = Math.min(total, (long) page * size);
        if (total == 0) {
            out.println("No " + noun + ".");
        } else if (p.get("total_pages").asLong() > 1 || page > 1) {
            out.println();
            out.println("Showing " + (from > total ? "none" : from + "-" + to) + " of " + total + " " + noun
                    + (p.get("has_next").asBoolean() ? "; next page: --page " + (page + 1) : "") + ".");
        }
    }
}
