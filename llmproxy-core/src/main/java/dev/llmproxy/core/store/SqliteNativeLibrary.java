package dev.llmproxy.core.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.LibraryLoaderUtil;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;

/**
 * Keeps the SQLite driver's native library between starts instead of extracting it anew on
 * every one. Without it, sqlite-jdbc copies its ~1 MB library out of the jar into the temporary
 * directory under a random name at every start and compares the copy with the jar's byte by
 * byte (tens of ms of interpreted code), then deletes it at exit.
 *
 * <p>{@link #useCachedCopy()} keeps one copy per library content in a directory of its own,
 * {@code <java.io.tmpdir>/llm-proxy-<uid>} ({@code org.sqlite.tmpdir} when set), and points the
 * driver at it through {@code org.sqlite.lib.path} and {@code org.sqlite.lib.name}, which the
 * driver tries before extracting. What makes that safe in a shared temporary directory:
 * <ul>
 *   <li>the directory is used only when it is a real directory (not a link), owned by this
 *       process's user and closed to everyone else (mode {@code 0700}; it is created so);</li>
 *   <li>the copy's name carries the CRC-32 and size of the jar's library (as the jar's directory
 *       records them), and before every use the copy is read back and must have that size and
 *       CRC-32 (a truncated or stale copy is written again, through a temporary file and an
 *       atomic rename, so that starts running at the same moment never see a half-written one);</li>
 *   <li>on anything unexpected (no POSIX file system, no {@code /proc/self}, a foreign or open
 *       directory, an I/O error) it changes nothing and the driver extracts as it always did.</li>
 * </ul>
 * The check is a look into the jar's directory and a native CRC-32 over the mapped copy; in the
 * server, with its class archive, the SQLite step of a start went from 96-126 to 78-97 ms (most of
 * the rest is the driver's platform check, which spawns {@code uname}, and {@code System.load};
 * docs/performance.md#start-up). In a temporary directory without the sticky bit another user
 * could swap the directory between the check and the load, as they could swap the file the
 * driver extracts itself there.
 *
 * <p>It sets JVM-wide system properties, so it is for applications (the {@code llm-proxy} server
 * calls it), not something the library does to its host; {@code org.sqlite.lib.path} or
 * {@code org.sqlite.lib.name} given by the user are left alone. Call it before the driver loads.
 */
public final class SqliteNativeLibrary {

    static final String PATH_PROPERTY = "org.sqlite.lib.path";
    static final String NAME_PROPERTY = "org.sqlite.lib.name";
    private static final Logger log = LoggerFactory.getLogger(SqliteNativeLibrary.class);
    private static final int FILE_TYPE_MASK = 0170000;
    private static final int DIRECTORY_TYPE = 0040000;

    private SqliteNativeLibrary() {
    }

    /**
     * Points the SQLite driver at a verified cached copy of its native library, making the copy
     * when needed. Returns the copy, or {@code null} when it changed nothing (the driver then
     * extracts the library itself, as without this).
     */
    public static Path useCachedCopy() {
        if (System.getProperty(PATH_PROPERTY) != null || System.getProperty(NAME_PROPERTY) != null) {
            return null;
        }
        String tmp = System.getProperty("org.sqlite.tmpdir", System.getProperty("java.io.tmpdir"));
        if (tmp == null) {
            return null;
        }
        try {
            Path copy = cachedCopy(Path.of(tmp));
            if (copy != null) {
                // Name first: a driver reading the path afterwards then always sees both.
                System.setProperty(NAME_PROPERTY, copy.getFileName().toString());
                System.setProperty(PATH_PROPERTY, copy.getParent().toString());
            }
            return copy;
        } catch (IOException | RuntimeException e) {
            log.debug("no cached SQLite native library, the driver extracts it: {}", e.toString());
            return null;
        }
    }

    /** The verified copy in {@code tmp}'s private directory, written when missing or wrong; null if unsafe. */
    static Path cachedCopy(Path tmp) throws IOException {
        String name = LibraryLoaderUtil.getNativeLibName();
        URL resource = SQLiteJDBCLoader.class.getResource(LibraryLoaderUtil.getNativeLibResourcePath() + "/" + name);
        if (resource == null) {
            return null; // no library for this platform in the jar: the driver says so itself
        }
        // Size and CRC-32 as the jar's directory records them (no inflating); else from the bytes.
        byte[] library = null;
        long size;
        long crc;
        ZipEntry entry = jarEntry(resource);
        if (entry != null && entry.getSize() >= 0 && entry.getCrc() >= 0) {
            size = entry.getSize();
            crc = entry.getCrc();
        } else {
            library = read(resource);
            size = library.length;
            crc = crc32(library);
        }
        Path dir = privateDirectory(tmp);
        if (dir == null) {
            return null;
        }
        Path copy = dir.resolve("sqlite-jdbc-" + Long.toHexString(crc) + "-" + size + "-" + name);
        if (matches(copy, size, crc)) {
            return copy;
        }
        if (library == null) {
            library = read(resource);
            if (library.length != size || crc32(library) != crc) {
                return null; // the jar's directory and its content disagree: leave it to the driver
            }
        }
        Path part = dir.resolve(copy.getFileName() + "." + ProcessHandle.current().pid() + ".part");
        try {
            Files.write(part, library);
            Files.move(part, copy, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(part);
        }
        return matches(copy, size, crc) ? copy : null;
    }

    /** The entry behind a {@code jar:} URL, read from the jar's directory; null for other URLs. */
    private static ZipEntry jarEntry(URL resource) throws IOException {
        URLConnection connection = resource.openConnection();
        if (!(connection instanceof JarURLConnection jar)) {
            return null;
        }
        // Not the JDK's shared cache of open jars (it would keep this one open for good); the
        // class loader has the jar open already, so this reuses its parsed directory.
        jar.setUseCaches(false);
        try (JarFile file = jar.getJarFile()) {
            return file.getEntry(jar.getEntryName());
        }
    }

    private static byte[] read(URL resource) throws IOException {
        URLConnection connection = resource.openConnection();
        connection.setUseCaches(false);
        try (InputStream in = connection.getInputStream()) {
            return in.readAllBytes();
        }
    }

    /**
     * {@code tmp/llm-proxy-<uid>}, created with mode 0700 when missing; null unless it is a
     * directory (not a link) owned by this process's user with no permission for anyone else.
     */
    static Path privateDirectory(Path tmp) throws IOException {
        Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        Path dir = tmp.resolve("llm-proxy-" + uid);
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException | AccessDeniedException exists) {
            // checked below, as is one we just made (the umask can only take permissions away)
        }
        Map<String, Object> attributes = Files.readAttributes(dir, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) attributes.get("mode");
        boolean privateDir = (mode & FILE_TYPE_MASK) == DIRECTORY_TYPE && (mode & 077) == 0
                && uid.equals(attributes.get("uid"));
        if (!privateDir) {
            log.debug("{} is not a directory of this user's alone (uid {}, mode {}); not caching the SQLite library there",
                    dir, attributes.get("uid"), Integer.toOctalString(mode));
            return null;
        }
        return dir;
    }

    private static boolean matches(Path copy, long size, long crc) throws IOException {
        if (!Files.isRegularFile(copy, LinkOption.NOFOLLOW_LINKS) || Files.size(copy) != size) {
            return false;
        }
        // Mapped, so the CRC runs natively over the file's pages without copying them to the heap.
        try (FileChannel channel = FileChannel.open(copy, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            CRC32 c = new CRC32();
            c.update(channel.map(FileChannel.MapMode.READ_ONLY, 0, size));
            return c.getValue() == crc;
        }
    }

    private static long crc32(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length);
        return crc.getValue();
    }
}
