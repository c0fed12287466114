package dev.llmproxy.core.cache;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of a {@link CachedResponse} in Redis. Compact (the body is stored as is, not as
 * base64 inside JSON as the original did) and versioned:
 *
 * <pre>
 * magic    3 bytes  "LPC"
 * version  1 byte   1
 * flags    1 byte   bit 0: streamed
 * status   2 bytes  unsigned
 * storedAt 8 + 4    epoch seconds, nanoseconds
 * expires  8 + 4    epoch seconds, nanoseconds
 * etag     4 + n    length, UTF-8
 * headers  4        count, then per header: 4 + n name, 4 + n value (UTF-8)
 * body     4 + n    length, bytes
 * </pre>
 *
 * All integers are big-endian. A reader refuses anything else — wrong magic, an unknown version,
 * a length running past the end, invalid UTF-8, bytes left over — with a
 * {@link CacheCodecException} saying what is wrong, and allocates nothing larger than the input.
 * A future format bumps the version; entries in an old format then read as misses and are
 * replaced as they are stored again. Stateless and thread-safe.
 */
public final class CachedResponseCodec {

    /** The format version written by {@link #encode}. */
    public static final int VERSION = 1;

    private static final byte[] MAGIC = {'L', 'P', 'C'};
    private static final int FLAG_STREAMED = 1;

    private CachedResponseCodec() {
    }

    /** The stored form of {@code response}. */
    public static byte[] encode(CachedResponse response) {
        byte[] etag = utf8(response.etag());
        List<CachedResponse.Header> headers = response.headers();
        byte[][] names = new byte[headers.size()][];
        byte[][] values = new byte[headers.size()][];
        long size = MAGIC.length + 1 + 1 + 2 + 24 + 4 + etag.length + 4 + 4 + response.bodyLength();
        for (int i = 0; i < headers.size(); i++) {
            names[i] = utf8(headers.get(i).name());
            values[i] = utf8(headers.get(i).value());
            size += 8 + names[i].length + values[i].length;
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("response too large to encode: " + size + " bytes");
        }
        ByteBuffer out = ByteBuffer.allocate((int) size);
        out.put(MAGIC).put((byte) VERSION).put((byte) (response.streamed() ? FLAG_STREAMED : 0));
        out.putShort((short) response.status());
        putInstant(out, response.storedAt());
        putInstant(out, response.expiresAt());
        out.putInt(etag.length).put(etag);
        out.putInt(headers.size());
        for (int i = 0; i < names.length; i++) {
            out.putInt(names[i].length).put(names[i]);
            out.putInt(values[i].length).put(values[i]);
        }
        out.putInt(response.bodyLength()).put(response.bodyArray());
        return out.array();
    }

    /**
     * Reads a stored entry.
     *
     * @throws CacheCodecException when {@code data} is not a complete entry of a known version
     */
    public static CachedResponse decode(byte[] data) {
        if (data == null) {
            throw new CacheCodecException("corrupt cache entry: no data");
        }
        ByteBuffer in = ByteBuffer.wrap(data);
        try {
            for (byte m : MAGIC) {
                if (in.get() != m) {
                    throw new CacheCodecException("corrupt cache entry: not a cache entry (bad magic)");
                }
            }
            int version = in.get() & 0xff;
            if (version != VERSION) {
                throw new CacheCodecException("unsupported cache entry version " + version
                        + " (this build reads version " + VERSION + ")");
            }
            int flags = in.get() & 0xff;
            if ((flags & ~FLAG_STREAMED) != 0) {
                throw new CacheCodecException("corrupt cache entry: unknown flags " + flags);
            }
            int status = in.getShort() & 0xffff;
            Instant storedAt = getInstant(in);
            Instant expiresAt = getInstant(in);
            String etag = string(in, "etag");
            int count = length(in, "header count", 8);
            List<CachedResponse.Header> headers = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                headers.add(new CachedResponse.Header(string(in, "header name"), string(in, "header value")));
            }
            byte[] body = new byte[length(in, "body", 1)];
            in.get(body);
            if (in.hasRemaining()) {
                throw new CacheCodecException("corrupt cache entry: " + in.remaining() + " bytes after the body");
            }
            return new CachedResponse(status, headers, body, (flags & FLAG_STREAMED) != 0, storedAt, expiresAt, etag);
        } catch (BufferUnderflowException e) {
            throw new CacheCodecException("corrupt cache entry: truncated (" + data.length + " bytes)");
        } catch (IllegalArgumentException | java.time.DateTimeException e) {
            throw new CacheCodecException("corrupt cache entry: " + e.getMessage());
        }
    }

    private static void putInstant(ByteBuffer out, Instant t) {
        out.putLong(t.getEpochSecond()).putInt(t.getNano());
    }

    private static Instant getInstant(ByteBuffer in) {
        long seconds = in.getLong();
        int nanos = in.getInt();
        if (nanos < 0 || nanos > 999_999_999) {
            throw new CacheCodecException("corrupt cache entry: bad timestamp");
        }
        return Instant.ofEpochSecond(seconds, nanos);
    }

    /** A length or count that fits in what is left, counting at least {@code unit} bytes per item. */
    private static int length(ByteBuffer in, String what, int unit) {
        int n = in.getInt();
        if (n < 0 || (long) n * unit > in.remaining()) {
            throw new CacheCodecException("corrupt cache entry: " + what + " length " + n + " exceeds the "
                    + in.remaining() + " bytes left");
        }
        return n;
    }

    private static String string(ByteBuffer in, String what) {
        int n = length(in, what, 1);
        ByteBuffer slice = in.slice();
        slice.limit(n);
        in.position(in.position() + n);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(slice).toString();
        } catch (CharacterCodingException e) {
            throw new CacheCodecException("corrupt cache entry: " + what + " is not UTF-8");
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
