package dev.llmproxy.core.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The secret strings clients send as {@code Authorization: Bearer sk-…}, and their stored form.
 *
 * <h2>Format</h2>
 * {@code sk-} followed by 32 bytes (256 bits) from a {@link SecureRandom}, base64url-encoded
 * without padding: 46 characters from {@code [A-Za-z0-9_-]}. (The Go original used a UUIDv7, of
 * which only 74 bits are random.) The token is shown once, at creation; the stores keep only
 * {@link #hash(String)} of it, so a leaked database holds no usable tokens. A plain SHA-256
 * suffices because the input has 256 bits of entropy: there is nothing to brute-force.
 *
 * <h2>Cost and threads</h2>
 * All methods are thread-safe. {@link #hash} keeps one {@link MessageDigest} per thread (about a
 * microsecond per call); {@link #looksValid} is a character scan, cheap enough to run on the event
 * loop before any lookup so garbage never reaches the cache or the database.
 */
public final class WitheringTokens {

    /** Every token starts with this. */
    public static final String PREFIX = "sk-";

    /** Random bytes per token. */
    public static final int RANDOM_BYTES = 32;

    /** Length of a token: the prefix plus 43 base64url characters. */
    public static final int LENGTH = PREFIX.length() + 43;

    /** Length of {@link #hash(String)}'s result: 64 lowercase hex digits. */
    public static final int HASH_LENGTH = 64;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final HexFormat HEX = HexFormat.of();
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JVM", e);
        }
    });

    private WitheringTokens() {
    }

    /** A new random token. Hand it to the client once and store only its {@link #hash}. */
    public static String generate() {
        byte[] bytes = new byte[RANDOM_BYTES];
        RANDOM.nextBytes(bytes);
        return PREFIX + ENCODER.encodeToString(bytes);
    }

    /** Lowercase hex SHA-256 of the token's UTF-8 bytes: the form the stores look tokens up by. */
    public static String hash(String token) {
        if (token == null) {
            throw new NullPointerException("token");
        }
        MessageDigest digest = SHA256.get();
        // digest() resets the instance, so the thread's next call starts clean even after an error here.
        return HEX.formatHex(digest.digest(token.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Whether {@code token} has the shape of a token from {@link #generate()}: prefix, length,
     * alphabet, and a last character that a 32-byte value can end in. Says nothing about whether
     * the token exists.
     */
    public static boolean looksValid(String token) {
        if (token == null || token.length() != LENGTH || !token.startsWith(PREFIX)) {
            return false;
        }
        for (int i = PREFIX.length(); i < LENGTH; i++) {
            if (base64UrlValue(token.charAt(i)) < 0) {
                return false;
            }
        }
        // 32 bytes = 256 bits = 42 full characters + 4 bits: the last character's low 2 bits are 0.
        return (base64UrlValue(token.charAt(LENGTH - 1)) & 0b11) == 0;
    }

    /** Whether {@code value} has the shape of a {@link #hash} result: 64 lowercase hex digits. */
    public static boolean isHash(String value) {
        if (value == null || value.length() != HASH_LENGTH) {
            return false;
        }
        for (int i = 0; i < HASH_LENGTH; i++) {
            char c = value.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static int base64UrlValue(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        if (c == '-') {
            return 62;
        }
        if (c == '_') {
            return 63;
        }
        return -1;
    }
}
