package dev.llmproxy.core.store;

/**
 * One schema migration shipped with this build.
 *
 * @param version     1, 2, 3, … (from the file name {@code V<version>__<description>.sql})
 * @param description the file name's description, underscores shown as spaces
 * @param checksum    SHA-256 of the script (line endings normalised), recorded when applied
 */
public record Migration(int version, String description, String checksum) {
}
