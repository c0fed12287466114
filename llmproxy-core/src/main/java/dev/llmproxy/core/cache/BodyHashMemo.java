package dev.llmproxy.core.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.util.Arrays;

/**
 * Remembers the body hashes of recent cache keys by the body's exact bytes. A cache hit is, by
 * definition, a request seen before, and clients repeating a request send the same bytes; for
 * those the JSON parse, canonical re-encoding and SHA-256 (most of a hit's CPU time) become one
 * pass of {@link Arrays#hashCode} and one {@link Arrays#equals} over the body. The memo holds a
 * pure function's results, so it can never change a key, only skip recomputing it.
 *
 * <p>Bounded by bytes ({@value #MAX_BYTES} of bodies, each at most {@value #MAX_BODY}; larger ones
 * are always hashed afresh). Thread-safe; lookups do not allocate a copy of the body.
 */
final class BodyHashMemo {

    static final int MAX_BODY = 16 * 1024;
    static final long MAX_BYTES = 4L * 1024 * 1024;

    private final Cache<Bytes, String> memo = Caffeine.newBuilder()
            .maximumWeight(MAX_BYTES)
            .weigher((Bytes k, String v) -> k.length + 2 * v.length() + 64)
            .executor(Runnable::run) // maintenance on the caller: no hop to the common pool
            .build();

    /** The remembered hash of these bytes under this content type, or null. */
    String get(String contentType, byte[] body, int offset, int length) {
        if (length > MAX_BODY) {
            return null;
        }
        return memo.getIfPresent(new Bytes(contentType, body, offset, length));
    }

    void put(String contentType, byte[] body, int offset, int length, String hash) {
        if (length <= MAX_BODY) {
            memo.put(new Bytes(contentType, Arrays.copyOfRange(body, offset, offset + length), 0, length), hash);
        }
    }

    /** A byte range compared by content; lookups wrap the caller's array, stored keys own a copy. */
    private static final class Bytes {
        final String contentType;
        final byte[] array;
        final int offset;
        final int length;
        final int hash;

        Bytes(String contentType, byte[] array, int offset, int length) {
            this.contentType = contentType == null ? "" : contentType;
            this.array = array;
            this.offset = offset;
            this.length = length;
            int h = 1;
            for (int i = offset, end = offset + length; i < end; i++) {
                h = 31 * h + array[i];
            }
            this.hash = 31 * h + this.contentType.hashCode();
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Bytes)) {
                return false;
            }
            Bytes b = (Bytes) o;
            return hash == b.hash && length == b.length && contentType.equals(b.contentType)
                    && Arrays.equals(array, offset, offset + length, b.array, b.offset, b.offset + length);
        }
    }
}
