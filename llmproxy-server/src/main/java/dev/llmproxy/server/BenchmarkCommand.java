package dev.llmproxy.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpMethod;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code llm-proxy benchmark}: sends the same request many times to a proxy (or any OpenAI-style
 * endpoint) and prints throughput, status counts, a latency histogram and percentiles, time to
 * first byte and gaps between chunks for streams, cache hits, and the proxy's own reported
 * overhead. The flags follow the Go tool's ({@code --base-url}, {@code --endpoint},
 * {@code --token}/{@code --token-env}, {@code -r}, {@code -c}, {@code --method}, {@code --json},
 * {@code --cache}, {@code --cache-ttl}, {@code --debug}); {@code --stream}, {@code --rate},
 * {@code --warmup}, {@code --output json} and {@code --header} are additions for the load harness
 * ({@code bench/run.sh}). The engine is {@link LoadGenerator} (non-blocking Netty client).
 */
@Command(name = "benchmark",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        description = {"Load-test an endpoint: throughput, status counts, latency histogram and percentiles.",
                "Closed loop (each of -c connections sends its next request when the previous answer is complete)"
                        + " unless --rate gives a fixed arrival rate (open loop, latency counted from the intended"
                        + " start). Progress goes to stderr, the summary to stdout."},
        footer = {"", "Example:",
                "  llm-proxy benchmark --base-url http://localhost:8080 --endpoint /v1/chat/completions \\",
                "    --token sk-... -r 1000 -c 16 --json '{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'"})
final class BenchmarkCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--base-url", required = true, description = "Where to send requests: http(s)://host[:port].")
    String baseUrl;

    @Option(names = "--endpoint", required = true, description = "Request path (and query), e.g. /v1/chat/completions.")
    String endpoint;

    @Option(names = "--token", description = "Bearer token sent as Authorization (default: the variable named by --token-env).")
    String token;

    @Option(names = "--token-env", defaultValue = "PROXY_TOKEN", description = "Environment variable holding the token (default: ${DEFAULT-VALUE}).")
    String tokenEnv;

    @Option(names = {"-r", "--requests"}, defaultValue = "1", description = "Requests to measure (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = {"-c", "--concurrency"}, defaultValue = "1", description = "Connections, each with one request in flight (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--method", defaultValue = "POST", description = "HTTP method (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--json", paramLabel = "BODY", description = "Request body (JSON); sent with Content-Type: application/json.")
    String json;

    @Option(names = "--cache", description = "Opt in to the proxy's response cache (Cache-Control: public, max-age=--cache-ttl).")
    boolean cache;

    @Option(names = "--cache-ttl", defaultValue = "0", description = "Seconds for --cache; 0 means 86400.")
    long cacheTtl;

    @Option(names = "--stream", description = "Ask for a streamed answer: \"stream\": true in the JSON body, Accept: text/event-stream.")
    boolean stream;

    @Option(names = "--debug", description = "Also print the first response (headers and body) of each status, and the request sent.")
    boolean debug;

    @Option(names = "--rate", defaultValue = "0", description = "Open loop: start this many requests per second (0: closed loop).")
    double rate;

    @Option(names = "--warmup", defaultValue = "0", description = "Requests sent first and not measured (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--timeout", defaultValue = "60s", description = "Per-request timeout, e.g. 30s or 500ms (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--threads", defaultValue = "1", description = "Client event-loop threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = {"-H", "--header"}, paramLabel = "NAME:VALUE", description = "Extra request header (repeatable).")
    Map<String, String> extraHeaders = new LinkedHashMap<>();

    @Option(names = "--output", defaultValue = "text", description = "Summary format: text or json (default: ${DEFAULT-VALUE}).")
    String output;

    @Option(names = "--stall-ms", defaultValue = "200", description = "A stream whose longest gap between chunks exceeds this many ms counts as stalled (default: ${DEFAULT-VALUE}).")
    long stallMs;

    @Option(names = "--no-progress", description = "No progress bar on stderr.")
    boolean noProgress;

    private final CliContext context;

    BenchmarkCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() throws Exception {
        LoadGenerator.Plan plan = plan();
        LoadGenerator generator = new LoadGenerator(plan);
        PrintStream err = context.err();
        ScheduledExecutorService progress = null;
        if (!noProgress) {
            progress = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "benchmark-progress");
                t.setDaemon(true);
                return t;
            });
            long started = System.nanoTime();
            progress.scheduleAtFixedRate(() -> printProgress(err, generator, started, false), 200, 200,
                    TimeUnit.MILLISECONDS);
        }
        long started = System.nanoTime();
        try {
            generator.run();
        } catch (IllegalStateException e) {
            err.println();
            err.println("llm-proxy benchmark: " + e.getMessage());
            return Main.EXIT_RUNTIME;
        } finally {
            if (progress != null) {
                progress.shutdownNow();
                printProgress(err, generator, started, true);
            }
        }
        if ("json".equals(output)) {
            context.out().println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(summary(generator, stallMs)));
        } else {
            printText(context.out(), generator, plan, stallMs);
        }
        return generator.statuses.keySet().stream().allMatch(s -> s < 400) && generator.errors.isEmpty()
                ? Main.EXIT_OK : Main.EXIT_RUNTIME;
    }

    private LoadGenerator.Plan plan() throws IOException {
        URI base;
        try {
            base = new URI(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl);
        } catch (URISyntaxException e) {
            throw usage("--base-url: not a URL: " + baseUrl);
        }
        if (base.getScheme() == null || !(base.getScheme().equalsIgnoreCase("http") || base.getScheme().equalsIgnoreCase("https"))
                || base.getHost() == null || base.getRawPath() != null && !base.getRawPath().isEmpty()
                || base.getRawQuery() != null) {
            throw usage("--base-url: expected http(s)://host[:port] without a path, got " + baseUrl);
        }
        if (!endpoint.startsWith("/")) {
            throw usage("--endpoint: must start with '/', got " + endpoint);
        }
        if (requests < 1) {
            throw usage("--requests: must be at least 1, got " + requests);
        }
        if (concurrency < 1 || concurrency > 100_000) {
            throw usage("--concurrency: must be 1 to 100000, got " + concurrency);
        }
        if (warmup < 0) {
            throw usage("--warmup: must be 0 or more, got " + warmup);
        }
        if (rate < 0 || Double.isNaN(rate) || Double.isInfinite(rate)) {
            throw usage("--rate: must be a positive number of requests per second (or 0), got " + rate);
        }
        if (threads < 1 || threads > 64) {
            throw usage("--threads: must be 1 to 64, got " + threads);
        }
        if (stallMs < 1) {
            throw usage("--stall-ms: must be at least 1, got " + stallMs);
        }
        if (cacheTtl < 0) {
            throw usage("--cache-ttl: must be 0 or more seconds, got " + cacheTtl);
        }
        if (!"text".equals(output) && !"json".equals(output)) {
            throw usage("--output: expected text or json, got " + output);
        }
        Duration requestTimeout;
        try {
            requestTimeout = ValueParsers.positiveDuration(timeout);
        } catch (IllegalArgumentException e) {
            throw usage("--timeout: " + e.getMessage());
        }
        if (requestTimeout.isZero() || requestTimeout.isNegative()) {
            throw usage("--timeout: must be positive, got " + timeout);
        }
        HttpMethod httpMethod = HttpMethod.valueOf(method.toUpperCase(Locale.ROOT));
        byte[] body = null;
        Map<String, String> headers = new LinkedHashMap<>();
        if (json != null) {
            String text = json;
            if (stream) {
                JsonNode node;
                try {
                    node = JSON.readTree(json);
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw usage("--json: not valid JSON (needed for --stream): " + e.getOriginalMessage());
                }
                if (!(node instanceof ObjectNode)) {
                    throw usage("--json: --stream needs a JSON object body");
                }
                ((ObjectNode) node).put("stream", true);
                text = JSON.writeValueAsString(node);
            }
            body = text.getBytes(StandardCharsets.UTF_8);
            headers.put("Content-Type", "application/json");
        }
        if (stream) {
            headers.put("Accept", "text/event-stream");
        }
        String bearer = token != null ? token : context.env().get(tokenEnv);
        if (bearer != null && !bearer.isBlank()) {
            headers.put("Authorization", "Bearer " + bearer.trim());
        }
        if (cache) {
            headers.put("Cache-Control", "public, max-age=" + (cacheTtl == 0 ? 86400 : cacheTtl));
        }
        headers.putAll(extraHeaders);
        if (debug) {
            PrintStream out = context.out();
            out.println("Request: " + httpMethod + " " + base + endpoint);
            headers.forEach((k, v) -> out.println("  " + k + ": " + (k.equalsIgnoreCase("Authorization") ? "Bearer ***" : v)));
            if (body != null) {
                out.println("  body: " + new String(body, StandardCharsets.UTF_8));
            }
        }
        return new LoadGenerator.Plan(base, endpoint, httpMethod, body, headers, requests, warmup, concurrency, rate,
                requestTimeout, threads, debug);
    }

    /** A bad flag: one line on stderr and exit 2, like picocli's own usage errors. */
    private static ConfigError usage(String message) {
        return new ConfigError(message);
    }

    private static void printProgress(PrintStream err, LoadGenerator g, long startedNanos, boolean last) {
        int total = g.total();
        int done = Math.min(total, g.finishedSoFar());
        int width = 30;
        int filled = (int) ((long) done * width / total);
        double seconds = (System.nanoTime() - startedNanos) / 1e9;
        String bar = "#".repeat(filled) + " ".repeat(width - filled);
        err.printf(Locale.ROOT, "\r[%s] %d/%d  %.1fs  %.0f req/s%s", bar, done, total, seconds,
                seconds > 0 ? done / seconds : 0.0, last ? "\n" : "");
        err.flush();
    }

    // ------------------------------------------------------------------ report

    private static Map<String, Object> summary(LoadGenerator g, long stallMs) {
        Map<String, Object> m = new LinkedHashMap<>();
        int completed = g.completed.get();
        double seconds = g.measuredNanos / 1e9;
        long failed = g.errors.values().stream().mapToLong(a -> a.sum()).sum();
        long non2xx = g.statuses.entrySet().stream().filter(e -> e.getKey() >= 400).mapToLong(e -> e.getValue().sum()).sum();
        m.put("requests", completed);
        m.put("success", completed - failed - non2xx);
        m.put("failed", failed + non2xx);
        m.put("duration_seconds", seconds);
        m.put("throughput_rps", seconds > 0 ? completed / seconds : 0);
        Map<String, Long> statuses = new TreeMap<>();
        g.statuses.forEach((k, v) -> statuses.put(Integer.toString(k), v.sum()));
        m.put("status_counts", statuses);
        Map<String, Long> errors = new TreeMap<>();
        g.errors.forEach((k, v) -> errors.put(k, v.sum()));
        m.put("errors", errors);
        m.put("cache_hits", g.cacheHits.sum());
        m.put("latency_us", percentiles(g.latency));
        if (g.ttft.getTotalCount() > 0 && g.chunkGap.getTotalCount() > 0) { // for single-chunk answers it is the latency
            m.put("ttft_us", percentiles(g.ttft));
        }
        if (g.chunkGap.getTotalCount() > 0) {
            m.put("chunk_gap_us", percentiles(g.chunkGap));
            m.put("max_chunk_gap_per_stream_us", percentiles(g.maxChunkGap));
            m.put("chunks", g.chunks.sum());
            m.put("stall_threshold_ms", stallMs);
            long stallMicros = stallMs * 1000;
            m.put("stalled_streams", g.maxChunkGap.getMaxValue() <= stallMicros ? 0
                    : g.maxChunkGap.getCountBetweenValues(g.maxChunkGap.nextNonEquivalentValue(stallMicros),
                    g.maxChunkGap.getMaxValue()));
        }
        if (g.overhead.getTotalCount() > 0) {
            m.put("proxy_overhead_us", percentiles(g.overhead));
        }
        return m;
    }

    private static Map<String, Object> percentiles(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        m.put("min", h.getTotalCount() == 0 ? 0 : h.getMinValue());
        m.put("mean", h.getMean());
        m.put("p50", h.getValueAtPercentile(50));
        m.put("p90", h.getValueAtPercentile(90));
        m.put("p99", h.getValueAtPercentile(99));
        m.put("p999", h.getValueAtPercentile(99.9));
        m.put("max", h.getMaxValue());
        return m;
    }

    private static void printText(PrintStream out, LoadGenerator g, LoadGenerator.Plan plan, long stallMs) {
        Map<String, Object> s = summary(g, stallMs);
        out.println();
        out.println("Summary");
        out.printf(Locale.ROOT, "  Requests:     %d (success %s, failed %s)%n", s.get("requests"), s.get("success"), s.get("failed"));
        out.printf(Locale.ROOT, "  Concurrency:  %d%s%n", plan.concurrency(),
                plan.rate() > 0 ? String.format(Locale.ROOT, ", open loop at %.0f req/s", plan.rate()) : ", closed loop");
        out.printf(Locale.ROOT, "  Duration:     %.3f s%n", (double) s.get("duration_seconds"));
        out.printf(Locale.ROOT, "  Throughput:   %.1f req/s%n", ((Number) s.get("throughput_rps")).doubleValue());
        out.printf(Locale.ROOT, "  Cache hits:   %s%n", s.get("cache_hits"));
        out.println();
        printPercentiles(out, "Latency", g.latency);
        if (g.ttft.getTotalCount() > 0 && g.chunkGap.getTotalCount() > 0) {
            printPercentiles(out, "Time to first byte", g.ttft);
        }
        if (g.chunkGap.getTotalCount() > 0) {
            printPercentiles(out, "Gap between chunks", g.chunkGap);
            printPercentiles(out, "Longest gap per stream", g.maxChunkGap);
            out.printf(Locale.ROOT, "  Streams: %d, stalled (a gap over %d ms): %s%n%n", g.maxChunkGap.getTotalCount(), stallMs,
                    s.get("stalled_streams"));
        }
        if (g.overhead.getTotalCount() > 0) {
            printPercentiles(out, "Proxy overhead (X-LLM-Proxy-Overhead-Us)", g.overhead);
        }
        out.println("Latency histogram:");
        printHistogram(out, g.latency);
        out.println();
        out.println("Status codes:");
        new TreeMap<>(g.statuses).forEach((k, v) -> out.printf(Locale.ROOT, "  [%d] %d responses%n", k, v.sum()));
        if (!g.errors.isEmpty()) {
            out.println("Errors:");
            new TreeMap<>(g.errors).forEach((k, v) -> out.printf(Locale.ROOT, "  %s: %d%n", k, v.sum()));
        }
        if (plan.keepSamples()) {
            new TreeMap<>(g.samples).forEach((status, sample) -> {
                out.println();
                out.println("Sample response [" + status + "]:");
                out.print(sample.responseHeaders().indent(2));
                out.println(sample.body().indent(2));
            });
        }
    }

    private static void printPercentiles(PrintStream out, String title, Histogram h) {
        out.printf(Locale.ROOT, "%s (ms, %d samples):%n", title, h.getTotalCount());
        out.printf(Locale.ROOT, "  min %s  mean %s  p50 %s  p90 %s  p99 %s  p99.9 %s  max %s%n%n",
                ms(h.getTotalCount() == 0 ? 0 : h.getMinValue()), ms((long) h.getMean()),
                ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)), ms(h.getValueAtPercentile(99)),
                ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()));
    }

    private static String ms(long micros) {
        return String.format(Locale.ROOT, "%.3f", micros / 1000.0);
    }

    /** Ten equal-width buckets between the fastest and slowest answer, like hey's. */
    private static void printHistogram(PrintStream out, Histogram h) {
        if (h.getTotalCount() == 0) {
            out.println("  (no responses)");
            return;
        }
        long min = h.getMinValue();
        long max = h.getMaxValue();
        int buckets = 10;
        double width = Math.max(1, (max - min) / (double) buckets);
        long[] counts = new long[buckets + 1];
        for (org.HdrHistogram.HistogramIterationValue v : h.recordedValues()) {
            int b = (int) Math.min(buckets, (v.getValueIteratedTo() - min) / width);
            counts[b] += v.getCountAtValueIteratedTo();
        }
        long most = 1;
        for (long c : counts) {
            most = Math.max(most, c);
        }
        for (int i = 0; i <= buckets; i++) {
            long edge = (long) (min + i * width);
            int bar = (int) (counts[i] * 40 / most);
            out.printf(Locale.ROOT, "  %10s ms [%d]\t%s%n", ms(edge), counts[i], "■".repeat(bar));
        }
    }
}
