package dev.llmproxy.bench;

import dev.llmproxy.core.openai.OpenAiJson;
import dev.llmproxy.eventbus.Event;
import dev.llmproxy.eventbus.EventCodec;
import dev.llmproxy.eventbus.Redaction;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * What the proxy does per upstream exchange to produce its instrumentation event, piece by piece:
 * reading model and usage from a JSON answer ({@code json_response}) or from an SSE stream
 * ({@code sse_response}, {@code chunks} {@code chat.completion.chunk} events with a usage chunk
 * and {@code [DONE]}), sniffing the request ({@code sniff_request}), building the {@link Event}
 * (header redaction included, {@code build_event}) and encoding it to JSON as the Redis Streams
 * publisher and the file log do ({@code encode_event}). {@code redact_headers} redacts the
 * request and response headers of a forwarded request as the proxy holds them (Netty headers);
 * {@code redact_headers_treemap} is the TreeMap-based redaction it replaced, kept for comparison.
 *
 * <pre>java -jar bench/target/benchmarks.jar EventPathBenchmark -prof gc -prof dev.llmproxy.bench.CpuTimeProfiler</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EventPathBenchmark {

    @Param({"64"})
    public int chunks;

    private byte[] request;
    private byte[] json;
    private byte[] sse;
    private Event event;
    private HttpHeaders requestHeaders;
    private HttpHeaders responseHeaders;
    private final Instant at = Instant.parse("2026-11-22T20:00:00Z");

    @Setup(Level.Trial)
    public void setUp() {
        request = Events.REQUEST.getBytes(StandardCharsets.UTF_8);
        json = Events.RESPONSE.getBytes(StandardCharsets.UTF_8);
        StringBuilder s = new StringBuilder();
        String prefix = "data: {\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":";
        s.append(prefix).append("{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\n\n");
        for (int i = 0; i < chunks; i++) {
            s.append(prefix).append("{\"content\":\"word").append(i).append(" \"},\"finish_reason\":null}],\"usage\":null}\n\n");
        }
        s.append(prefix).append("{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n");
        s.append("data: {\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":21,\"completion_tokens\":")
                .append(chunks).append(",\"total_tokens\":").append(21 + chunks).append("}}\n\ndata: [DONE]\n\n");
        sse = s.toString().getBytes(StandardCharsets.UTF_8);
        event = Events.typical(at);
        // As sent upstream by the proxy and as sent to the client (nginx fixture upstream).
        requestHeaders = new DefaultHttpHeaders()
                .add("Content-Type", "application/json").add("User-Agent", "wrk/4.2.0")
                .add("Accept", "*/*").add("authorization", "Bearer sk-bench-upstream")
                .add("x-forwarded-for", "127.0.0.1").add("x-real-ip", "127.0.0.1")
                .add("x-request-id", "7f9c2b1e-3d4a-4c5b-9e6f-0a1b2c3d4e5f").add("content-length", "163")
                .add("host", "127.0.0.1:8081");
        responseHeaders = new DefaultHttpHeaders()
                .add("Server", "nginx/1.22.1").add("Date", "Sun, 22 Nov 2026 20:00:00 GMT")
                .add("Content-Type", "application/json").add("Content-Length", "1479")
                .add("x-request-id", "7f9c2b1e-3d4a-4c5b-9e6f-0a1b2c3d4e5f")
                .add("x-llm-proxy-overhead-us", "41").add("x-ratelimit-limit-requests", "1000000")
                .add("x-ratelimit-remaining-requests", "999999").add("x-ratelimit-reset-requests", "1s");
    }

    @Benchmark
    public Object redact_headers() {
        SortedMap<String, String> a = Redaction.headers(requestHeaders);
        SortedMap<String, String> b = Redaction.headers(responseHeaders);
        return a.size() + b.size() > 0 ? a : b;
    }

    @Benchmark
    public Object redact_headers_treemap() {
        SortedMap<String, String> a = treeRedaction(requestHeaders);
        SortedMap<String, String> b = treeRedaction(responseHeaders);
        return a.size() + b.size() > 0 ? a : b;
    }

    /** Redaction as it was before HeaderMap: a case-insensitive TreeMap and a lower-case copy per name. */
    private static SortedMap<String, String> treeRedaction(Iterable<? extends Map.Entry<String, String>> headers) {
        TreeMap<String, String> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<String, String> e : headers) {
            String name = e.getKey();
            String n = name.toLowerCase(java.util.Locale.ROOT);
            if (Redaction.SENSITIVE_HEADERS.contains(n) || n.endsWith("-api-key") || n.endsWith("-token")
                    || n.endsWith("-secret")) {
                out.putIfAbsent(name, Redaction.REDACTED);
            } else {
                out.merge(name, e.getValue(), (x, y) -> x + ", " + y);
            }
        }
        return Collections.unmodifiableSortedMap(out);
    }

    @Benchmark
    public OpenAiJson.RequestInfo sniff_request() {
        return OpenAiJson.sniffRequest(request, 0, request.length);
    }

    @Benchmark
    public OpenAiJson.ResponseInfo json_response() {
        return OpenAiJson.readJsonResponse(json, 0, json.length);
    }

    @Benchmark
    public OpenAiJson.ResponseInfo sse_response() {
        return OpenAiJson.readSseResponse(sse, 0, sse.length);
    }

    @Benchmark
    public Event build_event() {
        return Events.typical(at);
    }

    @Benchmark
    public byte[] encode_event() {
        return EventCodec.encode(event);
    }
}
