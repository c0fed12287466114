package dev.llmproxy.admin;

import java.util.List;

/** The page frame: head, navigation, flash messages, logout form, main content. */
final class Layout {

    private static final String P = AdminUi.PATH;
    private static final List<String[]> NAV = List.of(
            new String[] {"dashboard", "Dashboard"}, new String[] {"projects", "Projects"},
            new String[] {"tokens", "Tokens"}, new String[] {"usage", "Usage"}, new String[] {"audit", "Audit log"},
            new String[] {"cache", "Cache"}, new String[] {"health", "Health"});

    private Layout() {
    }

    /**
     * @param session the logged-in session (navigation, logout, flashes), or null for the login page
     * @param active  the navigation entry to highlight, e.g. "projects"
     */
    static AdminResponse page(int status, String title, Session session, String active, String content) {
        StringBuilder b = new StringBuilder(4096 + content.length());
        b.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<meta name=\"referrer\" content=\"no-referrer\">")
                .append("<title>").append(Html.esc(title)).append(" · llm-proxy admin</title>")
                .append("<link rel=\"stylesheet\" href=\"").append(P).append("/static/admin.css\">")
                .append("<script src=\"").append(P).append("/static/admin.js\" defer></script>")
                .append("</head><body><a class=\"skip\" href=\"#main\">Skip to content</a>")
                .append("<header class=\"top\"><span class=\"brand\">llm-proxy admin</span>");
        if (session != null && session.authenticated()) {
            b.append("<nav aria-label=\"Main\"><ul>");
            for (String[] n : NAV) {
                b.append("<li><a href=\"").append(P).append('/').append(n[0]).append('"');
                if (n[0].equals(active)) {
                    b.append(" aria-current=\"page\"");
                }
                b.append('>').append(n[1]).append("</a></li>");
            }
            b.append("</ul></nav>");
            b.append("<form method=\"post\" action=\"").append(P).append("/logout\" class=\"logout\">")
                    .append(Html.hiddenCsrf(session))
                    .append("<button type=\"submit\" id=\"logout\">Log out</button></form>");
        }
        b.append("</header><main id=\"main\"><h1>").append(Html.esc(title)).append("</h1>");
        if (session != null) {
            for (Session.Flash f : session.takeFlashes()) {
                b.append("<div class=\"flash ").append(Html.esc(f.kind())).append("\" role=\"")
                        .append("error".equals(f.kind()) ? "alert" : "status").append("\">")
                        .append(Html.esc(f.message())).append("</div>");
            }
        }
        b.append(content).append("</main></body></html>");
        return AdminResponse.html(status, b.toString());
    }
}
