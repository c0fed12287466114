package dev.llmproxy.core.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A migration script and its identity. Scripts live under {@code db/migration/<dialect>/} on the
 * class path; {@code index.txt} there lists their file names in order (class path directories
 * cannot be listed portably inside a jar; a test checks the index against the directory).
 */
record MigrationScript(int version, String description, String fileName, String sql, String checksum) {

    private static final Pattern FILE_NAME = Pattern.compile("V([1-9][0-9]*)__([A-Za-z0-9_]+)\\.sql");

    Migration migration() {
        return new Migration(version, description, checksum);
    }

    /** A script from its file name and text. */
    static MigrationScript of(String fileName, String text) {
        Matcher m = FILE_NAME.matcher(fileName);
        if (!m.matches()) {
            throw new MigrationException("migration file name '" + fileName
                    + "' does not have the form V<version>__<description>.sql");
        }
        // Normalised so a checkout with CRLF line endings does not look like an edited migration.
        String sql = text.replace("\uFEFF", "").replace("\r\n", "\n");
        return new MigrationScript(Integer.parseInt(m.group(1)), m.group(2).replace('_', ' '), fileName, sql,
                sha256(sql));
    }

    /** The scripts shipped for {@code dialect}, in version order. */
    static List<MigrationScript> load(SqlDialect dialect) {
        String dir = "db/migration/" + dialect.resourceDir() + "/";
        List<MigrationScript> scripts = new ArrayList<>();
        for (String line : read(dir + "index.txt").split("\n")) {
            String name = line.strip();
            if (!name.isEmpty() && !name.startsWith("#")) {
                scripts.add(of(name, read(dir + name)));
            }
        }
        checkSequence(scripts);
        return List.copyOf(scripts);
    }

    /** Versions must run 1, 2, 3, … without gaps, so "applied up to N" is unambiguous. */
    static void checkSequence(List<MigrationScript> scripts) {
        for (int i = 0; i < scripts.size(); i++) {
            if (scripts.get(i).version() != i + 1) {
                throw new MigrationException("migration " + scripts.get(i).fileName() + " should have version "
                        + (i + 1) + ": versions must run 1, 2, 3, … in index order");
            }
        }
    }

    private static String read(String resource) {
        try (InputStream in = MigrationScript.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new MigrationException("migration resource " + resource + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new MigrationException("cannot read migration resource " + resource, e);
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JVM", e);
        }
    }
}
