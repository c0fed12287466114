package dev.llmproxy.core.store;

import java.util.Locale;

/** The database products the JDBC stores support ({@code DB_DRIVER}). */
public enum DatabaseDriver {
    /** A local file; the embedded default. */
    SQLITE("sqlite"),
    /** A PostgreSQL server, shared by several proxy instances. */
    POSTGRES("postgres");

    private final String configName;

    DatabaseDriver(String configName) {
        this.configName = configName;
    }

    /** The name used in configuration: {@code sqlite} or {@code postgres}. */
    public String configName() {
        return configName;
    }

    /**
     * The driver named by {@code DB_DRIVER}: {@code sqlite}, {@code postgres} or {@code postgresql},
     * in any case.
     *
     * @throws IllegalArgumentException naming {@code DB_DRIVER} and the accepted values
     */
    public static DatabaseDriver fromConfigName(String name) {
        String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "sqlite", "sqlite3" -> SQLITE;
            case "postgres", "postgresql" -> POSTGRES;
            default -> throw new IllegalArgumentException(
                    "DB_DRIVER must be sqlite or postgres, got '" + (name == null ? "" : name) + "'");
        };
    }
}
