package dev.llmproxy.core.store;

/**
 * The database's schema history does not fit this build: an applied migration's script was edited
 * afterwards, the database was migrated by a newer build, or a migration failed. Start-up stops,
 * because running on a schema that differs from what the code expects corrupts data quietly.
 */
public final class MigrationException extends StoreException {

    private static final long serialVersionUID = 1L;

    public MigrationException(String message) {
        super(message);
    }

    public MigrationException(String message, Throwable cause) {
        super(message, cause);
    }
}
