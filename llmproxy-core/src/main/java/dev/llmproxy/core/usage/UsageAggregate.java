package dev.llmproxy.core.usage;

import org.HdrHistogram.Histogram;

import java.math.BigDecimal;

/**
 * Running totals over usage records: counts, tokens, cost, tool calls, and latency and TTFT
 * distributions.
 *
 * <h2>Percentiles</h2>
 * Kept in HdrHistograms with 2 significant decimal digits: values up to 255 ms are exact, larger
 * ones are reported within 1% (the upper end of their bucket). A percentile is the smallest
 * recorded value such that at least that share of the values is at or below it (nearest rank).
 * Memory is bounded whatever the number of records (a few KB per aggregate), so statistics over
 * millions of rows never hold the rows.
 *
 * <p>Not thread-safe: one aggregate per computation.
 */
public final class UsageAggregate {

    private static final int SIGNIFICANT_DIGITS = 2;

    private long requests;
    private long errors;
    private long cacheHits;
    private long promptTokens;
    private long completionTokens;
    private long totalTokens;
    private long costNanos;
    private long toolCalls;
    /** Created with the first record, so empty aggregates (idle series buckets) cost almost nothing. */
    private Histogram latency;
    private Histogram ttft;

    private static Histogram newHistogram() {
        Histogram h = new Histogram(SIGNIFICANT_DIGITS);
        h.setAutoResize(true);
        return h;
    }

    /** Adds one record. */
    public void add(UsageRecord r) {
        requests++;
        if (r.isError()) {
            errors++;
        }
        if (r.isCacheHit()) {
            cacheHits++;
        }
        promptTokens += r.promptTokens();
        completionTokens += r.completionTokens();
        totalTokens += r.totalTokens();
        costNanos += r.costNanos();
        toolCalls += r.toolCalls();
        if (latency == null) {
            latency = newHistogram();
        }
        latency.recordValue(Math.max(0, r.latencyMillis()));
        if (r.ttftMillis() != null) {
            if (ttft == null) {
                ttft = newHistogram();
            }
            ttft.recordValue(Math.max(0, r.ttftMillis()));
        }
    }

    public long requests() {
        return requests;
    }

    public long errors() {
        return errors;
    }

    public long cacheHits() {
        return cacheHits;
    }

    public long promptTokens() {
        return promptTokens;
    }

    public long completionTokens() {
        return completionTokens;
    }

    public long totalTokens() {
        return totalTokens;
    }

    public long costNanos() {
        return costNanos;
    }

    public BigDecimal costUsd() {
        return PriceTable.toUsd(costNanos);
    }

    public long toolCalls() {
        return toolCalls;
    }

    /** Latency percentile in ms ({@code percentile} from 0 to 100), or null without records. */
    public Long latencyPercentile(double percentile) {
        return percentile(latency, percentile);
    }

    /** TTFT percentile in ms, or null when no record had a TTFT. */
    public Long ttftPercentile(double percentile) {
        return percentile(ttft, percentile);
    }

    private static Long percentile(Histogram h, double percentile) {
        if (h == null || h.getTotalCount() == 0) {
            return null;
        }
        // highestEquivalentValue: the upper end of the bucket, so a reported p99 is never too low.
        return h.highestEquivalentValue(h.getValueAtPercentile(percentile));
    }
}
