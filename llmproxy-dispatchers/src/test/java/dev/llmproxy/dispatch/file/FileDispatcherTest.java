package dev.llmproxy.dispatch.file;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.dispatch.DispatchEvent;
import dev.llmproxy.dispatch.DispatchResult;
import dev.llmproxy.dispatch.Dispatcher;
import dev.llmproxy.dispatch.DispatcherConfig;
import dev.llmproxy.dispatch.DispatcherService;
import dev.llmproxy.dispatch.Dispatchers;
import dev.llmproxy.dispatch.EventTransformer;
import dev.llmproxy.dispatch.testing.Await;
import dev.llmproxy.dispatch.testing.TestEvents;
import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBuses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class FileDispatcherTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final EventTransformer transformer = new EventTransformer();

    private List<DispatchEvent> events(int from, int to) {
        List<DispatchEvent> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(transformer.transform(i + "-0", TestEvents.chat("req-" + i)));
        }
        return out;
    }

    private static List<String> requestIds(Path file) throws Exception {
        List<String> ids = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            ids.add(JSON.readTree(line).at("/metadata/request_id").asText());
        }
        return ids;
    }

    @Test
    void writesOneRichRecordPerLine_andAcceptsTheBatch(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sub/events.jsonl");
        try (FileDispatcher d = new FileDispatcher(file, 0, 1)) {
            List<DispatchEvent> batch = events(0, 3);
            DispatchResult r = d.send(batch).toCompletableFuture().join();
            for (DispatchEvent e : batch) {
                assertThat(r.outcome(e.id()).status()).isEqualTo(DispatchResult.Status.ACCEPTED);
            }
        }
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(3);
        JsonNode first = JSON.readTree(lines.get(0));
        assertThat(first.get("type").asText()).isEqualTo("llm");
        assertThat(first.at("/metadata/request_id").asText()).isEqualTo("req-0");
        assertThat(first.at("/output/choices/0/message/content").asText()).isEqualTo("Hi req-0!");
        assertThat(requestIds(file)).containsExactly("req-0", "req-1", "req-2");
    }

    @Test
    void appendsToAnExistingFile_andStartsANewLineAfterAPartialOneLeftByACrash(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("events.jsonl");
        Files.writeString(file, "{\"type\":\"llm\",\"metadata\":{\"request_id\":\"old\"}}\n{\"type\":\"llm\",\"meta");
        try (FileDispatcher d = new FileDispatcher(file, 0, 1)) {
            d.send(events(0, 1)).toCompletableFuture().join();
        }
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1)).isEqualTo("{\"type\":\"llm\",\"meta");
        assertThat(JSON.readTree(lines.get(2)).at("/metadata/request_id").asText()).isEqualTo("req-0");
    }

    @Test
    void rotatesBeforeTheLimit_keepingMaxFiles(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("events.jsonl");
        int lineBytes;
        try (FileDispatcher d = new FileDispatcher(file, 1, 1)) {
            d.send(events(0, 1)).toCompletableFuture().join();
            lineBytes = (int) Files.size(file);
        }
        Files.delete(file);
        // Room for two lines per file; keep two rotated files.
        try (FileDispatcher d = new FileDispatcher(file, 2L * lineBytes + 10, 2)) {
            for (int i = 0; i < 8; i += 2) {
                d.send(events(i, i + 2)).toCompletableFuture().join();
            }
        }
        assertThat(requestIds(file)).containsExactly("req-6", "req-7");
        assertThat(requestIds(dir.resolve("events.jsonl.1"))).containsExactly("req-4", "req-5");
        assertThat(requestIds(dir.resolve("events.jsonl.2"))).containsExactly("req-2", "req-3");
        assertThat(dir.resolve("events.jsonl.3")).doesNotExist();
        for (Path p : List.of(file, dir.resolve("events.jsonl.1"), dir.resolve("events.jsonl.2"))) {
            assertThat(Files.size(p)).isLessThanOrEqualTo(2L * lineBytes + 10);
        }
    }

    @Test
    void throughTheServiceAndTheProvider_everyEventLandsInTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("events.jsonl");
        EventBus bus = EventBuses.load("in-memory", ComponentConfig.empty());
        Dispatcher d = Dispatchers.load("file", ComponentConfig.of(Map.of(DispatcherConfig.FILE, file.toString(),
                DispatcherConfig.MAX_FILE_MB, "10", DispatcherConfig.MAX_FILES, "3")));
        DispatcherService service = DispatcherService.builder().name("file").bus(bus).dispatcher(d).batchSize(7)
                .flushInterval(Duration.ofMillis(20)).build().start();
        try {
            for (int i = 0; i < 50; i++) {
                bus.publish(TestEvents.chat("req-" + i));
            }
            bus.publish(TestEvents.listModels("get-0"));
            Await.until("51 events written", Duration.ofSeconds(20), () -> service.stats().sent() == 51);
        } finally {
            service.stop(Duration.ofSeconds(5));
            bus.close(Duration.ofSeconds(1));
        }
        List<String> ids = requestIds(file);
        assertThat(ids).hasSize(51).doesNotHaveDuplicates().contains("req-0", "req-49", "get-0");
        assertThat(service.stats().skipped()).as("the file backend takes every event").isZero();
    }
}
