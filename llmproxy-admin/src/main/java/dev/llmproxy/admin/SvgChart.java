package dev.llmproxy.admin;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * Line charts as inline SVG, drawn on the server: no chart library, no script, nothing fetched.
 * Series colours come from CSS classes ({@code .s0} … {@code .s7} in admin.css), so the CSP needs
 * no inline styles. Each chart is a {@code <figure>} with a caption, an accessible label and a
 * legend; a gap in a series (NaN) breaks its line.
 */
final class SvgChart {

    record Series(String name, double[] values) {
    }

    private static final int WIDTH = 560;
    private static final int HEIGHT = 200;
    private static final int LEFT = 56;
    private static final int RIGHT = 12;
    private static final int TOP = 12;
    private static final int BOTTOM = 28;
    private static final DateTimeFormatter HM = DateTimeFormatter.ofPattern("MM-dd HH:mm", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private SvgChart() {
    }

    /**
     * @param times epoch seconds of each point (ascending)
     * @param unit  shown after the y-axis maximum, e.g. "ms" or "%"
     */
    static String line(String id, String title, String unit, long[] times, List<Series> series) {
        double max = 0;
        for (Series s : series) {
            for (double v : s.values()) {
                if (!Double.isNaN(v) && v > max) {
                    max = v;
                }
            }
        }
        double step = niceStep(max / 4);
        double top = 4 * step;
        StringBuilder b = new StringBuilder();
        b.append("<figure class=\"chart\" id=\"").append(Html.esc(id)).append("\"><figcaption>")
                .append(Html.esc(title)).append(" <span class=\"unit\">(").append(Html.esc(unit))
                .append(")</span></figcaption>");
        b.append("<svg viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                .append("\" role=\"img\" aria-label=\"").append(Html.esc(title)).append(", ").append(times.length)
                .append(" points, maximum ").append(format(max)).append(' ').append(Html.esc(unit)).append("\">");
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        // grid and y labels
        for (int i = 0; i <= 4; i++) {
            double y = TOP + plotH - plotH * i / 4.0;
            b.append("<line class=\"grid\" x1=\"").append(LEFT).append("\" x2=\"").append(WIDTH - RIGHT)
                    .append("\" y1=\"").append(fmt(y)).append("\" y2=\"").append(fmt(y)).append("\"/>");
            b.append("<text class=\"axis\" x=\"").append(LEFT - 6).append("\" y=\"").append(fmt(y + 4))
                    .append("\" text-anchor=\"end\">").append(Html.esc(format(step * i))).append("</text>");
        }
        if (times.length == 0) {
            b.append("<text class=\"axis\" x=\"").append(WIDTH / 2).append("\" y=\"").append(HEIGHT / 2)
                    .append("\" text-anchor=\"middle\">no data in this window</text>");
        } else {
            long t0 = times[0];
            long t1 = times[times.length - 1];
            double span = Math.max(1, t1 - t0);
            for (int k = 0; k < series.size(); k++) {
                double[] v = series.get(k).values();
                StringBuilder path = new StringBuilder();
                boolean pen = false;
                for (int i = 0; i < v.length && i < times.length; i++) {
                    if (Double.isNaN(v[i])) {
                        pen = false;
                        continue;
                    }
                    double x = LEFT + plotW * ((times[i] - t0) / span);
                    double y = TOP + plotH - plotH * v[i] / top;
                    path.append(pen ? " L" : " M").append(fmt(x)).append(' ').append(fmt(y));
                    pen = true;
                }
                if (path.length() > 0) {
                    b.append("<path class=\"series s").append(k % 8).append("\" d=\"").append(path.toString().trim())
                            .append("\"/>");
                }
                // A value with no neighbour draws no line: mark it with a dot.
                for (int i = 0; i < v.length && i < times.length; i++) {
                    boolean alone = !Double.isNaN(v[i]) && (i == 0 || Double.isNaN(v[i - 1]))
                            && (i == v.length - 1 || Double.isNaN(v[i + 1]));
                    if (alone) {
                        double x = LEFT + plotW * ((times[i] - t0) / span);
                        double y = TOP + plotH - plotH * v[i] / top;
                        b.append("<circle class=\"dot s").append(k % 8).append("\" cx=\"").append(fmt(x))
                                .append("\" cy=\"").append(fmt(y)).append("\" r=\"3\"/>");
                    }
                }
            }
            b.append("<text class=\"axis\" x=\"").append(LEFT).append("\" y=\"").append(HEIGHT - 8).append("\">")
                    .append(HM.format(Instant.ofEpochSecond(t0))).append("</text>");
            b.append("<text class=\"axis\" x=\"").append(WIDTH - RIGHT).append("\" y=\"").append(HEIGHT - 8)
                    .append("\" text-anchor=\"end\">").append(HM.format(Instant.ofEpochSecond(t1)))
                    .append(" UTC</text>");
        }
        b.append("</svg><ul class=\"legend\">");
        for (int k = 0; k < series.size(); k++) {
            b.append("<li><span class=\"swatch s").append(k % 8).append("\" aria-hidden=\"true\"></span>")
                    .append(Html.esc(series.get(k).name())).append("</li>");
        }
        return b.append("</ul></figure>").toString();
    }

    /** The smallest of 1, 2, 2.5, 5 × 10^n that is at least {@code value} (0.25 for nothing). */
    static double niceStep(double value) {
        if (value <= 0) {
            return 0.25;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= value * (1 - 1e-12)) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String format(double v) {
        if (Math.abs(v - Math.rint(v)) < 1e-9 && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%,d", Math.round(v));
        }
        String s = String.format(Locale.ROOT, "%,.4f", v);
        return s.replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
