package dev.llmproxy.eventbus;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable captured HTTP body: the first bytes of a request or response, up to a cap, and
 * whether the cap cut it short.
 *
 * <p><b>Capping.</b> {@link #capped(byte[], int, int, int)} and {@link BodyCapture} keep at most
 * {@code maxBytes} bytes and set {@link #truncated()} when there were more. When the cut falls
 * inside a multi-byte UTF-8 character, that partial character (at most 3 bytes) is dropped too, so
 * a truncated JSON or SSE body is still valid text and is encoded as a string rather than base64.
 *
 * <p><b>Cost.</b> The factories copy the bytes once; the accessors {@link #asReadOnlyBuffer()},
 * {@link #openStream()} and {@link #writeTo(OutputStream)} do not copy. {@link #toByteArray()}
 * and {@link #toUtf8String()} do. Whether the bytes are valid UTF-8 is computed once and cached.
 *
 * <p>Thread-safe: instances never change after construction.
 */
public final class Body {
    /** The empty, untruncated body. */
    public static final Body EMPTY = new Body(new byte[0], 0, false);

    private final byte[] bytes; // never exposed; only [0, length) is meaningful
    private final int length;
    private final boolean truncated;
    // 0 = not computed yet, 1 = valid UTF-8, 2 = not. A benign race: every thread computes the same.
    private byte utf8State;

    Body(byte[] bytes, int length, boolean truncated) {
        this.bytes = bytes;
        this.length = length;
        this.truncated = truncated;
    }

    /**
     * A body holding a copy of {@code bytes}, not truncated.
     *
     * @param bytes the content; null means empty
     * @return the body
     */
    public static Body of(byte[] bytes) {
        return of(bytes, false);
    }

    /**
     * A body holding a copy of {@code bytes} with an explicit truncation flag (used when the bytes
     * were already capped elsewhere, e.g. when decoding an event).
     *
     * @param bytes the content; null means empty
     * @param truncated whether the original body was longer than {@code bytes}
     * @return the body
     */
    public static Body of(byte[] bytes, boolean truncated) {
        if (bytes == null || bytes.length == 0) {
            return truncated ? new Body(new byte[0], 0, true) : EMPTY;
        }
        return new Body(bytes.clone(), bytes.length, truncated);
    }

    /**
     * A body holding {@code text} encoded as UTF-8, not truncated.
     *
     * @param text the content; null means empty
     * @return the body
     */
    public static Body of(String text) {
        if (text == null || text.isEmpty()) {
            return EMPTY;
        }
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return new Body(b, b.length, false);
    }

    /**
     * Keeps at most {@code maxBytes} of {@code bytes} and sets the truncation flag when there were
     * more. See the class javadoc for how a cut UTF-8 character is handled.
     *
     * @param bytes the full content; null means empty
     * @param maxBytes the cap, {@code >= 0}
     * @return the body
     * @throws IllegalArgumentException if {@code maxBytes < 0}
     */
    public static Body capped(byte[] bytes, int maxBytes) {
        return bytes == null ? EMPTY : capped(bytes, 0, bytes.length, maxBytes);
    }

    /**
     * Like {@link #capped(byte[], int)} for the range {@code bytes[offset, offset+length)}.
     *
     * @throws IllegalArgumentException if {@code maxBytes < 0}
     * @throws IndexOutOfBoundsException if the range is outside {@code bytes}
     */
    public static Body capped(byte[] bytes, int offset, int length, int maxBytes) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 0, got " + maxBytes);
        }
        if (length <= maxBytes) {
            return length == 0 ? EMPTY : new Body(Arrays.copyOfRange(bytes, offset, offset + length), length, false);
        }
        byte[] kept = Arrays.copyOfRange(bytes, offset, offset + maxBytes);
        return new Body(kept, Utf8.trimIncompleteTail(kept, maxBytes), true);
    }

    /** Number of bytes kept. */
    public int size() {
        return length;
    }

    /** Whether no bytes were kept. */
    public boolean isEmpty() {
        return length == 0;
    }

    /** Whether the original body was longer than what was kept. */
    public boolean truncated() {
        return truncated;
    }

    /** A copy of the bytes. */
    public byte[] toByteArray() {
        return Arrays.copyOf(bytes, length);
    }

    /** A read-only view of the bytes, without copying. */
    public ByteBuffer asReadOnlyBuffer() {
        return ByteBuffer.wrap(bytes, 0, length).slice().asReadOnlyBuffer();
    }

    /**
     * Hands the bytes to {@code reader} without copying: the array, offset 0 and {@link #size()}.
     * The reader must only read that range, and neither change the array nor keep it after it
     * returns (the body is shared and must never change). For parsers that take an array.
     *
     * @param reader reads the bytes
     * @param <T>    what the reader returns
     * @return the reader's result
     */
    public <T> T read(Reader<T> reader) {
        return reader.read(bytes, 0, length);
    }

    /** Reads a body's bytes in place; see {@link #read(Reader)}. */
    @FunctionalInterface
    public interface Reader<T> {
        /**
         * @param bytes  the body's array, to be read in {@code [offset, offset + length)} only
         * @param offset always 0
         * @param length the body's size
         * @return the result
         */
        T read(byte[] bytes, int offset, int length);
    }

    /** A stream over the bytes, without copying (for example to feed a JSON parser). */
    public InputStream openStream() {
        return new ByteArrayInputStream(bytes, 0, length);
    }

    /**
     * Writes the bytes to {@code out}, without copying.
     *
     * @throws IOException if {@code out} throws
     */
    public void writeTo(OutputStream out) throws IOException {
        out.write(bytes, 0, length);
    }

    /** Whether the bytes are well-formed UTF-8 (so {@link #toUtf8String()} is lossless). */
    public boolean isUtf8() {
        byte s = utf8State;
        if (s == 0) {
            s = Utf8.isValid(bytes, 0, length) ? (byte) 1 : (byte) 2;
            utf8State = s;
        }
        return s == 1;
    }

    /** The bytes decoded as UTF-8; malformed sequences become U+FFFD. */
    public String toUtf8String() {
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    /** Package-private zero-copy access for the codec. */
    byte[] array() {
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Body)) {
            return false;
        }
        Body other = (Body) o;
        return truncated == other.truncated
                && Arrays.equals(bytes, 0, length, other.bytes, 0, other.length);
    }

    @Override
    public int hashCode() {
        int h = 1;
        for (int i = 0; i < length; i++) {
            h = 31 * h + bytes[i];
        }
        return 31 * h + (truncated ? 1 : 0);
    }

    @Override
    public String toString() {
        return "Body[" + length + " bytes" + (truncated ? ", truncated]" : "]");
    }
}
