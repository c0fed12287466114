package dev.llmproxy.core.usage;

import dev.llmproxy.core.openai.OpenAiJson;
import dev.llmproxy.eventbus.Body;
import dev.llmproxy.testing.MockOpenAiUpstream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link UsageRecords#toRecord} reads the common case with a streaming parser and everything else
 * with JSON trees: both paths must give identical records. Every answer here (test fixtures, the
 * mock upstream's real answers, hand-written edge cases, randomly generated usage blocks and every
 * answer cut short) goes through both paths under several upstream facts, and wherever the fast
 * path answers at all its record must equal the tree path's.
 */
class UsageRecordsDifferentialTest {

    private final UsageRecords records = new UsageRecords(PriceTable.builtIn());
    private int compared;
    private int fast;

    private static final String CHAT_REQUEST = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    /** A pair to compare: the request and the upstream's answer. */
    private record Exchange(String name, byte[] request, byte[] answer, int status, boolean sse) {
        Exchange(String name, String request, String answer) {
            this(name, request == null ? null : request.getBytes(StandardCharsets.UTF_8),
                    answer.getBytes(StandardCharsets.UTF_8), 200, false);
        }
    }

    private static final List<String> EDGE_ANSWERS = List.of(
            // plain answers, as providers send them
            "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,"
                    + "\"message\":{\"role\":\"assistant\",\"content\":\"Hello\"},\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":1,\"total_tokens\":10}}",
            "{\"model\":\"gpt-4o\",\"choices\":[{\"message\":{\"content\":null,\"tool_calls\":[{\"id\":\"a\",\"type\":\"function\","
                    + "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}},{\"id\":\"b\",\"type\":\"function\",\"function\":"
                    + "{\"name\":\"g\",\"arguments\":\"{\\\"usage\\\":1}\"}}]}},{\"message\":{\"function_call\":{\"name\":\"h\"}}}],"
                    + "\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":20,\"total_tokens\":120,"
                    + "\"prompt_tokens_details\":{\"cached_tokens\":40,\"audio_tokens\":0}}}",
            "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.1,-0.2,1e-3,3.5E+2]}],"
                    + "\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8}}",
            // cached tokens in both detail blocks, Responses-style names without output
            "{\"model\":\"o4-mini\",\"usage\":{\"input_tokens\":10,\"output_tokens\":5,\"input_tokens_details\":"
                    + "{\"cached_tokens\":3},\"prompt_tokens_details\":{\"cached_tokens\":2}}}",
            "{\"model\":\"o4-mini\",\"output\":[{\"type\":\"function_call\"}],\"usage\":{\"input_tokens\":10,\"output_tokens\":5}}",
            // missing usage, null usage, usage not an object, nulls inside
            "{\"model\":\"gpt-4o\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"Hello there\"}}]}",
            "{\"model\":\"gpt-4o\",\"choices\":[],\"usage\":null}",
            "{\"model\":\"gpt-4o\",\"choices\":[],\"usage\":[1,2]}",
            "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":null,\"input_tokens\":4,\"completion_tokens\":null,"
                    + "\"total_tokens\":null,\"prompt_tokens_details\":null}}",
            "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":4,\"prompt_tokens_details\":{\"cached_tokens\":null}}}",
            "{\"model\":\"gpt-4o\",\"usage\":{}}",
            // floats, strings, booleans and huge numbers where integers are expected
            "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":10.0,\"completion_tokens\":2.7,\"total_tokens\":12.7}}",
            "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":\"10\",\"completion_tokens\":true,\"total_tokens\":\"x\"}}",
            "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":99999999999999999999999,\"completion_tokens\":9223372036854775807,"
                    + "\"total_tokens\":-9223372036854775808}}",
            "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":-5,\"completion_tokens\":3,\"prompt_tokens_details\":{\"cached_tokens\":-2}}}",
            "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":5,\"prompt_tokens_details\":{\"cached_tokens\":\"7\"}}}",
            "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":5,\"prompt_tokens_details\":{\"cached_tokens\":1.5}}}",
            "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":5,\"prompt_tokens_details\":[{\"cached_tokens\":3}]}}",
            "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":5,\"prompt_tokens_details\":7}}",
            "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":1e400,\"completion_tokens\":-0.0}}",
            // duplicate keys at every level that is read
            "{\"model\":\"gpt-4o\",\"model\":\"gpt-4o-mini\",\"usage\":{\"prompt_tokens\":1}}",
            "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":1},\"usage\":{\"prompt_tokens\":2}}",
            "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":1,\"prompt_tokens\":2}}",
            "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":1,\"prompt_tokens_details\":{\"cached_tokens\":1,\"cached_tokens\":0}}}",
            "{\"choices\":[{\"message\":{\"tool_calls\":[1]},\"message\":{}}],\"choices\":[]}",
            "{\"choices\":[{\"message\":{\"tool_calls\":[1,2],\"tool_calls\":[3]}}]}",
            "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":5},\"usage\":{\"prompt_tokens\":2}}",
            "{\"choices\":[{\"message\":{\"tool_calls\":[1,2]},\"message\":{\"tool_calls\":[3]}}],\"usage\":{\"prompt_tokens\":2}}",
            // the same key names deeper in the tree
            "{\"model\":\"gpt-4o\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":{\"usage\":{\"prompt_tokens\":999},"
                    + "\"model\":\"deep\",\"choices\":[{\"message\":{\"tool_calls\":[1,2,3]}}]}}}],\"usage\":{\"prompt_tokens\":3,"
                    + "\"completion_tokens\":4,\"extra\":{\"prompt_tokens\":77,\"cached_tokens\":5}}}",
            "{\"meta\":{\"model\":\"x\",\"usage\":{\"prompt_tokens\":50}},\"model\":\"gpt-4o\"}",
            // odd shapes of choices, message, tool calls
            "{\"model\":\"gpt-4o\",\"choices\":{\"a\":{\"message\":{\"tool_calls\":[1]}}},\"usage\":{\"prompt_tokens\":1}}",
            "{\"model\":\"gpt-4o\",\"choices\":[1,\"x\",null,[{\"message\":{\"tool_calls\":[1]}}],{\"message\":null},"
                    + "{\"message\":\"m\"},{\"message\":{\"tool_calls\":null,\"function_call\":\"f\"}},"
                    + "{\"message\":{\"tool_calls\":{\"a\":1,\"b\":2}}},{\"message\":{\"tool_calls\":\"abc\"}}],"
                    + "\"usage\":{\"prompt_tokens\":1}}",
            "{\"model\":\"gpt-4o\",\"choices\":null,\"usage\":{\"prompt_tokens\":1}}",
            "{\"model\":\"gpt-4o\",\"choices\":\"none\",\"usage\":{\"prompt_tokens\":1}}",
            "{\"model\":42,\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}",
            "{\"model\":null,\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}",
            "{\"model\":{\"name\":\"gpt-4o\"},\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}",
            // unicode, escapes, whitespace
            "  \n\t{ \"model\" : \"gpt-4o\\u002dmini\" , \"choices\" : [ { \"message\" : { \"content\" : \"h\u00e9llo \u2603 \uD83D\uDE00 \\uD83D\\uDE00 \\\"q\\\"\" } } ] ,"
                    + " \"usage\" : { \"prompt_tokens\" : 7 , \"completion_tokens\" : 3 } }",
            "{\"model\":\"\u00e9\u00e8-model\",\"usage\":{\"prompt_tokens\":7}}",
            "\u2028{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":7}}",
            "\uFEFF{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":7}}",
            // errors and non-objects
            "{\"error\":{\"message\":\"Rate limit\",\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}",
            "[{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":1}}]",
            "\"just a string\"",
            "not json at all",
            "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":1}} trailing garbage",
            "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":1}}{\"model\":\"other\"}",
            "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":1},\"bad\":\"\\q\"}",
            // bad strings the fast path skips: a raw control character, a bad \\u escape, no end
            "{\"model\":\"gpt-4o\",\"choices\":[{\"message\":{\"content\":\"raw\ttab\"}}],\"usage\":{\"prompt_tokens\":1}}",
            "{\"model\":\"gpt-4o\",\"x\":\"\u0001\",\"usage\":{\"prompt_tokens\":1}}",
            "{\"model\":\"gpt-4o\",\"x\":\"\\u12G4\",\"usage\":{\"prompt_tokens\":1}}",
            "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":1},\"x\":\"unterminated}",
            "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":1},\"x\":[\"a\",\"b\\\"\"]}",
            "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":1},\"nan\":NaN}",
            "{\"model\":\"gpt-4o\",'usage':{\"prompt_tokens\":1}}",
            "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":1},}",
            "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":01}}",
            // SSE without the header
            "data: {\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n",
            ": keep-alive\n\ndata: {\"model\":\"gpt-4o\",\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n");

    private static final List<String> EDGE_REQUESTS = List.of(
            CHAT_REQUEST,
            "{\"model\":\"gpt-4o\",\"model\":\"gpt-4o-mini\"}",
            "{\"model\":\"gpt-4o\",\"model\":7}",
            "{\"model\":7,\"messages\":[]}",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"no model\"}]}",
            "{\"input\":\"x\",\"model\":\"text-embedding-3-small\",\"nested\":{\"model\":\"deep\"}}",
            "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"cut at the capture lim",
            "{\"model\":\"gpt-4o\",\"bad\":\"\\x\"}",
            "{\"model\":\"gpt-4o\",\"messages\":[{\"content\":\"raw\ttab\"}]}",
            "{\"model\":\"gpt-4o\",\"messages\":[{\"content\":\"\\u00zz\"}]}",
            "{\"messages\":[{\"content\":\"\u0000\"}],\"model\":\"gpt-4o\"}",
            "[\"model\"]",
            "  ",
            "{\"model\":\"m\u00fcnchen-\uD83D\uDE00\"}");

    @Test
    void bothPaths_giveTheSameRecord_forEveryAnswer() throws Exception {
        List<Exchange> exchanges = new ArrayList<>();
        for (String answer : EDGE_ANSWERS) {
            for (String request : EDGE_REQUESTS) {
                exchanges.add(new Exchange("edge", request, answer));
            }
            exchanges.add(new Exchange("edge-no-request", null, answer));
        }
        exchanges.addAll(fixtures());
        exchanges.addAll(mockUpstreamAnswers());
        // Bad UTF-8 inside a string the fast path skips: the tree parser rejects the whole body.
        byte[] bad = "{\"model\":\"gpt-4o\",\"choices\":[{\"message\":{\"content\":\"ab__\"}}],\"usage\":{\"prompt_tokens\":1}}"
                .getBytes(StandardCharsets.UTF_8);
        int at = new String(bad, StandardCharsets.UTF_8).indexOf("__");
        for (byte[] pair : new byte[][] {{(byte) 0xC3, (byte) 0x28}, {(byte) 0xFF, (byte) 0x41}, {(byte) 0xE2, (byte) 0x82}}) {
            byte[] b = bad.clone();
            b[at] = pair[0];
            b[at + 1] = pair[1];
            exchanges.add(new Exchange("bad-utf8-answer", CHAT_REQUEST.getBytes(StandardCharsets.UTF_8), b, 200, false));
            exchanges.add(new Exchange("bad-utf8-request", b, EDGE_ANSWERS.get(0).getBytes(StandardCharsets.UTF_8), 200, false));
        }
        Random random = new Random(42);
        for (int i = 0; i < 3000; i++) {
            exchanges.add(new Exchange("random-" + i, CHAT_REQUEST, randomAnswer(random)));
        }
        // Every answer cut short, as the capture limit cuts it.
        List<Exchange> cut = new ArrayList<>();
        for (Exchange e : exchanges.subList(0, Math.min(exchanges.size(), 60))) {
            for (int len = 0; len < e.answer().length; len += 7) {
                cut.add(new Exchange(e.name() + "-cut" + len, e.request(), java.util.Arrays.copyOf(e.answer(), len),
                        e.status(), e.sse()));
            }
        }
        exchanges.addAll(cut);

        for (Exchange e : exchanges) {
            compareAllVariants(e);
        }
        // The fast path must actually carry the common case, or this test compares nothing.
        assertThat(compared).isGreaterThan(10_000);
        assertThat(fast).isGreaterThan(compared / 5);
    }

    @Test
    void theCommonAnswers_takeTheFastPath() throws Exception {
        for (Exchange e : fixtures()) {
            UsageObservation o = observation(e, new UsageObservation.Upstream(200, Body.of(e.answer()), null, false,
                    null, null, null, null), "MISS");
            assertThat(records.toRecordFast(o)).as(e.name()).isNotNull().isEqualTo(records.toRecordTree(o));
        }
        for (Exchange e : mockUpstreamAnswers()) {
            if (e.status() == 200 && !e.sse() && e.name().startsWith("POST")) {
                UsageObservation o = observation(e, proxyRead(e, null), "MISS");
                assertThat(records.toRecordFast(o)).as(e.name()).isNotNull();
            }
        }
    }

    private void compareAllVariants(Exchange e) throws IOException {
        List<UsageObservation.Upstream> ups = new ArrayList<>();
        ups.add(null);
        for (boolean sse : new boolean[] {e.sse(), !e.sse()}) {
            ups.add(new UsageObservation.Upstream(e.status(), Body.of(e.answer()), null, sse, null, null, null, null));
            ups.add(new UsageObservation.Upstream(e.status(), Body.of(e.answer()), null, sse, "gpt-4o-2024-08-06", 11, 7, null));
            ups.add(proxyRead(e, sse));
            ups.add(new UsageObservation.Upstream(429, Body.of(e.answer()), null, sse, null, null, null, null));
        }
        ups.add(new UsageObservation.Upstream(e.status(), Body.of(gzip(e.answer())), "gzip", e.sse(), null, null, null, null));
        ups.add(new UsageObservation.Upstream(e.status(), Body.EMPTY, null, e.sse(), null, 3, null, 3));
        for (UsageObservation.Upstream up : ups) {
            for (String cache : new String[] {"MISS", "HIT"}) {
                compare(e, observation(e, up, cache));
                compare(e, withPreread(e, observation(e, up, cache)));
            }
        }
    }

    /**
     * The observation as the proxy hands it over with usage tracking on: the request and a JSON
     * answer already read once ({@link Preread}), the answer decompressed as the proxy does.
     */
    private static UsageObservation withPreread(Exchange e, UsageObservation o) {
        UsageObservation.Upstream up = o.upstream();
        byte[] answer = up == null || up.eventStream() || up.responseBody().size() == 0 ? null : e.answer();
        Preread pre = Preread.read(e.request() == null ? new byte[0] : e.request(), answer);
        return new UsageObservation(o.requestId(), o.timestamp(), o.projectId(), o.tokenId(), o.method(), o.path(),
                o.requestBody(), o.status(), o.streamed(), o.cacheStatus(), o.latencyNanos(), o.ttftNanos(),
                o.errorCode(), up, pre);
    }

    @Test
    void prereadStreamFlag_isWhatTheEventSniffReads() {
        List<String> requests = new ArrayList<>(EDGE_REQUESTS);
        requests.addAll(List.of("{\"model\":\"m\",\"stream\":true}", "{\"stream\":false}", "{\"stream\":\"true\"}",
                "{\"stream\":true,\"stream\":false}", "{\"stream\":false,\"stream\":true}", "{\"stream\":{\"a\":true}}",
                "{\"stream\":true,\"stream\":[true]}", "{\"stream\":true,\"model\":\"a\",\"model\":\"b\"}",
                "{\"stream\":true,\"messages\":[{\"content\":\"cut"));
        for (String r : requests) {
            byte[] b = r.getBytes(StandardCharsets.UTF_8);
            Preread pre = Preread.read(b, null);
            assertThat(pre.requestedStream()).as(r).isEqualTo(OpenAiJson.sniffRequest(b, 0, b.length).stream());
            assertThat(pre.requestedModel()).as(r).isEqualTo(FastUsageReader.requestedModel(b));
            assertThat(pre.answerRead()).isFalse();
        }
    }

    private void compare(Exchange e, UsageObservation o) {
        Object tree = outcome(() -> records.toRecordTree(o));
        Object fastRecord = outcome(() -> records.toRecordFast(o));
        compared++;
        if (fastRecord != null) {
            fast++;
            assertThat(fastRecord).as("%s: %s", e.name(), new String(e.answer(), StandardCharsets.UTF_8)).isEqualTo(tree);
        }
        assertThat(outcome(() -> records.toRecord(o))).as(e.name()).isEqualTo(tree);
    }

    /**
     * The record, or the exception's class: pricing absurd token counts (near {@code Long.MAX_VALUE})
     * overflows in {@link PriceTable} on either path, and both must fail alike.
     */
    private static Object outcome(java.util.function.Supplier<UsageRecord> path) {
        try {
            return path.get();
        } catch (RuntimeException ex) {
            return ex.getClass().getName();
        }
    }

    /** The upstream facts as the proxy hands them over, read by the proxy's own streaming reader. */
    private static UsageObservation.Upstream proxyRead(Exchange e, Boolean sse) {
        boolean stream = sse == null ? e.sse() : sse;
        OpenAiJson.ResponseInfo info = stream ? OpenAiJson.readSseResponse(e.answer(), 0, e.answer().length)
                : OpenAiJson.readJsonResponse(e.answer(), 0, e.answer().length);
        return new UsageObservation.Upstream(e.status(), Body.of(e.answer()), null, stream, info.model(),
                info.usage().promptTokens(), info.usage().completionTokens(), info.usage().totalTokens());
    }

    private static UsageObservation observation(Exchange e, UsageObservation.Upstream up, String cache) {
        return new UsageObservation("req-1", Instant.parse("2026-01-01T00:00:00Z"), "p", "t", "POST",
                "/v1/chat/completions", e.request() == null ? null : Body.of(e.request()), 200,
                up != null && up.eventStream(), cache, 12_000_000, 3_000_000, null, up);
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    /** The bench fixtures and the hostile-input corpus's JSON bodies. */
    private static List<Exchange> fixtures() throws IOException {
        List<Exchange> out = new ArrayList<>();
        Path bench = Path.of("..", "bench", "fixtures");
        String request = Files.isRegularFile(bench.resolve("request.json"))
                ? Files.readString(bench.resolve("request.json")) : CHAT_REQUEST;
        if (Files.isRegularFile(bench.resolve("chat-completion.json"))) {
            out.add(new Exchange("bench-fixture", request, Files.readString(bench.resolve("chat-completion.json"))));
        }
        out.add(new Exchange("hostile-json-body", CHAT_REQUEST,
                "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}"));
        out.add(new Exchange("events-typical", CHAT_REQUEST, "{\"id\":\"chatcmpl-123\",\"object\":\"chat.completion\","
                + "\"created\":1700000000,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
                + "\"assistant\",\"content\":\"Prince Hamlet seeks revenge.\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":21,\"completion_tokens\":38,\"total_tokens\":59}}"));
        return out;
    }

    /** Real answers of the mock upstream, every route and a few failure statuses. */
    private static List<Exchange> mockUpstreamAnswers() throws Exception {
        List<Exchange> out = new ArrayList<>();
        String tools = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"a\",\"parameters\":{}}},"
                + "{\"type\":\"function\",\"function\":{\"name\":\"b\",\"parameters\":{}}}],\"tool_choice\":\"required\"";
        String[][] calls = {
                {"POST", "/v1/chat/completions", CHAT_REQUEST, null},
                {"POST", "/v1/chat/completions", CHAT_REQUEST.replace("}]}", "}]" + tools + "}"), null},
                {"POST", "/v1/chat/completions", CHAT_REQUEST.replace("}]}", "}],\"stream\":true,"
                        + "\"stream_options\":{\"include_usage\":true}}"), null},
                {"POST", "/v1/chat/completions", CHAT_REQUEST.replace("}]}", "}],\"stream\":true}"), null},
                {"POST", "/v1/chat/completions", CHAT_REQUEST.replace("}]}", "}],\"stream\":true" + tools
                        + ",\"stream_options\":{\"include_usage\":true}}"), null},
                {"POST", "/v1/completions", "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"hi\"}", null},
                {"POST", "/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"]}", null},
                {"POST", "/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"a\",\"encoding_format\":\"base64\"}", null},
                {"POST", "/v1/chat/completions", CHAT_REQUEST, "status=429"},
                {"POST", "/v1/chat/completions", CHAT_REQUEST, "status=503"},
                {"POST", "/v1/chat/completions", CHAT_REQUEST, "sse;chunks=16"},
                {"POST", "/v1/nope", CHAT_REQUEST, null},
                {"GET", "/v1/models", null, null},
        };
        try (MockOpenAiUpstream upstream = MockOpenAiUpstream.start()) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (String[] call : calls) {
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(upstream.baseUri() + call[1]))
                        .header("Content-Type", "application/json");
                if (call[3] != null) {
                    b.header(MockOpenAiUpstream.BEHAVIOR_HEADER, call[3]);
                }
                b.method(call[0], call[2] == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(call[2]));
                HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
                boolean sse = r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream");
                out.add(new Exchange(call[0] + " " + call[1] + " " + call[3], call[2] == null ? null
                        : call[2].getBytes(StandardCharsets.UTF_8), r.body(), r.statusCode(), sse));
            }
        }
        return out;
    }

    private static final String[] USAGE_KEYS = {"prompt_tokens", "completion_tokens", "total_tokens", "input_tokens",
            "output_tokens", "prompt_tokens_details", "input_tokens_details", "completion_tokens_details", "other"};

    /** A chat answer with a random usage block (keys, order, value types, repeats) and random tool calls. */
    private static String randomAnswer(Random r) {
        StringBuilder s = new StringBuilder("{");
        List<String> top = new ArrayList<>();
        if (r.nextInt(10) > 0) {
            top.add("\"model\":" + (r.nextInt(8) == 0 ? randomValue(r) : "\"gpt-4o" + (r.nextBoolean() ? "-mini" : "") + "\""));
        }
        if (r.nextInt(10) > 0) {
            StringBuilder choices = new StringBuilder("[");
            int n = r.nextInt(3);
            for (int i = 0; i < n; i++) {
                choices.append(i == 0 ? "" : ",").append("{\"index\":").append(i).append(",\"message\":{\"role\":\"assistant\"");
                if (r.nextInt(3) == 0) {
                    choices.append(",\"tool_calls\":[");
                    int calls = r.nextInt(4);
                    for (int c = 0; c < calls; c++) {
                        choices.append(c == 0 ? "" : ",").append("{\"id\":\"call_").append(c)
                                .append("\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}");
                    }
                    choices.append("]");
                }
                if (r.nextInt(6) == 0) {
                    choices.append(",\"function_call\":").append(r.nextBoolean() ? "{\"name\":\"g\"}" : randomValue(r));
                }
                choices.append(",\"content\":\"").append(r.nextBoolean() ? "plain text" : "\\u00e9 \\\"usage\\\"").append("\"}}");
            }
            top.add("\"choices\":" + choices.append("]"));
        }
        if (r.nextInt(8) > 0) {
            StringBuilder usage = new StringBuilder("{");
            int n = r.nextInt(6);
            for (int i = 0; i < n; i++) {
                String key = USAGE_KEYS[r.nextInt(USAGE_KEYS.length)];
                String value = key.endsWith("_details")
                        ? (r.nextInt(5) == 0 ? randomValue(r) : "{\"cached_tokens\":" + randomNumber(r) + ",\"audio_tokens\":0}")
                        : randomNumber(r);
                usage.append(i == 0 ? "" : ",").append('"').append(key).append("\":").append(value);
            }
            top.add("\"usage\":" + (r.nextInt(15) == 0 ? randomValue(r) : usage.append("}").toString()));
        }
        top.add("\"id\":\"chatcmpl-" + r.nextInt(1000) + "\"");
        java.util.Collections.shuffle(top, r);
        return s.append(String.join(",", top)).append("}").toString();
    }

    private static String randomNumber(Random r) {
        return switch (r.nextInt(12)) {
            case 0 -> "null";
            case 1 -> "1.5";
            case 2 -> "\"12\"";
            case 3 -> "-" + r.nextInt(100);
            case 4 -> "123456789012345678901234567890";
            case 5 -> String.valueOf(Long.MAX_VALUE);
            case 6 -> "3000000000";
            default -> String.valueOf(r.nextInt(5000));
        };
    }

    private static String randomValue(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> "null";
            case 1 -> "[1,2]";
            case 2 -> "\"s\"";
            case 3 -> "true";
            case 4 -> "{\"cached_tokens\":5}";
            default -> "7";
        };
    }
}
