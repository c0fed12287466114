package dev.llmproxy.admin;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Limits login attempts per client address: at most {@code maxAttempts} in a fixed window that
 * starts with the first attempt. Guessing a 256-bit management token is hopeless anyway; this keeps
 * a password-like token safe and keeps the UI from being used to hammer the management API.
 *
 * <p>The address is the TCP peer; behind a reverse proxy all browsers share the proxy's address, so
 * the limit is then shared (documented). Bounded memory (Caffeine, 100 000 addresses). Thread-safe.
 */
final class LoginThrottle {

    private final int maxAttempts;
    private final Cache<String, AtomicInteger> attempts;

    LoginThrottle(int maxAttempts, Duration window, Ticker ticker) {
        this.maxAttempts = maxAttempts;
        this.attempts = Caffeine.newBuilder().ticker(ticker).maximumSize(100_000)
                .expireAfterWrite(window).build();
    }

    /** Counts an attempt from {@code address}; false when it is over the limit. */
    boolean tryAcquire(String address) {
        return attempts.get(address, a -> new AtomicInteger()).incrementAndGet() <= maxAttempts;
    }

    /** A successful login forgets the address's failed attempts. */
    void reset(String address) {
        attempts.invalidate(address);
    }
}
