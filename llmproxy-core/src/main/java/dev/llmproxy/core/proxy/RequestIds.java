package dev.llmproxy.core.proxy;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Request id generation. Ids only need to be unique, not unpredictable, so this uses
 * {@link ThreadLocalRandom} rather than {@link UUID#randomUUID()}, whose {@code SecureRandom}
 * would put a shared lock on the request path.
 */
final class RequestIds {

    private RequestIds() {
    }

    /** A random (version 4 layout) UUID string. */
    static String next() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (r.nextLong() & 0xFFFFFFFFFFFF0FFFL) | 0x0000000000004000L;
        long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }
}
