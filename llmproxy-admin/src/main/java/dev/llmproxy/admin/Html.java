package dev.llmproxy.admin;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Hand-written HTML helpers. Every value that did not come from this code goes through
 * {@link #esc}; attribute values are always double-quoted, so escaping {@code & < > " '} is enough
 * in both text and attributes. URLs built here use {@link #url} for each parameter.
 */
final class Html {

    private Html() {
    }

    static String esc(Object value) {
        if (value == null) {
            return "";
        }
        String s = value.toString();
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&': b.append("&amp;"); break;
                case '<': b.append("&lt;"); break;
                case '>': b.append("&gt;"); break;
                case '"': b.append("&quot;"); break;
                case '\'': b.append("&#39;"); break;
                default: b.append(c);
            }
        }
        return b.toString();
    }

    static String url(String value) {
        return URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8);
    }

    /** A query string ({@code ?a=1&b=2}) of the non-empty values, or "" when all are empty. */
    static String query(Map<String, String> params) {
        StringBuilder b = new StringBuilder();
        params.forEach((k, v) -> {
            if (v != null && !v.isEmpty()) {
                b.append(b.length() == 0 ? '?' : '&').append(url(k)).append('=').append(url(v));
            }
        });
        return b.toString();
    }

    /** Text of a JSON field, or "" when missing or null. */
    static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isMissingNode() || v.isNull() ? "" : v.asText();
    }

    /** RFC 3339 timestamp shortened to seconds, in a {@code <time>} element; "—" when absent. */
    static String time(JsonNode node, String field) {
        String t = text(node, field);
        if (t.isEmpty()) {
            return "<span class=\"muted\">—</span>";
        }
        String shown = t.length() >= 19 ? t.substring(0, 10) + " " + t.substring(11, 19) + " UTC" : t;
        return "<time datetime=\"" + esc(t) + "\">" + esc(shown) + "</time>";
    }

    static String hiddenCsrf(Session session) {
        return "<input type=\"hidden\" name=\"csrf_token\" value=\"" + esc(session.csrfToken) + "\">";
    }

    /** A POST form holding one button (and hidden fields), e.g. "Revoke". */
    static String buttonForm(Session session, String action, String label, String buttonClass,
                             Map<String, String> hidden) {
        StringBuilder b = new StringBuilder("<form method=\"post\" class=\"inline\" action=\"")
                .append(esc(action)).append("\">").append(hiddenCsrf(session));
        hidden.forEach((k, v) -> b.append("<input type=\"hidden\" name=\"").append(esc(k))
                .append("\" value=\"").append(esc(v)).append("\">"));
        return b.append("<button type=\"submit\" class=\"").append(esc(buttonClass)).append("\">")
                .append(esc(label)).append("</button></form>").toString();
    }

    static String badge(boolean good, String goodText, String badText) {
        return good ? "<span class=\"badge ok\">" + esc(goodText) + "</span>"
                : "<span class=\"badge bad\">" + esc(badText) + "</span>";
    }

    /** A {@code <select>} with a label; {@code options} are value → label pairs. */
    static String select(String id, String name, String label, List<String[]> options, String selected) {
        StringBuilder b = new StringBuilder("<div class=\"field\"><label for=\"").append(esc(id)).append("\">").append(esc(label))
                .append("</label><select id=\"").append(esc(id)).append("\" name=\"").append(esc(name)).append("\">");
        for (String[] o : options) {
            b.append("<option value=\"").append(esc(o[0])).append('"');
            if (o[0].equals(selected)) {
                b.append(" selected");
            }
            b.append('>').append(esc(o[1])).append("</option>");
        }
        return b.append("</select></div>").toString();
    }

    static String input(String id, String name, String label, String type, String value, String extra) {
        return "<div class=\"field\"><label for=\"" + esc(id) + "\">" + esc(label) + "</label><input id=\"" + esc(id) + "\" name=\""
                + esc(name) + "\" type=\"" + esc(type) + "\" value=\"" + esc(value) + "\"" + (extra == null ? ""
                : " " + extra) + "></div>";
    }

    static String notAvailable(String what, String why) {
        return "<section class=\"panel unavailable\" aria-live=\"polite\"><h2>" + esc(what) + ": not available</h2><p>"
                + esc(why) + "</p></section>";
    }

    static String error(String message) {
        return "<div class=\"flash error\" role=\"alert\">" + esc(message) + "</div>";
    }

    static String number(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull()) {
            return "—";
        }
        if (n.isIntegralNumber()) {
            return String.format(java.util.Locale.ROOT, "%,d", n.asLong());
        }
        if (n.isNumber()) {
            return String.format(java.util.Locale.ROOT, "%,.2f", n.asDouble());
        }
        return esc(n.asText());
    }

    static String money(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull()) {
            return "—";
        }
        double usd = n.asDouble();
        // LLM costs are often fractions of a cent: show enough digits to see them.
        return String.format(java.util.Locale.ROOT, usd != 0 && Math.abs(usd) < 0.01 ? "$%.6f" : "$%,.4f", usd);
    }
}
