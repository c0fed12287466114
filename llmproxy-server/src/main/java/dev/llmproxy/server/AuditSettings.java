package dev.llmproxy.server;

import java.nio.file.Path;

/**
 * Where the audit log goes ({@code AUDIT_*}).
 *
 * @param enabled   {@code AUDIT_ENABLED}; false records nothing anywhere
 * @param file      {@code AUDIT_LOG_FILE}: JSON-lines file, or null for none ({@code off})
 * @param storeInDb {@code AUDIT_STORE_IN_DB}: also insert rows into {@code audit_events}, which
 *                  {@code GET /manage/audit} reads
 * @param createDir {@code AUDIT_CREATE_DIR}: create the file's directory when missing
 */
record AuditSettings(boolean enabled, Path file, boolean storeInDb, boolean createDir) {

    static final Path DEFAULT_FILE = Path.of("./data/audit.log");

    /** Everything on, file at {@code ./data/audit.log}. */
    static final AuditSettings DEFAULTS = new AuditSettings(true, DEFAULT_FILE, true, true);

    /** The value of {@code AUDIT_LOG_FILE} that means "no file" (a blank value means "default"). */
    static final String NO_FILE = "off";
}
