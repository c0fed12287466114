package dev.llmproxy.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.core.LlmProxy;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.dispatch.testing.Await;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBusConfig;
import dev.llmproxy.eventbus.EventBuses;
import dev.llmproxy.eventbus.testing.RedisTestSupport;
import dev.llmproxy.testing.MockOpenAiUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SPEC S10: a dispatcher killed with {@code kill -9} mid-batch loses no event. The proxy publishes
 * 5,000 events to Redis Streams while a file dispatcher runs in a separate JVM; the dispatcher is
 * killed with SIGKILL in the middle of a batch (its fifth batch is written to the file but not yet
 * acknowledged: see {@link FileDispatcherMain}) after the first half was published, restarted with
 * the same consumer name while the second half is published, and the JSONL file must then hold
 * every request id at least once.
 */
class CrashRecoveryTest {

    @RegisterExtension
    static final RedisTestSupport redis = new RedisTestSupport();

    private static final int EVENTS = 5_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void fileDispatcherKilledMidStream_andRestarted_losesNoEvent(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("events.jsonl");
        String redisAddr = redis.url(redis.host(), redis.port());
        String streamKey = redis.key("events");
        String consumer = "crash-test-dispatcher";

        EventBus bus = EventBuses.load("redis-streams", redis.config(EventBusConfig.REDIS_STREAM_MAX_LEN, "0",
                EventBusConfig.OBSERVABILITY_BUFFER_SIZE, "20000"));
        MockOpenAiUpstream upstream = MockOpenAiUpstream.start();
        LlmProxy proxy = LlmProxy.builder().listen("127.0.0.1", 0).provider(ProviderConfig.openAi(upstream.baseUri()))
                .upstreamApiKey("sk-upstream").eventBus(bus).build().start();
        ExecutorService clients = Executors.newFixedThreadPool(8);
        Process first = null;
        Process second = null;
        try {
            Path marker = dir.resolve("mid-batch");
            first = launch(dir.resolve("first.log"), redisAddr, streamKey, consumer, file, "5", marker.toString());

            // The first half is published while the first process runs; it is killed mid-batch;
            // the second half is published while the restarted process runs.
            List<Future<Integer>> firstHalf = send(clients, proxy, 0, EVENTS / 2);
            Await.until("the first dispatcher to be in the middle of its fifth batch", Duration.ofSeconds(60),
                    () -> Files.exists(marker));
            first.destroyForcibly(); // SIGKILL: no shutdown hook, no flush, no ack
            assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
            long linesAtKill = lines(file);
            assertThat(linesAtKill).as("killed long before the end of the stream").isLessThan(EVENTS / 2);
            long pendingAtKill;
            try (var jedis = redis.jedis()) {
                pendingAtKill = jedis.xpending(streamKey, "dispatcher-file").getTotal();
            }
            int killedBatch = Integer.parseInt(Files.readString(marker).trim());
            assertThat(killedBatch).isPositive();
            assertThat(pendingAtKill).as("the killed batch was read but never acknowledged")
                    .isGreaterThanOrEqualTo(killedBatch);

            assertThat(sum(firstHalf)).isEqualTo(EVENTS / 2);

            second = launch(dir.resolve("second.log"), redisAddr, streamKey, consumer, file);
            assertThat(sum(send(clients, proxy, EVENTS / 2, EVENTS))).isEqualTo(EVENTS - EVENTS / 2);
            Process running = second;
            Await.until("every request id in the file", Duration.ofSeconds(60),
                    () -> requestIds(file).ids.size() == EVENTS,
                    () -> "ids " + requestIds(file).ids.size() + ", second alive " + running.isAlive() + ", log:\n"
                            + tail(dir.resolve("second.log")));

            Parsed parsed = requestIds(file);
            for (int i = 0; i < EVENTS; i++) {
                assertThat(parsed.ids).contains("req-" + i);
            }
            assertThat(parsed.malformed).as("at most the one line cut by the kill").isLessThanOrEqualTo(1);
            int duplicates = parsed.lines - parsed.malformed - EVENTS;
            assertThat(duplicates).as("the written but unacknowledged batch is written again: at-least-once")
                    .isGreaterThanOrEqualTo(killedBatch);
            System.out.printf("crash test: %d lines and %d pending when killed, %d lines in the end (%d duplicates, "
                    + "%d malformed)%n", linesAtKill, pendingAtKill, parsed.lines, duplicates, parsed.malformed);
        } finally {
            clients.shutdownNow();
            for (Process p : new Process[] {first, second}) {
                if (p != null) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
            }
            proxy.close();
            upstream.close();
            bus.close(Duration.ofSeconds(5));
        }
    }

    /** Sends requests {@code req-from} .. {@code req-(to-1)} through the proxy on 8 threads. */
    private static List<Future<Integer>> send(ExecutorService clients, LlmProxy proxy, int from, int to) {
        List<Future<Integer>> results = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int thread = t;
            results.add(clients.submit(() -> {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                int ok = 0;
                for (int i = from + thread; i < to; i += 8) {
                    ok += call(client, proxy, "req-" + i) == 200 ? 1 : 0;
                }
                return ok;
            }));
        }
        return results;
    }

    private static int sum(List<Future<Integer>> results) throws Exception {
        int ok = 0;
        for (Future<Integer> f : results) {
            ok += f.get(120, TimeUnit.SECONDS);
        }
        return ok;
    }

    private static Process launch(Path log, String redisAddr, String streamKey, String consumer, Path file,
                                  String... hang) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                FileDispatcherMain.class.getName(), redisAddr, streamKey, consumer, file.toString(), "100"));
        command.addAll(List.of(hang));
        Process p = new ProcessBuilder(command).redirectError(log.toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (!"READY".equals(line)) {
            p.destroyForcibly();
            throw new AssertionError("dispatcher process did not start (" + line + "):\n" + tail(log));
        }
        return p;
    }

    private static int call(HttpClient client, LlmProxy proxy, String requestId) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.localAddress().getPort()
                                + "/v1/chat/completions"))
                        .header("Content-Type", "application/json").header("X-Request-ID", requestId)
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static long lines(Path file) {
        try (var s = Files.lines(file)) {
            return s.count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    private record Parsed(Set<String> ids, int lines, int malformed) {
    }

    private static Parsed requestIds(Path file) {
        Set<String> ids = new HashSet<>();
        int lines = 0;
        int malformed = 0;
        try {
            for (String line : Files.readAllLines(file)) {
                lines++;
                try {
                    JsonNode n = JSON.readTree(line);
                    ids.add(n.at("/metadata/request_id").asText());
                } catch (IOException e) {
                    malformed++;
                }
            }
        } catch (IOException e) {
            return new Parsed(ids, lines, malformed);
        }
        return new Parsed(ids, lines, malformed);
    }

    private static String tail(Path log) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - 30), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
