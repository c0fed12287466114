package dev.llmproxy.core.manage;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Checks {@code Authorization: Bearer <MANAGEMENT_TOKEN>} in constant time.
 *
 * <p>Both the configured and the presented token are hashed with SHA-256 and the digests compared
 * with {@link MessageDigest#isEqual}, which does not stop at the first differing byte. Hashing
 * first makes the comparison independent of the presented token's length too, so timing reveals
 * neither a prefix nor the length of the secret. A missing header is hashed and compared like a
 * wrong one, so both cost the same. (The Go original compared strings with {@code ==}.)
 *
 * <p>The scheme {@code Bearer} is matched case-insensitively (RFC 9110 §11.1); the token is taken
 * verbatim after one space. Immutable and thread-safe; about a microsecond per check.
 */
final class ManagementAuth {

    private static final String BEARER = "bearer ";

    private final byte[] expected;

    ManagementAuth(String managementToken) {
        if (managementToken == null || managementToken.isEmpty()) {
            throw new IllegalArgumentException("management token must not be empty");
        }
        this.expected = sha256(managementToken);
    }

    /** Whether {@code authorization} (the header value, may be null) carries the management token. */
    boolean accepts(String authorization) {
        String presented = null;
        if (authorization != null && authorization.length() > BEARER.length()
                && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            presented = authorization.substring(BEARER.length());
        }
        boolean equal = MessageDigest.isEqual(expected, sha256(presented == null ? "" : presented));
        return presented != null && equal;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JVM", e);
        }
    }
}
