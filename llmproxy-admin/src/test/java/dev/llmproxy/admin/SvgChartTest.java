package dev.llmproxy.admin;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SvgChartTest {

    @Test
    void drawsOnePathPerSeriesWithGapsAndEscapedNames() {
        String svg = SvgChart.line("c", "Latency <ms>", "ms", new long[] {0, 60, 120, 180}, List.of(
                new SvgChart.Series("p50", new double[] {1, 2, Double.NaN, 4}),
                new SvgChart.Series("<b>p99</b>", new double[] {10, 20, 30, 40})));
        assertThat(svg).contains("<figcaption>Latency &lt;ms&gt; <span class=\"unit\">(ms)</span></figcaption>").contains("&lt;b&gt;p99&lt;/b&gt;")
                .doesNotContain("<b>");
        assertThat(svg.split("<path ", -1)).hasSize(3);
        // The NaN breaks the first line: it starts twice.
        String first = svg.substring(svg.indexOf("class=\"series s0\""));
        first = first.substring(0, first.indexOf("/>"));
        assertThat(first.split("M", -1)).hasSize(3);
        assertThat(svg).contains("aria-label=\"Latency &lt;ms&gt;, 4 points, maximum 40 ms\"");
        // The 4 after the gap has no neighbour: it gets a dot, the connected values do not.
        assertThat(svg.split("<circle ", -1)).hasSize(2);
        String lonely = SvgChart.line("c", "TTFT", "ms", new long[] {0, 60, 120}, List.of(
                new SvgChart.Series("p50", new double[] {Double.NaN, Double.NaN, 40})));
        assertThat(lonely).contains("<circle class=\"dot s0\"");
        assertThat(svg).doesNotContain("style=");
    }

    @Test
    void emptyWindowSaysSo() {
        assertThat(SvgChart.line("c", "Requests", "req/min", new long[0], List.of()))
                .contains("no data in this window");
    }

    @Test
    void axisMaximumIsRounded() {
        assertThat(SvgChart.niceStep(0)).isEqualTo(0.25);
        assertThat(SvgChart.niceStep(1.25)).isEqualTo(2);
        assertThat(SvgChart.niceStep(7)).isEqualTo(10);
        assertThat(SvgChart.niceStep(130)).isEqualTo(200);
        assertThat(SvgChart.niceStep(0.3)).isEqualTo(0.5);
        assertThat(SvgChart.niceStep(2.5)).isEqualTo(2.5);
        String svg = SvgChart.line("c", "Requests", "req/min", new long[] {0, 60}, List.of(
                new SvgChart.Series("r", new double[] {0, 5})));
        assertThat(svg).contains(">8</text>").contains(">6</text>").contains(">2</text>");
    }

    @Test
    void htmlEscapesEverythingThatMatters() {
        assertThat(Html.esc("<a href=\"x\" onclick='y'>&")).isEqualTo("&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;");
        assertThat(Html.esc(null)).isEmpty();
        assertThat(AdminRouter.authority("https://evil.example:8443/x")).isEqualTo("evil.example:8443");
        assertThat(AdminRouter.authority("null")).isEmpty();
        assertThat(AdminRouter.cookie("a=1; llmproxy_admin=abc; b=2", "llmproxy_admin")).isEqualTo("abc");
        assertThat(AdminRouter.cookie("xllmproxy_admin=abc", "llmproxy_admin")).isNull();
    }
}
