package dev.llmproxy.core.store;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.LibraryLoaderUtil;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The cached copy of the SQLite driver's native library: where it goes, when it is used, when not. */
class SqliteNativeLibraryTest {

    @TempDir
    Path tmp;

    private byte[] library;

    @BeforeEach
    void needsLinux() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs /proc/self (Linux)");
        try (InputStream in = SQLiteJDBCLoader.class.getResourceAsStream(
                LibraryLoaderUtil.getNativeLibResourcePath() + "/" + LibraryLoaderUtil.getNativeLibName())) {
            assumeTrue(in != null, "no SQLite native library for this platform");
            library = in.readAllBytes();
        }
    }

    private Path privateDir() throws Exception {
        return tmp.resolve("llm-proxy-" + Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    }

    @Test
    void firstUseWritesTheLibraryIntoAPrivateDirectory_laterUsesReuseIt() throws Exception {
        Path copy = SqliteNativeLibrary.cachedCopy(tmp);

        assertThat(copy).isNotNull().hasParent(privateDir()).hasBinaryContent(library);
        assertThat(copy.getFileName().toString()).endsWith("-" + library.length + "-"
                + LibraryLoaderUtil.getNativeLibName());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(privateDir()))).isEqualTo("rwx------");
        assertThat(listing(privateDir())).containsExactly(copy); // no temporary file left behind

        FileTime written = FileTime.fromMillis(1_000_000L);
        Files.setLastModifiedTime(copy, written);
        assertThat(SqliteNativeLibrary.cachedCopy(tmp)).isEqualTo(copy);
        assertThat(Files.getLastModifiedTime(copy)).as("not written again").isEqualTo(written);
    }

    @Test
    void aDamagedCopyIsWrittenAgain() throws Exception {
        Path copy = SqliteNativeLibrary.cachedCopy(tmp);
        byte[] damaged = library.clone();
        damaged[damaged.length / 2] ^= 1; // same size, other content
        Files.write(copy, damaged);
        assertThat(SqliteNativeLibrary.cachedCopy(tmp)).isEqualTo(copy);
        assertThat(copy).hasBinaryContent(library);

        Files.write(copy, new byte[10]); // truncated
        assertThat(SqliteNativeLibrary.cachedCopy(tmp)).isEqualTo(copy);
        assertThat(copy).hasBinaryContent(library);
    }

    @Test
    void aDirectoryOthersMayWriteIsNotUsed() throws Exception {
        Files.createDirectory(privateDir());
        Files.setPosixFilePermissions(privateDir(), PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThat(SqliteNativeLibrary.cachedCopy(tmp)).isNull();
        assertThat(listing(privateDir())).isEmpty();

        Files.setPosixFilePermissions(privateDir(), PosixFilePermissions.fromString("rwxr-x---"));
        assertThat(SqliteNativeLibrary.cachedCopy(tmp)).isNull();
    }

    @Test
    void aLinkInPlaceOfTheDirectoryIsNotFollowed() throws Exception {
        Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.createSymbolicLink(privateDir(), elsewhere);
        assertThat(SqliteNativeLibrary.cachedCopy(tmp)).isNull();
        assertThat(listing(elsewhere)).isEmpty();
    }

    @Test
    void aFileInPlaceOfTheDirectoryIsNotUsed() throws Exception {
        Files.writeString(privateDir(), "not a directory");
        assertThat(SqliteNativeLibrary.cachedCopy(tmp)).isNull();
    }

    @Test
    void pointsTheDriverAtTheCopy_unlessTheUserAlreadyChoseALibrary() throws Exception {
        String[] keys = {SqliteNativeLibrary.PATH_PROPERTY, SqliteNativeLibrary.NAME_PROPERTY, "org.sqlite.tmpdir"};
        String[] saved = new String[keys.length];
        for (int i = 0; i < keys.length; i++) {
            saved[i] = System.getProperty(keys[i]);
        }
        try {
            System.clearProperty(SqliteNativeLibrary.PATH_PROPERTY);
            System.clearProperty(SqliteNativeLibrary.NAME_PROPERTY);
            System.setProperty("org.sqlite.tmpdir", tmp.toString());
            Path copy = SqliteNativeLibrary.useCachedCopy();
            assertThat(copy).isNotNull().hasParent(privateDir());
            assertThat(System.getProperty(SqliteNativeLibrary.PATH_PROPERTY)).isEqualTo(privateDir().toString());
            assertThat(System.getProperty(SqliteNativeLibrary.NAME_PROPERTY)).isEqualTo(copy.getFileName().toString());

            System.setProperty(SqliteNativeLibrary.PATH_PROPERTY, "/opt/mine");
            System.clearProperty(SqliteNativeLibrary.NAME_PROPERTY);
            assertThat(SqliteNativeLibrary.useCachedCopy()).isNull();
            assertThat(System.getProperty(SqliteNativeLibrary.PATH_PROPERTY)).isEqualTo("/opt/mine");
            assertThat(System.getProperty(SqliteNativeLibrary.NAME_PROPERTY)).isNull();
        } finally {
            for (int i = 0; i < keys.length; i++) {
                if (saved[i] == null) {
                    System.clearProperty(keys[i]);
                } else {
                    System.setProperty(keys[i], saved[i]);
                }
            }
        }
    }

    private static List<Path> listing(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }
}
