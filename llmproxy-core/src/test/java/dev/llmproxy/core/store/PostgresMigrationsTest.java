package dev.llmproxy.core.store;

class PostgresMigrationsTest extends MigrationsContract {

    @Override
    protected DatabaseExtension unmigratedBackend() {
        return new PostgresDatabase(false);
    }
}
