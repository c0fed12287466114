package dev.llmproxy.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One browser's admin session, kept only in server memory ({@link Sessions}); the browser holds
 * nothing but a random id. A session before login (for the login form's CSRF token) has no
 * management token.
 *
 * <p>Thread-safe: a browser may send several requests at once.
 */
final class Session {

    /** A one-line message shown once on the next page (post/redirect/get). */
    record Flash(String kind, String message) {
    }

    final String id;
    final String csrfToken;
    /** The management token this session acts with; null before login. Never rendered or logged. */
    final String managementToken;
    final long createdNanos;
    volatile long lastSeenNanos;
    private final List<Flash> flashes = new ArrayList<>();
    /** Newly created withering tokens by token id, shown once and then forgotten. */
    private final Map<String, String> createdTokens = new ConcurrentHashMap<>();

    Session(String id, String csrfToken, String managementToken, long nowNanos) {
        this.id = id;
        this.csrfToken = csrfToken;
        this.managementToken = managementToken;
        this.createdNanos = nowNanos;
        this.lastSeenNanos = nowNanos;
    }

    boolean authenticated() {
        return managementToken != null;
    }

    synchronized void flash(String kind, String message) {
        if (flashes.size() < 10) {
            flashes.add(new Flash(kind, message));
        }
    }

    synchronized List<Flash> takeFlashes() {
        List<Flash> out = List.copyOf(flashes);
        flashes.clear();
        return out;
    }

    void rememberCreatedToken(String tokenId, String secret) {
        if (createdTokens.size() < 20) {
            createdTokens.put(tokenId, secret);
        }
    }

    /** The secret of a token created in this session, once: later calls answer null. */
    String takeCreatedToken(String tokenId) {
        return createdTokens.remove(tokenId);
    }

    @Override
    public String toString() {
        return "Session[" + (authenticated() ? "authenticated" : "anonymous") + "]";
    }
}
