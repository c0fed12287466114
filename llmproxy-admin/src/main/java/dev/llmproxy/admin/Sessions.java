package dev.llmproxy.admin;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;

/**
 * The server-side session store of the admin UI: session id (256 random bits, base64url) →
 * {@link Session}. Two bounded Caffeine caches keep logged-in sessions ({@code maxSessions}) apart
 * from the anonymous ones the login form needs, so a flood of login-page visits cannot push
 * operators out.
 *
 * <p>A session ends at the first of: {@code idleTimeout} without a request, {@code maxLifetime}
 * after login, {@link #invalidate logout}, or eviction when the store is full. Sessions live in
 * this process only: a restart logs everyone out, and with several instances behind a load
 * balancer the UI needs sticky sessions (documented in docs/admin-ui.md).
 *
 * <p>Ids are looked up by their SHA-256, so lookup time does not depend on how much of a guessed id
 * matches a real one. Thread-safe.
 */
final class Sessions {

    /** Anonymous (login-form) sessions: short-lived and many. */
    static final Duration ANONYMOUS_LIFETIME = Duration.ofMinutes(15);
    static final int MAX_ANONYMOUS = 10_000;

    private final Ticker ticker;
    private final long idleNanos;
    private final long lifetimeNanos;
    private final Cache<String, Session> sessions;
    private final Cache<String, Session> anonymous;

    Sessions(Duration idleTimeout, Duration maxLifetime, int maxSessions, Ticker ticker) {
        this.ticker = ticker;
        this.idleNanos = idleTimeout.toNanos();
        this.lifetimeNanos = maxLifetime.toNanos();
        this.sessions = Caffeine.newBuilder().ticker(ticker).maximumSize(maxSessions)
                .expireAfter(new SessionExpiry(idleNanos, lifetimeNanos)).build();
        long anonNanos = ANONYMOUS_LIFETIME.toNanos();
        this.anonymous = Caffeine.newBuilder().ticker(ticker).maximumSize(MAX_ANONYMOUS)
                .expireAfter(new SessionExpiry(anonNanos, anonNanos)).build();
    }

    /** A new anonymous session for the login form. */
    Session createAnonymous() {
        Session s = new Session(randomToken(), randomToken(), null, ticker.read());
        anonymous.put(key(s.id), s);
        return s;
    }

    /**
     * A new logged-in session. Always a new id (never the anonymous one upgraded), so an id planted
     * in a browser before login is worthless afterwards (session fixation).
     */
    Session createAuthenticated(String managementToken) {
        Session s = new Session(randomToken(), randomToken(), managementToken, ticker.read());
        sessions.put(key(s.id), s);
        return s;
    }

    /** The live session with this id (either kind), touching its idle timer; null if none. */
    Session find(String id) {
        if (id == null || id.isEmpty() || id.length() > 100) {
            return null;
        }
        String key = key(id);
        Session s = sessions.getIfPresent(key);
        if (s == null) {
            s = anonymous.getIfPresent(key);
        }
        if (s == null) {
            return null;
        }
        long now = ticker.read();
        long lifetime = s.authenticated() ? lifetimeNanos : ANONYMOUS_LIFETIME.toNanos();
        long idle = s.authenticated() ? idleNanos : ANONYMOUS_LIFETIME.toNanos();
        // Caffeine expires lazily; check here too so an expired session is never honoured.
        if (now - s.createdNanos >= lifetime || now - s.lastSeenNanos >= idle) {
            invalidate(id);
            return null;
        }
        s.lastSeenNanos = now;
        return s;
    }

    void invalidate(String id) {
        if (id != null) {
            String key = key(id);
            sessions.invalidate(key);
            anonymous.invalidate(key);
        }
    }

    long authenticatedCount() {
        sessions.cleanUp();
        return sessions.estimatedSize();
    }

    String randomToken() {
        byte[] bytes = new byte[32];
        Entropy.SOURCE.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Constant-time comparison of a submitted CSRF token with the session's. */
    static boolean sameToken(String expected, String given) {
        if (expected == null || given == null) {
            return false;
        }
        return MessageDigest.isEqual(sha256(expected), sha256(given));
    }

    private static String key(String id) {
        return Base64.getEncoder().encodeToString(sha256(id));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Made at the first session, not with the UI: a {@link SecureRandom}'s first use initialises
     * the JDK's security providers, 10-30 ms of a server's start-up otherwise. Thread-safe.
     */
    private static final class Entropy {
        static final SecureRandom SOURCE = new SecureRandom();
    }

    /** Expires an entry at the earlier of its idle deadline and its absolute deadline. */
    private static final class SessionExpiry implements Expiry<String, Session> {
        private final long idle;
        private final long lifetime;

        SessionExpiry(long idle, long lifetime) {
            this.idle = idle;
            this.lifetime = lifetime;
        }

        @Override
        public long expireAfterCreate(String key, Session s, long now) {
            return Math.min(idle, lifetime);
        }

        @Override
        public long expireAfterUpdate(String key, Session s, long now, long current) {
            return current;
        }

        @Override
        public long expireAfterRead(String key, Session s, long now, long current) {
            return Math.max(0, Math.min(idle, lifetime - (now - s.createdNanos)));
        }
    }
}
