package dev.llmproxy.core.store;

class SqliteMigrationsTest extends MigrationsContract {

    @Override
    protected DatabaseExtension unmigratedBackend() {
        return new SqliteDatabase(false);
    }

    /** Guards the runner itself: the inherited contract must really run on this backend. */
    @org.junit.jupiter.api.Test
    void runner_usesTheBackendItIsNamedFor() {
        org.assertj.core.api.Assertions.assertThat(db.driver()).isEqualTo(DatabaseDriver.SQLITE);
    }
}
