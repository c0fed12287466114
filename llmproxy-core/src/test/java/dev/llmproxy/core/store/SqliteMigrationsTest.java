package dev.llmproxy.core.store;

class SqliteMigrationsTest extends MigrationsContract {

    @Override
    protected DatabaseExtension unmigratedBackend() {
        return new SqliteDatabase(false);
    }
}
