package dev.llmproxy.eventbus;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * Accumulates a body that arrives in chunks (a streamed response, a chunked request) into a
 * {@link Body} capped at {@code maxBytes}, while the real bytes flow on unchanged.
 *
 * <pre>{@code
 * BodyCapture capture = new BodyCapture(Event.DEFAULT_MAX_RESPONSE_BODY_BYTES);
 * // for every chunk written to the client:
 * capture.append(chunk.nioBuffer());
 * // when the response completes:
 * Body body = capture.toBody();
 * }</pre>
 *
 * <p><b>Cost.</b> Nothing is allocated until the first bytes arrive; the buffer then starts at the
 * size of that first chunk (at least 256 bytes) and doubles up to {@code maxBytes}, so a short
 * response costs a buffer of its own size; bytes past the cap are only counted. {@link #toBody()}
 * hands the buffer over without copying when it is exactly full (the common case of a body that
 * arrived in one chunk), else copies the kept bytes once; appending after that copies the buffer
 * first, so a {@link Body} already handed out never changes.
 *
 * <p><b>Not thread-safe</b>: use one capture per request, from the thread (event loop) that sees
 * the chunks.
 */
public final class BodyCapture {
    private static final int MIN_CAPACITY = 256;
    private static final byte[] NONE = new byte[0];

    private final int maxBytes;
    private byte[] buffer = NONE;
    private int size;
    private long totalBytes;
    /** Whether {@link #buffer} was handed to a {@link Body} and must not be written any more. */
    private boolean shared;

    /**
     * @param maxBytes how many bytes to keep, {@code >= 0}
     * @throws IllegalArgumentException if {@code maxBytes < 0}
     */
    public BodyCapture(int maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 0, got " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    /**
     * Records {@code bytes[offset, offset+length)}.
     *
     * @throws IndexOutOfBoundsException if the range is outside {@code bytes}
     */
    public void append(byte[] bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        totalBytes += length;
        int keep = Math.min(length, maxBytes - size);
        if (keep <= 0) {
            return;
        }
        ensureCapacity(size + keep);
        System.arraycopy(bytes, offset, buffer, size, keep);
        size += keep;
    }

    /** Records all of {@code bytes}. */
    public void append(byte[] bytes) {
        append(bytes, 0, bytes.length);
    }

    /**
     * Records the remaining bytes of {@code src} without changing its position (so the same
     * buffer can still be written to the client).
     */
    public void append(ByteBuffer src) {
        int length = src.remaining();
        totalBytes += length;
        int keep = Math.min(length, maxBytes - size);
        if (keep <= 0) {
            return;
        }
        ensureCapacity(size + keep);
        src.duplicate().get(buffer, size, keep);
        size += keep;
    }

    /**
     * Sizes the buffer for a body announced to be {@code expectedBytes} long (a
     * {@code Content-Length}), capped at {@code maxBytes}, before its first bytes arrive: the
     * body then lands in one buffer of exactly its size, which {@link #toBody()} hands over
     * without a copy, instead of growing by doubling and being trimmed. Does nothing once bytes
     * were appended, or for a size that is not positive.
     */
    public void expect(long expectedBytes) {
        if (size == 0 && buffer.length == 0 && expectedBytes > 0) {
            buffer = new byte[(int) Math.min(maxBytes, expectedBytes)];
        }
    }

    /** Total bytes seen so far, including those past the cap. */
    public long totalBytes() {
        return totalBytes;
    }

    /** Whether more than {@code maxBytes} have been seen. */
    public boolean truncated() {
        return totalBytes > maxBytes;
    }

    /** The captured body so far; the capture can keep accumulating afterwards. */
    public Body toBody() {
        if (size == 0) {
            return truncated() ? new Body(new byte[0], 0, true) : Body.EMPTY;
        }
        byte[] bytes;
        if (size == buffer.length) {
            bytes = buffer; // exactly full: share it, and copy before any later append
            shared = true;
        } else {
            bytes = Arrays.copyOf(buffer, size);
        }
        boolean truncated = truncated();
        return new Body(bytes, truncated ? Utf8.trimIncompleteTail(bytes, size) : size, truncated);
    }

    private void ensureCapacity(int needed) {
        if (needed > buffer.length) {
            int grown = buffer.length == 0
                    ? Math.min(maxBytes, Math.max(needed, MIN_CAPACITY)) // first chunk: its own size
                    : (int) Math.min((long) maxBytes, Math.max((long) buffer.length * 2, needed));
            buffer = Arrays.copyOf(buffer, grown);
            shared = false;
        } else if (shared) {
            buffer = buffer.clone();
            shared = false;
        }
    }
}
