package dev.llmproxy.core.project;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApiKeyCipherTest {

    private static final byte[] RAW_KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final String KEY = Base64.getEncoder().encodeToString(RAW_KEY);
    private final ApiKeyCipher cipher = ApiKeyCipher.fromBase64(KEY);

    @Test
    void encrypt_thenDecrypt_roundTrips_withTheDocumentedFormat() {
        String stored = cipher.encrypt("sk-proj-secret-value");

        assertThat(stored).startsWith("enc:v1:").doesNotContain("secret");
        byte[] raw = Base64.getDecoder().decode(stored.substring("enc:v1:".length()));
        assertThat(raw).hasSize(12 + "sk-proj-secret-value".length() + 16);
        assertThat(cipher.decrypt(stored)).isEqualTo("sk-proj-secret-value");
        assertThat(cipher.isEnabled()).isTrue();
    }

    @Test
    void encrypt_usesAFreshNoncePerValue() {
        assertThat(cipher.encrypt("same")).isNotEqualTo(cipher.encrypt("same"));
    }

    @Test
    void decrypt_readsValuesEncryptedTheWayTheGoProxyDid() throws Exception {
        // AES-256-GCM, 12-byte nonce, no AAD, base64(nonce || ciphertext || tag), built by hand.
        byte[] nonce = new byte[12];
        nonce[0] = 7;
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(RAW_KEY, "AES"), new GCMParameterSpec(128, nonce));
        byte[] sealed = c.doFinal("sk-from-go".getBytes(StandardCharsets.UTF_8));
        byte[] out = new byte[12 + sealed.length];
        System.arraycopy(nonce, 0, out, 0, 12);
        System.arraycopy(sealed, 0, out, 12, sealed.length);

        assertThat(cipher.decrypt("enc:v1:" + Base64.getEncoder().encodeToString(out))).isEqualTo("sk-from-go");
    }

    @Test
    void decrypt_leavesLegacyPlaintextUnchanged() {
        assertThat(cipher.decrypt("sk-legacy-plaintext")).isEqualTo("sk-legacy-plaintext");
        assertThat(ApiKeyCipher.none().decrypt("sk-legacy-plaintext")).isEqualTo("sk-legacy-plaintext");
    }

    @Test
    void decrypt_tamperedValue_failsClearly() {
        String stored = cipher.encrypt("sk-proj-secret-value");
        byte[] raw = Base64.getDecoder().decode(stored.substring(7));
        raw[raw.length - 20] ^= 1;
        String tampered = "enc:v1:" + Base64.getEncoder().encodeToString(raw);

        assertThatThrownBy(() -> cipher.decrypt(tampered))
                .isInstanceOf(KeyDecryptionException.class)
                .hasMessageContaining("cannot be decrypted");
    }

    @Test
    void decrypt_withAnotherKey_failsClearly() {
        String stored = cipher.encrypt("sk-proj-secret-value");
        ApiKeyCipher other = ApiKeyCipher.fromBase64(Base64.getEncoder().encodeToString(new byte[32]));

        assertThatThrownBy(() -> other.decrypt(stored))
                .isInstanceOf(KeyDecryptionException.class)
                .hasMessageContaining("ENCRYPTION_KEY is not the key it was encrypted with");
    }

    @ParameterizedTest
    @ValueSource(strings = {"enc:v1:", "enc:v1:AAAA", "enc:v1:not base64!"})
    void decrypt_truncatedOrGarbage_failsClearly(String stored) {
        assertThatThrownBy(() -> cipher.decrypt(stored))
                .isInstanceOf(KeyDecryptionException.class)
                .hasMessageContaining("corrupted");
    }

    @Test
    void none_storesPlaintext_andRefusesEncryptedValues() {
        ApiKeyCipher none = ApiKeyCipher.none();

        assertThat(none.isEnabled()).isFalse();
        assertThat(none.encrypt("sk-plain")).isEqualTo("sk-plain");
        assertThatThrownBy(() -> none.decrypt(cipher.encrypt("sk-plain")))
                .isInstanceOf(KeyDecryptionException.class)
                .hasMessageContaining("no ENCRYPTION_KEY is configured");
    }

    @Test
    void emptyString_staysEmpty() {
        assertThat(cipher.encrypt("")).isEmpty();
        assertThat(cipher.decrypt("")).isEmpty();
    }

    @Test
    void key_canCarrySurroundingWhitespace_orOmitPadding() {
        String stored = cipher.encrypt("x");

        assertThat(ApiKeyCipher.fromBase64("  " + KEY + "\n").decrypt(stored)).isEqualTo("x");
        assertThat(ApiKeyCipher.fromBase64(KEY.replace("=", "")).decrypt(stored)).isEqualTo("x");
    }

    @Test
    void key_ofTheWrongLength_isRefusedNamingTheVariableAndTheForm() {
        String sixteen = Base64.getEncoder().encodeToString(new byte[16]);

        assertThatThrownBy(() -> ApiKeyCipher.fromBase64(sixteen))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("ENCRYPTION_KEY decodes to 16 bytes: expected standard base64 of exactly 32")
                .hasMessageContaining("openssl rand -base64 32")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(sixteen));
    }

    @ParameterizedTest
    @ValueSource(strings = {"not*base64", "", "   "})
    void key_thatIsNotBase64_isRefused(String value) {
        assertThatThrownBy(() -> ApiKeyCipher.fromBase64(value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("ENCRYPTION_KEY ");
    }

    @Test
    void toString_neverShowsTheKey() {
        assertThat(cipher.toString()).isEqualTo("ApiKeyCipher[AES-256-GCM]");
        assertThat(ApiKeyCipher.none().toString()).isEqualTo("ApiKeyCipher[none]");
    }
}
