package dev.llmproxy.core.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.Event;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBuses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class FileEventLogTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private EventBus bus;

    @BeforeEach
    void bus() {
        bus = EventBuses.load("in-memory", ComponentConfig.of(Map.of()));
    }

    @AfterEach
    void closeBus() {
        bus.close(Duration.ofSeconds(2));
    }

    private static Event event(String id) {
        return Event.builder().requestId(id).timestamp(Instant.parse("2026-01-01T00:00:00Z")).method("POST")
                .path("/v1/chat/completions").status(200).build();
    }

    private static List<String> requestIds(Path file) throws IOException {
        List<String> ids = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            ids.add(JSON.readTree(line).path("request_id").asText()); // every line is whole JSON
        }
        return ids;
    }

    private static void awaitLines(Path file, int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readAllLines(file).size() >= n
                    && Files.readString(file).endsWith("\n")) {
                return;
            }
            Thread.sleep(20);
        }
    }

    @Test
    void aBatchThatFailsHalfway_isCutBack_andRetriedWithoutDuplicates() throws Exception {
        Path file = dir.resolve("events.jsonl");
        AtomicInteger failuresLeft = new AtomicInteger(2);
        FileEventLog log = FileEventLog.start(bus, file, f -> new DiskFillsUp(FileChannel.open(f,
                StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ), failuresLeft));
        try {
            for (int i = 0; i < 50; i++) {
                bus.publish(event("req-" + i));
            }
            awaitLines(file, 50);
        } finally {
            log.close();
        }
        assertThat(failuresLeft.get()).as("the disk did fill up twice").isZero();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            expected.add("req-" + i);
        }
        assertThat(requestIds(file)).containsExactlyElementsOf(expected);
    }

    @Test
    void aLineTornByACrash_isCutWhenTheFileIsOpenedAgain() throws Exception {
        Path file = dir.resolve("events.jsonl");
        String whole = new String(com.fasterxml.jackson.databind.json.JsonMapper.builder().build()
                .writeValueAsBytes(Map.of("request_id", "before-crash")), StandardCharsets.UTF_8);
        Files.writeString(file, whole + "\n{\"request_id\":\"torn", StandardCharsets.UTF_8);
        FileEventLog log = FileEventLog.start(bus, file);
        try {
            bus.publish(event("after-restart"));
            awaitLines(file, 2);
        } finally {
            log.close();
        }
        assertThat(requestIds(file)).containsExactly("before-crash", "after-restart");
    }

    @Test
    void aFileWithNoCompleteLine_isEmptiedWhenOpened() throws Exception {
        Path file = dir.resolve("events.jsonl");
        Files.writeString(file, "{\"request_id\":\"torn", StandardCharsets.UTF_8);
        FileEventLog.start(bus, file).close();
        assertThat(Files.size(file)).isZero();
    }

    /**
     * A real file whose disk fills up while a batch is being appended: the write that crosses the
     * first 100 bytes of a batch writes part of its buffer and then fails, {@code failures} times.
     */
    private static final class DiskFillsUp extends FileChannel {
        private final FileChannel file;
        private final AtomicInteger failures;

        DiskFillsUp(FileChannel file, AtomicInteger failures) {
            this.file = file;
            this.failures = failures;
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            if (src.remaining() > 100 && failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                ByteBuffer part = src.duplicate();
                part.limit(part.position() + 100);
                file.write(part, position);
                throw new IOException("No space left on device");
            }
            return file.write(src, position);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return file.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return file.read(dsts, offset, length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return file.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return file.write(srcs, offset, length);
        }

        @Override
        public long position() throws IOException {
            return file.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            file.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return file.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            file.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            file.force(metaData);
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return file.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            return file.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return file.read(dst, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return file.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return file.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return file.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            file.close();
        }
    }
}
