package dev.llmproxy.core.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.eventbus.Body;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The writer: rotation, bounded disk use, compression, crash repair, drops and write errors. */
class WireCaptureTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static CapturedExchange exchange(String id, Body requestBody, Body responseBody) {
        Instant now = Instant.now();
        return new CapturedExchange(id, now, now.plusMillis(5), 5.0, 1.0, "127.0.0.1", "POST",
                "/v1/chat/completions", "p1", "t1",
                List.of(Map.entry("Content-Type", "application/json"), Map.entry("Authorization", "Bearer sk-secret")),
                requestBody, requestBody.size(), "http://upstream/v1/chat/completions",
                List.of(Map.entry("Authorization", "Bearer sk-provider")), 200,
                List.of(Map.entry("Content-Type", "application/json")), responseBody, responseBody.size(),
                null, null, null, "miss", List.of());
    }

    static CapturedExchange withResponseHeaders(CapturedExchange x, List<Map.Entry<String, String>> headers) {
        return new CapturedExchange(x.requestId(), x.startedAt(), x.endedAt(), x.durationMillis(), x.ttfbMillis(),
                x.client(), x.method(), x.target(), x.projectId(), x.tokenId(), x.requestHeaders(), x.requestBody(),
                x.requestBodyBytes(), x.upstreamUrl(), x.upstreamHeaders(), x.status(), headers, x.responseBody(),
                x.responseBodyBytes(), x.errorCode(), x.errorMessage(), x.outcome(), x.cacheStatus(), x.secrets());
    }

    private static Body body(int bytes) {
        return Body.of("{\"model\":\"gpt-4o\",\"pad\":\"" + "a".repeat(Math.max(0, bytes - 30)) + "\"}");
    }

    /** Every line of every capture file (gzip or not), parsed; fails on any partial line. */
    static List<JsonNode> readAll(Path dir) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (Path f : CaptureFiles.list(dir)) {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(f.toString().endsWith(".gz")
                    ? new GZIPInputStream(Files.newInputStream(f)) : Files.newInputStream(f), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    out.add(JSON.readTree(line));
                }
            }
        }
        return out;
    }

    private static long directoryBytes(Path dir) throws Exception {
        long total = 0;
        for (Path f : CaptureFiles.list(dir)) {
            total += Files.size(f);
        }
        return total;
    }

    @Test
    void rotatesBySize_andDeletesOldestFiles_toStayWithinTheTotalBound() throws Exception {
        long maxFile = 8 * 1024;
        long maxTotal = 32 * 1024;
        WireCapture capture = WireCapture.start(WireCaptureConfig.builder().directory(dir).maxFileBytes(maxFile)
                .maxTotalBytes(maxTotal).queueCapacity(10_000).build());
        int n = 400; // ~1.2 KiB each: about 480 KiB written, 15 times the bound
        for (int i = 0; i < n; i++) {
            capture.offer(exchange("req-" + i, body(300), body(300)));
            if (i % 50 == 0) {
                assertThat(capture.drain(Duration.ofSeconds(10))).isTrue();
                assertThat(directoryBytes(dir)).isLessThanOrEqualTo(maxTotal);
            }
        }
        assertThat(capture.drain(Duration.ofSeconds(10))).isTrue();
        capture.close();

        WireCaptureStats stats = capture.stats();
        assertThat(stats.written()).isEqualTo(n);
        assertThat(stats.bytesWritten()).isGreaterThan(10 * maxTotal);
        assertThat(stats.filesRotated()).isGreaterThan(10);
        assertThat(stats.filesDeleted()).isGreaterThan(0);
        assertThat(directoryBytes(dir)).isLessThanOrEqualTo(maxTotal);
        List<Path> files = CaptureFiles.list(dir);
        assertThat(files.size()).isBetween(2, (int) (maxTotal / maxFile));
        for (Path f : files) {
            assertThat(Files.size(f)).isLessThanOrEqualTo(maxFile);
        }
        // What is left is the newest exchanges, complete and in order.
        List<JsonNode> lines = readAll(dir);
        assertThat(lines.get(lines.size() - 1).get("request_id").asText()).isEqualTo("req-" + (n - 1));
        int first = Integer.parseInt(lines.get(0).get("request_id").asText().substring(4));
        for (int i = 0; i < lines.size(); i++) {
            assertThat(lines.get(i).get("request_id").asText()).isEqualTo("req-" + (first + i));
        }
    }

    @Test
    void maxFiles_boundsTheFileCount() throws Exception {
        WireCapture capture = WireCapture.start(WireCaptureConfig.builder().directory(dir).maxFileBytes(4096)
                .maxFiles(3).build());
        for (int i = 0; i < 100; i++) {
            capture.offer(exchange("req-" + i, body(1000), body(1000)));
            assertThat(capture.drain(Duration.ofSeconds(10))).isTrue();
        }
        capture.close();
        assertThat(CaptureFiles.list(dir)).hasSizeLessThanOrEqualTo(3);
        assertThat(capture.stats().written()).isEqualTo(100);
    }

    @Test
    void rotatedFilesAreGzipped_whenAsked_andStayComplete() throws Exception {
        WireCapture capture = WireCapture.start(WireCaptureConfig.builder().directory(dir).maxFileBytes(8192)
                .compressRotated(true).build());
        for (int i = 0; i < 50; i++) {
            capture.offer(exchange("req-" + i, body(500), body(500)));
        }
        assertThat(capture.drain(Duration.ofSeconds(10))).isTrue();
        capture.close();
        List<Path> files = CaptureFiles.list(dir);
        assertThat(files.stream().filter(f -> f.toString().endsWith(".jsonl.gz")).count()).isGreaterThan(1);
        assertThat(files.stream().filter(f -> f.toString().endsWith(".jsonl")).count()).isEqualTo(1); // the last, open one
        List<JsonNode> lines = readAll(dir);
        assertThat(lines).hasSize(50);
        assertThat(lines.get(49).get("request_id").asText()).isEqualTo("req-49");
    }

    @Test
    void aFullQueueDropsAndCounts_neverBlocks() throws Exception {
        WireCapture capture = WireCapture.start(WireCaptureConfig.builder().directory(dir).queueCapacity(2).build());
        Body large = body(512 * 1024); // each takes the writer far longer to redact and write than an offer takes
        int offered = 200;
        long start = System.nanoTime();
        for (int i = 0; i < offered; i++) {
            capture.offer(exchange("req-" + i, large, large));
        }
        long offerNanos = System.nanoTime() - start;
        assertThat(capture.drain(Duration.ofSeconds(30))).isTrue();
        capture.close();
        WireCaptureStats stats = capture.stats();
        assertThat(stats.droppedQueueFull()).isPositive();
        assertThat(stats.written()).isPositive();
        assertThat(stats.written() + stats.droppedQueueFull()).isEqualTo(offered);
        assertThat(readAll(dir)).hasSize((int) stats.written());
        assertThat(Duration.ofNanos(offerNanos)).isLessThan(Duration.ofSeconds(5)); // generous: no blocking
    }

    @Test
    void aWriteErrorPausesCapture_thenItRecoversOnItsOwn() throws Exception {
        Path target = dir.resolve("capture");
        Files.writeString(target, "a file where the directory should be");
        WireCapture capture = WireCapture.start(WireCaptureConfig.builder().directory(target).build(),
                Duration.ofMillis(200));
        assertThat(capture.stats().paused()).isTrue();
        assertThat(capture.begin("r", null, "GET", "/v1/models", io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE))
                .isNull();
        Files.delete(target); // the operator fixes it
        Thread.sleep(300);
        capture.offer(exchange("after-fix", body(100), body(100)));
        assertThat(capture.drain(Duration.ofSeconds(10))).isTrue();
        capture.close();
        assertThat(capture.stats().written()).isEqualTo(1);
        assertThat(capture.stats().droppedWriteError()).isEqualTo(1); // the begin() while paused
        assertThat(readAll(target)).extracting(n -> n.get("request_id").asText()).containsExactly("after-fix");
    }

    @Test
    void aPartialLineLeftByACrash_isCutAtStartUp() throws Exception {
        Path old = CaptureFiles.newFileName(dir, Instant.parse("2020-01-01T00:00:00Z"), 1);
        Files.writeString(old, "{\"request_id\":\"whole\"}\n{\"request_id\":\"cut-in-the-mid");
        WireCapture capture = WireCapture.start(WireCaptureConfig.builder().directory(dir).build());
        capture.close();
        assertThat(Files.readString(old)).isEqualTo("{\"request_id\":\"whole\"}\n");
    }

    @Test
    void linesCarryRedactedHeadersAndBodies() throws Exception {
        WireCapture capture = WireCapture.start(WireCaptureConfig.builder().directory(dir).build());
        capture.offer(exchange("r1", Body.of("{\"api_key\":\"abc123456789\",\"model\":\"m\"}"),
                Body.of(new byte[]{(byte) 0xff, 's', 'k', '-', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J'})));
        assertThat(capture.drain(Duration.ofSeconds(5))).isTrue();
        capture.close();
        JsonNode line = readAll(dir).get(0);
        assertThat(line.at("/request/headers/authorization").asText()).isEqualTo("[REDACTED]");
        assertThat(line.at("/upstream/headers/authorization").asText()).isEqualTo("[REDACTED]");
        assertThat(line.at("/request/body/text").asText()).isEqualTo("{\"api_key\":\"[REDACTED]\",\"model\":\"m\"}");
        byte[] decoded = java.util.Base64.getDecoder().decode(line.at("/response/body/base64").asText());
        assertThat(new String(decoded, StandardCharsets.ISO_8859_1)).isEqualTo("\u00ff[REDACTED]");
        assertThat(line.get("model").asText()).isEqualTo("m");
        assertThat(line.get("cache").asText()).isEqualTo("miss");
    }

    @Test
    void gzipBodiesAreDecoded_soThatTheyCanBeReadAndRedacted() throws Exception {
        String answer = "{\"choices\":[{\"message\":{\"content\":\"your key is sk-leakedkey0123456789\"}}]}";
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
            out.write(answer.getBytes(StandardCharsets.UTF_8));
        }
        WireCapture capture = WireCapture.start(WireCaptureConfig.builder().directory(dir).build());
        capture.offer(withResponseHeaders(exchange("gz", body(50), Body.of(gz.toByteArray())),
                List.of(Map.entry("Content-Type", "application/json"), Map.entry("Content-Encoding", "gzip"))));
        assertThat(capture.drain(Duration.ofSeconds(5))).isTrue();
        capture.close();
        JsonNode line = readAll(dir).get(0);
        assertThat(line.at("/response/body/decoded_from").asText()).isEqualTo("gzip");
        assertThat(line.at("/response/body/text").asText()).isEqualTo(answer.replace("sk-leakedkey0123456789",
                "[REDACTED]"));
        assertThat(line.at("/response/body/bytes").asInt()).isEqualTo(gz.size());
    }

    @Test
    void filesAndTheDirectoryItCreates_areOwnerOnly() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        Path target = dir.resolve("new/capture");
        WireCapture capture = WireCapture.start(WireCaptureConfig.builder().directory(target).build());
        capture.offer(exchange("r", body(10), body(10)));
        assertThat(capture.drain(Duration.ofSeconds(5))).isTrue();
        capture.close();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(target)))
                .isEqualTo("rwx------");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(CaptureFiles.list(target).get(0)))).isEqualTo("rw-------");
    }
}
