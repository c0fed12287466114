package dev.llmproxy.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Exercises {@link MockOpenAiUpstream} directly, with {@link HttpClient} where a well-behaved
 * client is wanted and a raw {@link Socket} where the test must see exactly what went over the wire.
 */
@Timeout(10)
class MockOpenAiUpstreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT_BODY =
            "{\"model\":\"gpt-4o-mini-2024\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello, please\"}]}";
    private static final String STREAM_BODY = "{\"model\":\"gpt-4o\",\"stream\":true,"
            + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private MockOpenAiUpstream upstream;

    @BeforeEach
    void start() {
        upstream = MockOpenAiUpstream.start();
    }

    @AfterEach
    void stop() {
        upstream.close();
    }

    // ------------------------------------------------------------------ routes

    @Test
    void chatCompletionIsARealisticJsonObjectEchoingTheModel() throws Exception {
        HttpResponse<String> response = client.send(post("/v1/chat/completions", CHAT_BODY).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(response.headers().firstValueAsLong("content-length"))
                .hasValue(response.body().getBytes(StandardCharsets.UTF_8).length);
        JsonNode json = JSON.readTree(response.body());
        assertThat(json.path("id").asText()).startsWith("chatcmpl-");
        assertThat(json.path("object").asText()).isEqualTo("chat.completion");
        assertThat(json.path("created").asLong()).isGreaterThan(1_700_000_000L);
        assertThat(json.path("model").asText()).isEqualTo("gpt-4o-mini-2024");
        JsonNode choice = json.path("choices").path(0);
        assertThat(choice.path("message").path("role").asText()).isEqualTo("assistant");
        assertThat(choice.path("message").path("content").asText()).isEqualTo(MockOpenAiUpstream.contentOf(8));
        assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");
        JsonNode usage = json.path("usage");
        assertThat(usage.path("prompt_tokens").asInt()).isPositive();
        assertThat(usage.path("completion_tokens").asInt()).isEqualTo(8);
        assertThat(usage.path("total_tokens").asInt())
                .isEqualTo(usage.path("prompt_tokens").asInt() + usage.path("completion_tokens").asInt());
    }

    @Test
    void sseStreamFlushesEachChunkAsItIsProduced() throws Exception {
        upstream.enqueue(Behavior.sse(5, Duration.ofMillis(50)));
        HttpResponse<Stream<String>> response = client.send(post("/v1/chat/completions", STREAM_BODY).build(),
                HttpResponse.BodyHandlers.ofLines());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream");
        assertThat(response.headers().firstValue("transfer-encoding")).hasValue("chunked");
        List<String> events = new ArrayList<>();
        List<Long> arrivals = new ArrayList<>();
        try (Stream<String> lines = response.body()) {
            Iterator<String> it = lines.iterator();
            while (it.hasNext()) {
                String line = it.next();
                if (line.isEmpty()) {
                    continue;
                }
                arrivals.add(System.nanoTime());
                assertThat(line).startsWith("data: ");
                events.add(line.substring("data: ".length()));
            }
        }

        // role, 5 contents, finish, usage, [DONE]
        assertThat(events).hasSize(9);
        assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
        JsonNode role = JSON.readTree(events.get(0));
        assertThat(role.path("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(role.path("model").asText()).isEqualTo("gpt-4o");
        assertThat(role.path("choices").path(0).path("delta").path("role").asText()).isEqualTo("assistant");
        assertThat(role.has("usage")).isTrue();
        assertThat(role.get("usage").isNull()).isTrue();
        StringBuilder content = new StringBuilder();
        for (String event : events.subList(1, 6)) {
            JsonNode choice = JSON.readTree(event).path("choices").path(0);
            assertThat(choice.path("finish_reason").isNull()).isTrue();
            content.append(choice.path("delta").path("content").asText());
        }
        assertThat(content.toString()).isEqualTo(MockOpenAiUpstream.contentOf(5));
        JsonNode finish = JSON.readTree(events.get(6)).path("choices").path(0);
        assertThat(finish.path("finish_reason").asText()).isEqualTo("stop");
        assertThat(finish.path("delta").size()).isZero();
        JsonNode usage = JSON.readTree(events.get(7));
        assertThat(usage.path("choices").size()).isZero();
        assertThat(usage.path("usage").path("completion_tokens").asInt()).isEqualTo(5);

        // Four 50 ms gaps separate the first content chunk from the last: they were not buffered.
        long spreadMillis = (arrivals.get(5) - arrivals.get(1)) / 1_000_000;
        assertThat(spreadMillis).isGreaterThanOrEqualTo(150);

        RecordedRequest recorded = upstream.takeRequest(Duration.ofSeconds(1));
        recorded.awaitResponseCompleted(Duration.ofSeconds(1));
        assertThat(recorded.responseCompleted()).isTrue();
        assertThat(recorded.sseChunksWritten()).isEqualTo(5);
        assertThat(recorded.sseEventsWritten()).isEqualTo(9);
    }

    @Test
    void streamTrueWithoutScriptStreamsDefaultChunksAndLegacyCompletionsStreamToo() throws Exception {
        String body = "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"Say hi\",\"stream\":true}";
        HttpResponse<String> response = client.send(post("/v1/completions", body).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream");
        List<String> events = dataEvents(response.body());
        // no role chunk for legacy completions: 8 contents, finish, [DONE] (no usage: not asked for)
        assertThat(events).hasSize(10);
        StringBuilder text = new StringBuilder();
        for (String event : events.subList(0, 8)) {
            JsonNode json = JSON.readTree(event);
            assertThat(json.path("object").asText()).isEqualTo("text_completion");
            assertThat(json.has("usage")).isFalse();
            text.append(json.path("choices").path(0).path("text").asText());
        }
        assertThat(text.toString()).isEqualTo(MockOpenAiUpstream.contentOf(8));
        assertThat(JSON.readTree(events.get(8)).path("choices").path(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(events.get(9)).isEqualTo("[DONE]");
    }

    @Test
    void sseWithoutDoneEndsTheStreamCleanlyButOmitsTheSentinel() throws Exception {
        HttpResponse<String> response = client.send(post("/v1/chat/completions", CHAT_BODY)
                .header(MockOpenAiUpstream.BEHAVIOR_HEADER, "sse-without-done;chunks=2").build(),
                HttpResponse.BodyHandlers.ofString());

        List<String> events = dataEvents(response.body());
        assertThat(events).hasSize(4); // role, 2 contents, finish
        assertThat(events).doesNotContain("[DONE]");
        RecordedRequest recorded = upstream.takeRequest(Duration.ofSeconds(1));
        recorded.awaitResponseCompleted(Duration.ofSeconds(1));
        assertThat(recorded.sseEventsWritten()).isEqualTo(4);
    }

    @Test
    void embeddingsModelsAndUnknownPaths() throws Exception {
        HttpResponse<String> embeddings = client.send(post("/v1/embeddings",
                "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"],\"dimensions\":4}").build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode json = JSON.readTree(embeddings.body());
        assertThat(json.path("object").asText()).isEqualTo("list");
        assertThat(json.path("data")).hasSize(2);
        assertThat(json.path("data").path(1).path("object").asText()).isEqualTo("embedding");
        assertThat(json.path("data").path(1).path("index").asInt()).isEqualTo(1);
        assertThat(json.path("data").path(0).path("embedding")).hasSize(4);
        assertThat(json.path("model").asText()).isEqualTo("text-embedding-3-small");
        assertThat(json.path("usage").path("total_tokens").asInt()).isPositive();

        HttpResponse<String> models = client.send(request("/v1/models").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(JSON.readTree(models.body()).path("data").path(0).path("object").asText()).isEqualTo("model");

        HttpResponse<String> unknown = client.send(post("/v1/nope", "{}").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
        JsonNode error = JSON.readTree(unknown.body()).path("error");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("code").asText()).isEqualTo("unknown_url");
        assertThat(error.has("param")).isTrue();
        assertThat(error.path("message").asText()).contains("/v1/nope");
    }

    // ------------------------------------------------------------------ scripted behaviours

    @Test
    void status429FromHeaderCarriesOpenAiErrorAndRetryAfter() throws Exception {
        HttpResponse<String> response = client.send(post("/v1/chat/completions", CHAT_BODY)
                .header(MockOpenAiUpstream.BEHAVIOR_HEADER, "status=429").build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("retry-after")).hasValue("1");
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(error.path("message").asText()).contains("gpt-4o-mini-2024");

        HttpResponse<String> unavailable = client.send(post("/v1/chat/completions", CHAT_BODY)
                .header(MockOpenAiUpstream.BEHAVIOR_HEADER, "status=503").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unavailable.statusCode()).isEqualTo(503);
        assertThat(unavailable.headers().firstValue("retry-after")).isEmpty();
        assertThat(JSON.readTree(unavailable.body()).path("error").path("type").asText()).isEqualTo("server_error");
    }

    @Test
    void resetMakesTheClientSeeAnIoException() {
        upstream.enqueue(Behavior.reset());

        assertThatThrownBy(() -> client.send(post("/v1/chat/completions", CHAT_BODY).build(),
                HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
        assertThat(upstream.takeRequest(Duration.ofSeconds(1)).responseStatus()).isZero();
    }

    @Test
    void resetAfterChunksDeliversTheChunksThenAnRst() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "POST", "/v1/chat/completions", STREAM_BODY, Map.of(MockOpenAiUpstream.BEHAVIOR_HEADER,
                    "reset-after-chunks=3"));
            InputStream in = socket.getInputStream();
            assertThat(readHead(in)).containsEntry(":status", "200");
            assertThat(readChunk(in)).contains("\"role\":\"assistant\"");
            for (int i = 0; i < 3; i++) {
                assertThat(readChunk(in)).contains(MockOpenAiUpstream.chunkText(i));
            }
            assertThatThrownBy(() -> in.read()).isInstanceOf(SocketException.class)
                    .hasMessageContaining("reset");
        }
    }

    @Test
    void enqueuedBehavioursAreFifoThenDefaultAndResetForgetsEverything() throws Exception {
        upstream.enqueue(Behavior.status(500)).enqueue(Behavior.status(401));
        upstream.setDefaultBehavior(Behavior.status(503));

        assertThat(postChat(null).statusCode()).isEqualTo(500);
        assertThat(postChat("json").statusCode()).isEqualTo(200); // the header wins and keeps the queue
        assertThat(postChat(null).statusCode()).isEqualTo(401);
        assertThat(postChat(null).statusCode()).isEqualTo(503);
        assertThat(postChat(null).statusCode()).isEqualTo(503);
        assertThat(upstream.requests()).extracting(r -> r.behavior().kind())
                .containsExactly(Behavior.Kind.STATUS, Behavior.Kind.JSON, Behavior.Kind.STATUS,
                        Behavior.Kind.STATUS, Behavior.Kind.STATUS);

        upstream.enqueue(Behavior.stall());
        upstream.reset();
        assertThat(upstream.requests()).isEmpty();
        assertThat(upstream.pollRequest(Duration.ZERO)).isNull();
        assertThat(upstream.connectionsAccepted()).isZero();
        assertThat(postChat(null).statusCode()).isEqualTo(200);
    }

    @Test
    void invalidBehaviourHeaderIsAnsweredWith400() throws Exception {
        HttpResponse<String> response = postChat("sse;chunks=lots");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).path("error").path("code").asText()).isEqualTo("invalid_mock_behavior");
        assertThat(upstream.takeRequest(Duration.ofSeconds(1)).behavior()).isNull();
    }

    @Test
    void headersDelayHoldsBackTheWholeResponse() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> response = postChat("json;delay-ms=300");
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(elapsedMillis).isGreaterThanOrEqualTo(300);
    }

    @Test
    void stallNeverAnswersSoTheClientTimesOut() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> client.send(post("/v1/chat/completions", CHAT_BODY)
                .header(MockOpenAiUpstream.BEHAVIOR_HEADER, "stall").timeout(Duration.ofMillis(300)).build(),
                HttpResponse.BodyHandlers.ofString())).isInstanceOf(HttpTimeoutException.class);

        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(300);
        RecordedRequest recorded = upstream.takeRequest(Duration.ofSeconds(1));
        assertThat(recorded.responseStatus()).isZero();
        assertThat(recorded.responseCompleted()).isFalse();
    }

    @Test
    void stallAfterChunksGoesSilentWithTheConnectionOpen() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "POST", "/v1/chat/completions", STREAM_BODY,
                    Map.of(MockOpenAiUpstream.BEHAVIOR_HEADER, "stall-after-chunks=2"));
            InputStream in = socket.getInputStream();
            assertThat(readHead(in)).containsEntry("transfer-encoding", "chunked");
            readChunk(in); // role
            assertThat(readChunk(in)).contains(MockOpenAiUpstream.chunkText(0));
            assertThat(readChunk(in)).contains(MockOpenAiUpstream.chunkText(1));
            socket.setSoTimeout(200);
            assertThatThrownBy(() -> in.read()).isInstanceOf(SocketTimeoutException.class);
            assertThat(upstream.openConnections()).isEqualTo(1);
        }
    }

    @Test
    void garbageIsNotHttp() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "GET", "/v1/models", null, Map.of(MockOpenAiUpstream.BEHAVIOR_HEADER, "garbage"));
            byte[] all = socket.getInputStream().readAllBytes(); // until the mock closes
            assertThat(all).isNotEmpty();
            assertThat(new String(all, StandardCharsets.ISO_8859_1)).doesNotStartWith("HTTP/");
        }
    }

    @Test
    void closeEarlySendsFewerBytesThanContentLength() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "POST", "/v1/chat/completions", CHAT_BODY,
                    Map.of(MockOpenAiUpstream.BEHAVIOR_HEADER, "close-early"));
            InputStream in = socket.getInputStream();
            Map<String, String> head = readHead(in);
            byte[] body = in.readAllBytes();
            assertThat(Integer.parseInt(head.get("content-length"))).isGreaterThan(body.length);
            assertThat(body).isNotEmpty();
        }
    }

    // ------------------------------------------------------------------ recording and connections

    @Test
    void recordsMethodUriHeadersBodyConnectionAndTime() throws Exception {
        long before = System.nanoTime();
        client.send(post("/v1/chat/completions?api-version=1", CHAT_BODY)
                .header("Authorization", "Bearer sk-test")
                .header("X-Custom", "one").build(), HttpResponse.BodyHandlers.ofString());
        long after = System.nanoTime();

        RecordedRequest recorded = upstream.takeRequest(Duration.ofSeconds(1));
        assertThat(recorded.method()).isEqualTo("POST");
        assertThat(recorded.uri()).isEqualTo("/v1/chat/completions?api-version=1");
        assertThat(recorded.path()).isEqualTo("/v1/chat/completions");
        assertThat(recorded.header("authorization")).isEqualTo("Bearer sk-test");
        assertThat(recorded.header("AUTHORIZATION")).isEqualTo("Bearer sk-test");
        assertThat(recorded.headerValues("x-custom")).containsExactly("one");
        assertThat(recorded.header("x-absent")).isNull();
        assertThat(recorded.body()).isEqualTo(CHAT_BODY);
        assertThat(recorded.bodyBytes()).isEqualTo(CHAT_BODY.getBytes(StandardCharsets.UTF_8));
        assertThat(recorded.bodyJson().path("model").asText()).isEqualTo("gpt-4o-mini-2024");
        assertThat(recorded.connectionId()).isEqualTo(upstream.connections().get(0).id());
        assertThat(recorded.receivedAtNanos()).isBetween(before, after);
        assertThat(recorded.responseStatus()).isEqualTo(200);
        assertThat(upstream.requests()).containsExactly(recorded);
    }

    @Test
    void keepAliveReusesOneConnection() throws Exception {
        assertThat(postChat(null).statusCode()).isEqualTo(200);
        assertThat(postChat(null).statusCode()).isEqualTo(200);

        assertThat(upstream.connectionsAccepted()).isEqualTo(1);
        assertThat(upstream.openConnections()).isEqualTo(1);
        List<RecordedRequest> requests = upstream.requests();
        assertThat(requests).hasSize(2);
        assertThat(requests.get(1).connectionId()).isEqualTo(requests.get(0).connectionId());
        assertThat(upstream.connection(requests.get(0).connectionId()).requestCount()).isEqualTo(2);
    }

    @Test
    void clientDisconnectMidStreamIsSeenAtOnceAndStopsTheStream() throws Exception {
        long closedByClient;
        try (Socket socket = connect()) {
            send(socket, "POST", "/v1/chat/completions", STREAM_BODY,
                    Map.of(MockOpenAiUpstream.BEHAVIOR_HEADER, "sse;chunks=100;delay-ms=20"));
            InputStream in = socket.getInputStream();
            readHead(in);
            readChunk(in); // role
            readChunk(in); // content 0
            readChunk(in); // content 1
            closedByClient = System.nanoTime();
        }
        RecordedRequest recorded = upstream.takeRequest(Duration.ofSeconds(1));
        long closedAtUpstream = upstream.awaitConnectionClosed(recorded.connectionId(), Duration.ofSeconds(1));

        // Loopback close detection takes well under a millisecond; 100 ms leaves room for a loaded CI box.
        assertThat((closedAtUpstream - closedByClient) / 1_000_000).isLessThan(100);
        int written = recorded.sseChunksWritten();
        assertThat(written).isBetween(2, 10);
        Thread.sleep(100); // five more chunk periods: nothing may be written to the dead socket
        assertThat(recorded.sseChunksWritten()).isEqualTo(written);
        assertThat(recorded.responseCompleted()).isFalse();
        assertThatThrownBy(() -> recorded.awaitResponseCompleted(Duration.ofSeconds(1)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("connection closed");
        assertThat(upstream.openConnections()).isZero();
        assertThat(upstream.connection(recorded.connectionId()).closedAtNanos()).hasValue(closedAtUpstream);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "POST", "/v1/chat/completions", CHAT_BODY,
                    Map.of(MockOpenAiUpstream.BEHAVIOR_HEADER, "json;delay-ms=100"));
            send(socket, "GET", "/v1/models", null, Map.of());
            InputStream in = socket.getInputStream();
            Map<String, String> first = readHead(in);
            JsonNode chat = JSON.readTree(in.readNBytes(Integer.parseInt(first.get("content-length"))));
            Map<String, String> second = readHead(in);
            JsonNode models = JSON.readTree(in.readNBytes(Integer.parseInt(second.get("content-length"))));
            assertThat(chat.path("object").asText()).isEqualTo("chat.completion");
            assertThat(models.path("object").asText()).isEqualTo("list");
        }
    }

    @Test
    void closeStopsEverything() throws Exception {
        Socket idle = connect();
        send(idle, "GET", "/v1/models", null, Map.of());
        readHead(idle.getInputStream());
        int port = upstream.port();

        upstream.close();
        upstream.close(); // idempotent

        assertThat(idle.getInputStream().readAllBytes()).isNotNull(); // returns at EOF instead of blocking
        idle.close();
        assertThat(upstream.openConnections()).isZero();
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
        // The event loop's termination future completes just before its thread exits: allow a moment.
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith("mock-openai-upstream"))
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("mock-openai-upstream"));
    }

    @Test
    void behaviourSyntaxRoundTripsAndRejectsNonsense() {
        List<Behavior> behaviors = List.of(Behavior.normal(), Behavior.json(Duration.ofMillis(500)),
                Behavior.status(429), Behavior.sse(64, Duration.ofMillis(20)),
                Behavior.sseWithoutDone(3, Duration.ZERO), Behavior.stall(), Behavior.stallAfterChunks(2),
                Behavior.reset(), Behavior.resetAfterChunks(3, Duration.ofMillis(5)), Behavior.garbage(),
                Behavior.closeEarly(), Behavior.headersDelay(Duration.ofSeconds(2)),
                Behavior.sse(10, Duration.ofMillis(50)).withHeadersDelay(Duration.ofMillis(300)));
        for (Behavior behavior : behaviors) {
            assertThat(Behavior.parse(behavior.toHeaderValue())).as(behavior.toHeaderValue()).isEqualTo(behavior);
        }
        assertThat(Behavior.parse("sse;chunks=64;delay-ms=20")).isEqualTo(Behavior.sse(64, Duration.ofMillis(20)));
        assertThat(Behavior.parse(" SSE ; chunks = 2 ")).isEqualTo(Behavior.sse(2, Duration.ZERO));
        assertThat(Behavior.parse("json;delay-ms=500")).isEqualTo(Behavior.json(Duration.ofMillis(500)));
        assertThat(Behavior.parse("headers-delay-ms=2000")).isEqualTo(Behavior.headersDelay(Duration.ofSeconds(2)));
        assertThat(Behavior.parse("reset-after-chunks=3")).isEqualTo(Behavior.resetAfterChunks(3));
        assertThat(Behavior.parse("sse;done=false")).isEqualTo(Behavior.sseWithoutDone(8, Duration.ZERO));
        for (String bad : List.of("status=200", "status", "sse;chunks=-1", "stall;chunks=3", "wobble", "sse;reset",
                "json;delay-ms=1;headers-delay-ms=2", "reset=1")) {
            assertThatThrownBy(() -> Behavior.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    // ------------------------------------------------------------------ helpers

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(upstream.baseUri().resolve(path)).timeout(Duration.ofSeconds(5));
    }

    private HttpRequest.Builder post(String path, String body) {
        return request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private HttpResponse<String> postChat(String behaviorHeader) throws IOException, InterruptedException {
        HttpRequest.Builder builder = post("/v1/chat/completions", CHAT_BODY);
        if (behaviorHeader != null) {
            builder.header(MockOpenAiUpstream.BEHAVIOR_HEADER, behaviorHeader);
        }
        return client.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> dataEvents(String sseBody) {
        assertThat(sseBody).endsWith("\n\n");
        List<String> events = new ArrayList<>();
        for (String event : sseBody.split("\n\n")) {
            assertThat(event).startsWith("data: ");
            events.add(event.substring("data: ".length()));
        }
        return events;
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", upstream.port());
        socket.setSoTimeout(5_000);
        return socket;
    }

    private static void send(Socket socket, String method, String path, String body, Map<String, String> headers)
            throws IOException {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        if (body != null) {
            head.append("Content-Type: application/json\r\nContent-Length: ").append(bytes.length).append("\r\n");
        }
        head.append("\r\n");
        OutputStream out = socket.getOutputStream();
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(bytes);
        out.flush();
    }

    /** Reads a status line and headers; the status is under {@code :status}, header names are lower-cased. */
    private static Map<String, String> readHead(InputStream in) throws IOException {
        Map<String, String> head = new LinkedHashMap<>();
        String status = readLine(in);
        assertThat(status).startsWith("HTTP/1.1 ");
        head.put(":status", status.substring(9, 12));
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            int colon = line.indexOf(':');
            head.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        return head;
    }

    /** Reads one HTTP chunk of a chunked body (one SSE event), or {@code null} at the last chunk. */
    private static String readChunk(InputStream in) throws IOException {
        int size = Integer.parseInt(readLine(in).trim(), 16);
        if (size == 0) {
            readLine(in);
            return null;
        }
        String data = new String(in.readNBytes(size), StandardCharsets.UTF_8);
        assertThat(readLine(in)).isEmpty();
        return data;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("EOF inside a line: " + line);
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }
}
