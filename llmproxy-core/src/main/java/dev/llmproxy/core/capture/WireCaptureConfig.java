package dev.llmproxy.core.capture;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * How wire capture writes its files (see {@code docs/wire-capture.md}). The server maps the
 * {@code WIRE_CAPTURE_*} environment variables onto {@link Builder}; an embedder calls it directly
 * and hands the result to {@code LlmProxy.Builder#wireCapture}.
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><th>builder method</th><th>variable</th><th>default</th></tr>
 *   <tr><td>{@link Builder#directory}</td><td>{@code WIRE_CAPTURE_DIR}</td><td>{@code ./data/capture}</td></tr>
 *   <tr><td>{@link Builder#maxFileBytes}</td><td>{@code WIRE_CAPTURE_MAX_FILE_BYTES}</td><td>64 MiB</td></tr>
 *   <tr><td>{@link Builder#maxTotalBytes}</td><td>{@code WIRE_CAPTURE_MAX_TOTAL_BYTES}</td><td>1 GiB</td></tr>
 *   <tr><td>{@link Builder#maxFiles}</td><td>{@code WIRE_CAPTURE_MAX_FILES}</td><td>100</td></tr>
 *   <tr><td>{@link Builder#maxBodyBytes}</td><td>{@code WIRE_CAPTURE_MAX_BODY_BYTES}</td><td>1 MiB per body</td></tr>
 *   <tr><td>{@link Builder#queueCapacity}</td><td>{@code WIRE_CAPTURE_QUEUE_SIZE}</td><td>1024 exchanges</td></tr>
 *   <tr><td>{@link Builder#compressRotated}</td><td>{@code WIRE_CAPTURE_COMPRESS}</td><td>false</td></tr>
 *   <tr><td>{@link Builder#secrets}</td><td>(the server adds {@code MANAGEMENT_TOKEN})</td><td>none</td></tr>
 * </table>
 *
 * <p>Memory bound: at most {@code queueCapacity} exchanges wait for the writer, each holding at
 * most two bodies of {@code maxBodyBytes}; in the worst case that is
 * {@code queueCapacity × 2 × maxBodyBytes} (2 GiB with the defaults, reached only when every
 * queued exchange carries two 1 MiB bodies). Lower either for small heaps. {@link #toString()}
 * never shows the secrets. Immutable.
 */
public final class WireCaptureConfig {

    public static final Path DEFAULT_DIRECTORY = Path.of("./data/capture");
    public static final long DEFAULT_MAX_FILE_BYTES = 64L * 1024 * 1024;
    public static final long DEFAULT_MAX_TOTAL_BYTES = 1024L * 1024 * 1024;
    public static final int DEFAULT_MAX_FILES = 100;
    public static final int DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
    public static final int DEFAULT_QUEUE_CAPACITY = 1024;
    /** A file must hold at least one typical exchange; smaller sizes are a typo. */
    public static final long MIN_FILE_BYTES = 4096;

    private final Path directory;
    private final long maxFileBytes;
    private final long maxTotalBytes;
    private final int maxFiles;
    private final int maxBodyBytes;
    private final int queueCapacity;
    private final boolean compressRotated;
    private final List<String> secrets;

    private WireCaptureConfig(Builder b) {
        this.directory = b.directory;
        this.maxFileBytes = b.maxFileBytes;
        this.maxTotalBytes = b.maxTotalBytes;
        this.maxFiles = b.maxFiles;
        this.maxBodyBytes = b.maxBodyBytes;
        this.queueCapacity = b.queueCapacity;
        this.compressRotated = b.compressRotated;
        this.secrets = List.copyOf(b.secrets);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Where capture files are written; created when missing. */
    public Path directory() {
        return directory;
    }

    /** A file is closed and a new one started before it would grow past this. */
    public long maxFileBytes() {
        return maxFileBytes;
    }

    /** Oldest files are deleted to keep the directory's capture files within this. */
    public long maxTotalBytes() {
        return maxTotalBytes;
    }

    /** Oldest files are deleted to keep at most this many capture files. */
    public int maxFiles() {
        return maxFiles;
    }

    /** Bytes kept of each request and each response body; the rest is counted and flagged. */
    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    /** Exchanges waiting for the writer; beyond this they are dropped and counted. */
    public int queueCapacity() {
        return queueCapacity;
    }

    /** Whether a closed (rotated) file is gzip-compressed to {@code .jsonl.gz}. */
    public boolean compressRotated() {
        return compressRotated;
    }

    /** Exact values always replaced by {@code [REDACTED]} (e.g. the management token). */
    public List<String> secrets() {
        return secrets;
    }

    @Override
    public String toString() {
        return "WireCaptureConfig[directory=" + directory + ", maxFileBytes=" + maxFileBytes + ", maxTotalBytes="
                + maxTotalBytes + ", maxFiles=" + maxFiles + ", maxBodyBytes=" + maxBodyBytes + ", queueCapacity="
                + queueCapacity + ", compressRotated=" + compressRotated + ", secrets=" + secrets.size() + "]";
    }

    /** Validates each value as it is set; messages name the variable the server reads it from. */
    public static final class Builder {
        private Path directory = DEFAULT_DIRECTORY;
        private long maxFileBytes = DEFAULT_MAX_FILE_BYTES;
        private long maxTotalBytes = DEFAULT_MAX_TOTAL_BYTES;
        private int maxFiles = DEFAULT_MAX_FILES;
        private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
        private boolean compressRotated;
        private final List<String> secrets = new ArrayList<>();

        private Builder() {
        }

        public Builder directory(Path directory) {
            this.directory = Objects.requireNonNull(directory, "WIRE_CAPTURE_DIR");
            return this;
        }

        public Builder maxFileBytes(long bytes) {
            if (bytes < MIN_FILE_BYTES) {
                throw new IllegalArgumentException("WIRE_CAPTURE_MAX_FILE_BYTES must be at least " + MIN_FILE_BYTES
                        + " bytes, got " + bytes);
            }
            this.maxFileBytes = bytes;
            return this;
        }

        public Builder maxTotalBytes(long bytes) {
            if (bytes < MIN_FILE_BYTES) {
                throw new IllegalArgumentException("WIRE_CAPTURE_MAX_TOTAL_BYTES must be at least " + MIN_FILE_BYTES
                        + " bytes, got " + bytes);
            }
            this.maxTotalBytes = bytes;
            return this;
        }

        public Builder maxFiles(int files) {
            if (files < 1) {
                throw new IllegalArgumentException("WIRE_CAPTURE_MAX_FILES must be at least 1, got " + files);
            }
            this.maxFiles = files;
            return this;
        }

        public Builder maxBodyBytes(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("WIRE_CAPTURE_MAX_BODY_BYTES must be >= 0, got " + bytes);
            }
            this.maxBodyBytes = bytes;
            return this;
        }

        public Builder queueCapacity(int capacity) {
            if (capacity < 1 || capacity > 1_000_000) {
                throw new IllegalArgumentException("WIRE_CAPTURE_QUEUE_SIZE must be 1-1000000, got " + capacity);
            }
            this.queueCapacity = capacity;
            return this;
        }

        public Builder compressRotated(boolean compress) {
            this.compressRotated = compress;
            return this;
        }

        /** Adds exact secret values to redact wherever they appear; blank values are ignored. */
        public Builder secrets(Collection<String> values) {
            for (String v : values) {
                if (v != null && !v.isBlank()) {
                    secrets.add(v);
                }
            }
            return this;
        }

        public WireCaptureConfig build() {
            if (maxTotalBytes < maxFileBytes) {
                throw new IllegalArgumentException("WIRE_CAPTURE_MAX_TOTAL_BYTES (" + maxTotalBytes
                        + ") must be at least WIRE_CAPTURE_MAX_FILE_BYTES (" + maxFileBytes + ")");
            }
            return new WireCaptureConfig(this);
        }
    }
}
