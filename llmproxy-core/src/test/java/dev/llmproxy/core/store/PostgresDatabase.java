package dev.llmproxy.core.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;

/** A PostgreSQL schema of its own per test class, dropped afterwards; see {@link TestPostgres}. */
public class PostgresDatabase extends DatabaseExtension {

    private final boolean migrate;
    private String serverUrl;
    private String schema;

    public PostgresDatabase() {
        this(true);
    }

    public PostgresDatabase(boolean migrate) {
        this.migrate = migrate;
    }

    @Override
    protected boolean migrate() {
        return migrate;
    }

    @Override
    protected Database open(boolean migrate) throws Exception {
        serverUrl = TestPostgres.url();
        schema = "llmproxy_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = DriverManager.getConnection(serverUrl); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        return Database.open(DatabaseConfig.builder().driver(DatabaseDriver.POSTGRES)
                .postgresUrl(TestPostgres.withParam(serverUrl, "currentSchema", schema))
                .migrateOnOpen(migrate).build());
    }

    /** The schema this class's tables live in. */
    public String schema() {
        return schema;
    }

    @Override
    protected void cleanUp() throws Exception {
        if (schema != null) {
            try (Connection c = DriverManager.getConnection(serverUrl); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }
}
