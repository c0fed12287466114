package dev.llmproxy.core.store;

import dev.llmproxy.core.auth.TokenRecord;
import dev.llmproxy.core.auth.WitheringTokens;
import dev.llmproxy.core.project.ApiKeyCipher;
import dev.llmproxy.core.project.KeyDecryptionException;
import dev.llmproxy.core.project.NewProject;
import dev.llmproxy.core.project.Project;
import dev.llmproxy.core.project.ProjectStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What ends up in the SQLite files: secrets must not, in any of the database's files. */
class SqliteEncryptionAtRestTest {

    private static final String KEY_A = "sk-proj-PLAINTEXTMARKERaaaaaaaaaaaaaaaaaaaaaaaa";
    private static final String KEY_B = "sk-proj-PLAINTEXTMARKERbbbbbbbbbbbbbbbbbbbbbbbb";
    private static final ApiKeyCipher CIPHER = DatabaseExtension.TEST_CIPHER;

    @TempDir
    Path dir;
    private Database db;

    @BeforeEach
    void open() {
        db = Database.open(DatabaseConfig.sqlite(dir.resolve("llm-proxy.db")));
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void withACipher_theKeyIsNotInTheFilesInPlaintext_butReadsBack() throws Exception {
        ProjectStore store = new JdbcProjectStore(db, CIPHER);

        Project p = store.create(new NewProject("encrypted", KEY_A));

        assertThat(filesContain(KEY_A)).isFalse();
        assertThat(storedKey(p.id())).startsWith("enc:v1:");
        assertThat(store.get(p.id()).orElseThrow().apiKey()).isEqualTo(KEY_A);
    }

    @Test
    void withoutACipher_theKeyIsInTheFiles_soTheCheckAboveCanSeeIt() throws Exception {
        new JdbcProjectStore(db, ApiKeyCipher.none()).create(new NewProject("plain", KEY_A));

        assertThat(filesContain(KEY_A)).isTrue();
    }

    @Test
    void tokens_areStoredOnlyAsHashes() throws Exception {
        Project p = new JdbcProjectStore(db, CIPHER).create(new NewProject("p", KEY_A));
        String token = WitheringTokens.generate();

        new JdbcTokenStore(db).create(TokenRecord.issue(WitheringTokens.hash(token), p.id(), Instant.now(), null, null, null));

        assertThat(filesContain(token)).isFalse();
        assertThat(filesContain(WitheringTokens.hash(token))).isTrue();
    }

    @Test
    void encryptPlaintextKeys_convertsLegacyRows_once_andLeavesNoPlaintextBehind() throws Exception {
        ProjectStore legacy = new JdbcProjectStore(db, ApiKeyCipher.none());
        Project a = legacy.create(new NewProject("a", KEY_A));
        Project b = legacy.create(new NewProject("b", KEY_B));
        ProjectStore encrypted = new JdbcProjectStore(db, CIPHER);
        Project c = encrypted.create(new NewProject("c", "sk-already-encrypted-0123456789"));
        String cStored = storedKey(c.id());
        assertThat(encrypted.get(a.id()).orElseThrow().apiKey()).as("legacy rows read through the cipher")
                .isEqualTo(KEY_A);

        int converted = encrypted.encryptPlaintextKeys(CIPHER);

        assertThat(converted).isEqualTo(2);
        assertThat(encrypted.encryptPlaintextKeys(CIPHER)).as("idempotent").isZero();
        assertThat(storedKey(a.id())).startsWith("enc:v1:");
        assertThat(storedKey(c.id())).as("already encrypted rows untouched").isEqualTo(cStored);
        assertThat(encrypted.get(a.id()).orElseThrow().apiKey()).isEqualTo(KEY_A);
        assertThat(encrypted.get(b.id()).orElseThrow().apiKey()).isEqualTo(KEY_B);
        assertThat(filesContain("PLAINTEXTMARKER")).as("no plaintext left in pages or WAL").isFalse();
        assertThatThrownBy(() -> legacy.get(a.id())).as("reading encrypted rows without the key")
                .isInstanceOf(KeyDecryptionException.class)
                .hasMessageContaining("no ENCRYPTION_KEY");
    }

    @Test
    void wrongKey_failsClearly() {
        Project p = new JdbcProjectStore(db, CIPHER).create(new NewProject("p", KEY_A));
        ProjectStore wrong = new JdbcProjectStore(db,
                ApiKeyCipher.fromBase64("ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="));

        assertThatThrownBy(() -> wrong.get(p.id()))
                .isInstanceOf(KeyDecryptionException.class)
                .hasMessageContaining("ENCRYPTION_KEY is not the key it was encrypted with");
    }

    private String storedKey(String id) throws Exception {
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT api_key FROM projects WHERE id = '" + id + "'")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Whether the database file, its WAL or its shared-memory file contain {@code text}. */
    private boolean filesContain(String text) throws IOException {
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                if (indexOf(Files.readAllBytes(f), needle) >= 0) {
                    return true;
                }
            }
        }
        return false;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
