package dev.llmproxy.core.manage;

import dev.llmproxy.core.store.MutableClock;
import dev.llmproxy.core.store.SqliteDatabase;
import dev.llmproxy.core.store.Stores;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.List;

/** The management API over the JDBC stores on SQLite (keys encrypted with a test ENCRYPTION_KEY). */
class SqliteManagementApiTest extends ManagementApiContract {

    @RegisterExtension
    static final SqliteDatabase DB = new SqliteDatabase();

    @Override
    protected Stores openStores(MutableClock clock) {
        return DB.stores(clock);
    }

    @Override
    protected List<Path> dataFiles() {
        Path db = DB.file();
        return List.of(db, Path.of(db + "-wal"), Path.of(db + "-shm"));
    }

    /** Guards the runner itself: the inherited contract must really run on this backend. */
    @org.junit.jupiter.api.Test
    void runner_usesTheBackendItIsNamedFor() {
        Stores stores = openStores(MutableClock.atSomeInstant());
        org.assertj.core.api.Assertions.assertThat(stores.projects()).isInstanceOf(dev.llmproxy.core.store.JdbcProjectStore.class);
        org.assertj.core.api.Assertions.assertThat(stores.tokens()).isInstanceOf(dev.llmproxy.core.store.JdbcTokenStore.class);
    }
}
