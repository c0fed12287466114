package dev.llmproxy.admin;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.llmproxy.admin.Html.esc;

/**
 * The dashboard: totals and charts over a chosen window (1 h, 6 h, 24 h, 7 d) from
 * {@code /manage/usage/series} and {@code /manage/usage/stats}: request and error rate, latency
 * and TTFT percentiles, cache hit ratio, tokens and cost per project.
 */
final class DashboardPage {

    /** Window name → (length, bucket seconds): about 60 to 170 points per chart. */
    private static final Map<String, long[]> WINDOWS = new LinkedHashMap<>();

    static {
        WINDOWS.put("1h", new long[] {3600, 60});
        WINDOWS.put("6h", new long[] {6 * 3600, 300});
        WINDOWS.put("24h", new long[] {24 * 3600, 900});
        WINDOWS.put("7d", new long[] {7 * 24 * 3600, 3600});
    }

    private static final int MAX_PROJECT_SERIES = 8;

    private final ManageClient client;

    DashboardPage(ManageClient client) {
        this.client = client;
    }

    AdminResponse show(Pages.Ctx c) {
        String window = WINDOWS.containsKey(c.q("window")) ? c.q("window") : "1h";
        long[] w = WINDOWS.get(window);
        Instant to = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        Instant from = to.minus(Duration.ofSeconds(w[0]));
        StringBuilder b = new StringBuilder();
        b.append("<nav class=\"windows\" aria-label=\"Time window\"><span>Window:</span>");
        for (String name : WINDOWS.keySet()) {
            b.append("<a href=\"").append(AdminUi.PATH).append("/dashboard?window=").append(name).append('"')
                    .append(name.equals(window) ? " aria-current=\"true\" class=\"current\"" : "").append('>')
                    .append(name).append("</a>");
        }
        b.append("</nav>");
        Map<String, JsonNode> projects = Pages.projectsById(client, c.caller());
        String range = "from=" + Html.url(from.toString()) + "&to=" + Html.url(to.toString());
        ManageClient.Result stats = client.get("/manage/usage/stats?" + range + "&group_by=project", c.caller());
        ManageClient.Result series = client.get("/manage/usage/series?bucket=" + w[1] + "&" + range, c.caller());
        if (UsagePages.unavailable(stats) || UsagePages.unavailable(series)) {
            b.append(Html.notAvailable("Usage dashboard", "This server does not offer usage statistics"
                    + " (/manage/usage/stats or /manage/usage/series answered 404). Projects, tokens, audit log,"
                    + " cache and health pages work without them."));
            b.append(cards(null, projects.size()));
            return Layout.page(200, "Dashboard", c.session(), "dashboard", b.toString());
        }
        if (!stats.ok()) {
            b.append(Html.error("Cannot load usage totals: " + stats.errorMessage()));
        } else {
            b.append(cards(stats.json().path("totals"), projects.size()));
        }
        if (!series.ok()) {
            b.append(Html.error("Cannot load usage over time: " + series.errorMessage()));
        } else {
            b.append(charts(series.json(), projects));
        }
        if (stats.ok()) {
            List<JsonNode> groups = new ArrayList<>();
            stats.json().path("groups").forEach(groups::add);
            b.append("<h2>Per project in this window</h2>")
                    .append(UsagePages.statsTable(stats.json().path("totals"), groups, "Project", projects));
        }
        return Layout.page(200, "Dashboard", c.session(), "dashboard", b.toString());
    }

    private static String cards(JsonNode totals, int projectCount) {
        StringBuilder b = new StringBuilder("<ul class=\"cards\">");
        card(b, "Projects", Integer.toString(projectCount));
        if (totals != null) {
            long requests = totals.path("requests").asLong();
            card(b, "Requests", Html.number(totals.path("requests")));
            card(b, "Error rate", requests == 0 ? "—" : pct(totals.path("errors").asLong(), requests));
            card(b, "Cache hit ratio", requests == 0 ? "—" : pct(totals.path("cache_hits").asLong(), requests));
            card(b, "Tokens", Html.number(totals.path("total_tokens")));
            card(b, "Cost", Html.money(totals.path("cost_usd")));
            card(b, "Latency p95", Html.number(totals.path("latency_ms").path("p95")) + " ms");
        }
        return b.append("</ul>").toString();
    }

    private static void card(StringBuilder b, String label, String valueHtml) {
        b.append("<li class=\"card stat\"><span class=\"label\">").append(esc(label))
                .append("</span><span class=\"value\">").append(valueHtml).append("</span></li>");
    }

    private static String pct(long part, long whole) {
        return String.format(java.util.Locale.ROOT, "%.1f %%", 100.0 * part / whole);
    }

    private static String charts(JsonNode series, Map<String, JsonNode> projects) {
        long bucket = Math.max(1, series.path("bucket_seconds").asLong(60));
        List<JsonNode> points = new ArrayList<>();
        series.path("points").forEach(points::add);
        int n = points.size();
        long[] times = new long[n];
        double[] rate = new double[n];
        double[] errorRate = new double[n];
        double[] hitRatio = new double[n];
        double[][] latency = new double[3][n];
        double[][] ttft = new double[3][n];
        String[] pcts = {"p50", "p95", "p99"};
        Map<String, double[]> tokens = new LinkedHashMap<>();
        Map<String, double[]> cost = new LinkedHashMap<>();
        Map<String, Double> tokenTotals = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            JsonNode p = points.get(i);
            times[i] = epochSeconds(p.path("t"));
            double requests = p.path("requests").asDouble();
            rate[i] = requests * 60.0 / bucket;
            errorRate[i] = requests == 0 ? 0 : 100.0 * p.path("errors").asDouble() / requests;
            hitRatio[i] = requests == 0 ? Double.NaN : Math.min(100, 100.0 * p.path("cache_hits").asDouble() / requests);
            for (int k = 0; k < 3; k++) {
                latency[k][i] = value(p.path("latency_ms").path(pcts[k]));
                ttft[k][i] = value(p.path("ttft_ms").path(pcts[k]));
            }
            for (JsonNode pp : p.path("projects")) {
                String id = pp.path("project_id").asText();
                tokens.computeIfAbsent(id, x -> new double[n])[i] = pp.path("total_tokens").asDouble();
                cost.computeIfAbsent(id, x -> new double[n])[i] = pp.path("cost_usd").asDouble();
                tokenTotals.merge(id, pp.path("total_tokens").asDouble(), Double::sum);
            }
        }
        List<String> top = new ArrayList<>(tokenTotals.keySet());
        top.sort(Comparator.comparingDouble((String id) -> -tokenTotals.get(id)));
        if (top.size() > MAX_PROJECT_SERIES) {
            top = top.subList(0, MAX_PROJECT_SERIES);
        }
        List<SvgChart.Series> tokenSeries = new ArrayList<>();
        List<SvgChart.Series> costSeries = new ArrayList<>();
        for (String id : top) {
            JsonNode p = projects.get(id);
            String name = p != null ? p.path("name").asText() : id;
            tokenSeries.add(new SvgChart.Series(name, tokens.get(id)));
            costSeries.add(new SvgChart.Series(name, cost.get(id)));
        }
        StringBuilder b = new StringBuilder("<div class=\"charts\">");
        b.append(SvgChart.line("chart-rate", "Request rate", "req/min", times, List.of(
                new SvgChart.Series("requests per minute", rate))));
        b.append(SvgChart.line("chart-errors", "Error rate", "%", times, List.of(
                new SvgChart.Series("errors (% of requests)", errorRate))));
        b.append(SvgChart.line("chart-latency", "Latency", "ms", times, List.of(
                new SvgChart.Series("p50", latency[0]), new SvgChart.Series("p95", latency[1]),
                new SvgChart.Series("p99", latency[2]))));
        b.append(SvgChart.line("chart-ttft", "Time to first token (streams)", "ms", times, List.of(
                new SvgChart.Series("p50", ttft[0]), new SvgChart.Series("p95", ttft[1]),
                new SvgChart.Series("p99", ttft[2]))));
        b.append(SvgChart.line("chart-cache", "Cache hit ratio", "%", times, List.of(
                new SvgChart.Series("hits (% of requests)", hitRatio))));
        b.append(SvgChart.line("chart-tokens", "Tokens per project", "tokens", times, tokenSeries));
        b.append(SvgChart.line("chart-cost", "Cost per project", "USD", times, costSeries));
        return b.append("</div>").toString();
    }

    private static double value(JsonNode n) {
        return n.isNumber() ? n.asDouble() : Double.NaN;
    }

    /** Point times may come as epoch seconds, epoch milliseconds or RFC 3339 text. */
    static long epochSeconds(JsonNode t) {
        if (t.isNumber()) {
            long v = t.asLong();
            return v > 100_000_000_000L ? v / 1000 : v;
        }
        try {
            return Instant.parse(t.asText()).getEpochSecond();
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
