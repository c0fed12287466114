package dev.llmproxy.core.capture;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Channels;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

/**
 * Naming, listing, repairing and compressing capture files. Names sort in creation order:
 * {@code capture-20261122T195512.345Z-p4242-000001.jsonl} (UTC time, process id, sequence), and
 * {@code .jsonl.gz} once compressed. Used by the writer thread only.
 */
final class CaptureFiles {

    static final String PREFIX = "capture-";
    static final String SUFFIX = ".jsonl";
    static final String GZ_SUFFIX = ".jsonl.gz";

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final long PID = ProcessHandle.current().pid();

    /** Captures hold prompts and answers: on POSIX systems only the owner may read them. */
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private CaptureFiles() {
    }

    /** Creates {@code dir} (and parents) when missing; a directory it creates is owner-only ({@code rwx------}). */
    static void createDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        if (POSIX) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(dir);
        }
    }

    /** Creates a new capture file, owner read/write only ({@code rw-------}) on POSIX systems. */
    static FileChannel createFile(Path file) throws IOException {
        Set<StandardOpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return POSIX ? FileChannel.open(file, options, ownerReadWrite()) : FileChannel.open(file, options);
    }

    private static FileAttribute<Set<PosixFilePermission>> ownerReadWrite() {
        return PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    }

    static Path newFileName(Path dir, Instant now, int sequence) {
        return dir.resolve(PREFIX + STAMP.format(now) + "-p" + PID + "-" + String.format("%06d", sequence) + SUFFIX);
    }

    static boolean isCaptureFile(Path p) {
        String name = p.getFileName().toString();
        return name.startsWith(PREFIX) && (name.endsWith(SUFFIX) || name.endsWith(GZ_SUFFIX));
    }

    /** Capture files in {@code dir}, oldest first (names sort by creation time). */
    static List<Path> list(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                if (isCaptureFile(p) && Files.isRegularFile(p)) {
                    files.add(p);
                }
            }
        }
        files.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        return files;
    }

    /**
     * Cuts a file back to its last complete line: after a crash or a full disk the last line may
     * be partial, and a capture file must contain only whole JSON objects.
     *
     * @return bytes removed
     */
    static long repairTail(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            if (size == 0) {
                return 0;
            }
            ByteBuffer one = ByteBuffer.allocate(8192);
            long end = size;
            while (end > 0) {
                int n = (int) Math.min(one.capacity(), end);
                one.clear().limit(n);
                ch.read(one, end - n);
                for (int i = n - 1; i >= 0; i--) {
                    if (one.get(i) == '\n') {
                        long keep = end - n + i + 1;
                        if (keep < size) {
                            ch.truncate(keep);
                        }
                        return size - keep;
                    }
                }
                end -= n;
            }
            ch.truncate(0);
            return size;
        }
    }

    /** Gzips {@code file} to {@code <name>.gz} (via a temporary name, so no half file is ever listed) and deletes it. */
    static Path compress(Path file) throws IOException {
        String name = file.getFileName().toString();
        Path target = file.resolveSibling(name.substring(0, name.length() - SUFFIX.length()) + GZ_SUFFIX);
        Path tmp = file.resolveSibling("." + name + ".gz.tmp");
        try (InputStream in = Files.newInputStream(file);
             OutputStream out = new GZIPOutputStream(Channels.newOutputStream(createFile(tmp)), 64 * 1024)) {
            in.transferTo(out);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        Files.delete(file);
        return target;
    }
}
