package dev.llmproxy.core.project;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Encrypts upstream API keys at rest ({@code ENCRYPTION_KEY}).
 *
 * <h2>Format</h2>
 * AES-256-GCM, a fresh random 96-bit nonce per value, 128-bit tag, no associated data. The stored
 * form is {@code enc:v1:} + standard base64 of nonce ‖ ciphertext ‖ tag — the format of the
 * original Go proxy, so a database it encrypted can be read with the same key.
 * <ul>
 *   <li>{@link #decrypt} returns a value without the {@code enc:v1:} prefix unchanged: rows written
 *       before a key was configured keep working until {@code llm-proxy migrate encrypt}
 *       ({@link ProjectStore#encryptPlaintextKeys}) converts them.</li>
 *   <li>A value that does not decrypt (another key, tampered or truncated data) throws
 *       {@link KeyDecryptionException}; nothing is ever guessed.</li>
 *   <li>The empty string stays empty.</li>
 * </ul>
 *
 * <h2>Without a key</h2>
 * {@link #none()} stores plaintext and refuses to "decrypt" an {@code enc:v1:} value (sending the
 * ciphertext upstream as a key would only produce confusing 401s).
 *
 * <h2>Cost and threads</h2>
 * Immutable and thread-safe. Each call builds its own {@link Cipher} (a few microseconds); keys are
 * decrypted once per cache miss, not per request. The nonces come from one shared
 * {@link SecureRandom}. With 96-bit random nonces a single key is good for about 2³² encryptions,
 * far more than projects will ever be saved.
 */
public final class ApiKeyCipher {

    /** Prefix of an encrypted value. */
    public static final String PREFIX = "enc:v1:";

    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ApiKeyCipher NONE = new ApiKeyCipher(null);

    private final SecretKeySpec key; // null: plaintext mode

    private ApiKeyCipher(SecretKeySpec key) {
        this.key = key;
    }

    /**
     * A cipher for {@code ENCRYPTION_KEY}: standard base64 of exactly 32 bytes, e.g. the output of
     * {@code openssl rand -base64 32}. Surrounding whitespace is ignored.
     *
     * @throws IllegalArgumentException naming {@code ENCRYPTION_KEY} and the expected form (never
     *                                  the value) when it is not base64 or not 32 bytes long
     */
    public static ApiKeyCipher fromBase64(String base64Key) {
        if (base64Key == null || base64Key.isBlank()) {
            throw new IllegalArgumentException(expectedForm("is empty"));
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64Key.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(expectedForm("is not valid base64"));
        }
        if (raw.length != KEY_BYTES) {
            throw new IllegalArgumentException(expectedForm("decodes to " + raw.length + " bytes"));
        }
        return new ApiKeyCipher(new SecretKeySpec(raw, "AES"));
    }

    /** Plaintext mode, for when no {@code ENCRYPTION_KEY} is configured. */
    public static ApiKeyCipher none() {
        return NONE;
    }

    /** Whether values are really encrypted (false for {@link #none()}). */
    public boolean isEnabled() {
        return key != null;
    }

    /** Whether {@code stored} is in the encrypted form (carries {@value #PREFIX}). */
    public static boolean isEncrypted(String stored) {
        return stored != null && stored.startsWith(PREFIX);
    }

    /** The stored form of {@code plaintext}: encrypted when enabled, else {@code plaintext} itself. */
    public String encrypt(String plaintext) {
        if (plaintext == null) {
            throw new NullPointerException("plaintext");
        }
        if (key == null || plaintext.isEmpty()) {
            return plaintext;
        }
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[NONCE_BYTES + sealed.length];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
            return PREFIX + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            // AES-GCM is mandatory in every JDK; reaching this means a broken runtime.
            throw new IllegalStateException("AES-256-GCM is not available in this JVM", e);
        }
    }

    /**
     * The plaintext of a stored value. Values without {@value #PREFIX} are legacy plaintext and come
     * back unchanged.
     *
     * @throws KeyDecryptionException when the value is encrypted and cannot be decrypted with this
     *                                key, or when this is {@link #none()}
     */
    public String decrypt(String stored) {
        if (stored == null) {
            throw new NullPointerException("stored");
        }
        if (!isEncrypted(stored)) {
            return stored;
        }
        if (key == null) {
            throw new KeyDecryptionException("the stored API key is encrypted but no ENCRYPTION_KEY is configured");
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(stored.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new KeyDecryptionException("the stored API key is corrupted (not base64 after " + PREFIX + ")");
        }
        if (raw.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new KeyDecryptionException("the stored API key is corrupted (too short)");
        }
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, raw, 0, NONCE_BYTES));
            byte[] plain = cipher.doFinal(raw, NONCE_BYTES, raw.length - NONCE_BYTES);
            return new String(plain, StandardCharsets.UTF_8);
        } catch (AEADBadTagException e) {
            throw new KeyDecryptionException("the stored API key cannot be decrypted: ENCRYPTION_KEY is not the key "
                    + "it was encrypted with, or the value was altered");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is not available in this JVM", e);
        }
    }

    private static String expectedForm(String problem) {
        return "ENCRYPTION_KEY " + problem + ": expected standard base64 of exactly " + KEY_BYTES
                + " random bytes (44 characters, e.g. the output of 'openssl rand -base64 32')";
    }

    @Override
    public String toString() {
        return key == null ? "ApiKeyCipher[none]" : "ApiKeyCipher[AES-256-GCM]";
    }
}
