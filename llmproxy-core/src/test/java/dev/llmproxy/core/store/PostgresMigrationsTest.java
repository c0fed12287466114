package dev.llmproxy.core.store;

class PostgresMigrationsTest extends MigrationsContract {

    @Override
    protected DatabaseExtension unmigratedBackend() {
        return new PostgresDatabase(false);
    }

    /** Guards the runner itself: the inherited contract must really run on this backend. */
    @org.junit.jupiter.api.Test
    void runner_usesTheBackendItIsNamedFor() {
        org.assertj.core.api.Assertions.assertThat(db.driver()).isEqualTo(DatabaseDriver.POSTGRES);
    }
}
