package dev.llmproxy.core;

import dev.llmproxy.core.auth.TokenRecord;
import dev.llmproxy.core.auth.TokenService;
import dev.llmproxy.core.auth.WitheringTokens;
import dev.llmproxy.core.project.NewProject;
import dev.llmproxy.core.project.Project;
import dev.llmproxy.core.ratelimit.LocalRateLimiter;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.core.store.Database;
import dev.llmproxy.core.store.DatabaseConfig;
import dev.llmproxy.core.store.DatabaseExtension;
import dev.llmproxy.core.store.DatabaseDriver;
import dev.llmproxy.core.store.JdbcProjectStore;
import dev.llmproxy.core.store.JdbcTokenStore;
import dev.llmproxy.testing.MockOpenAiUpstream;
import dev.llmproxy.testing.RawHttp;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PostgreSQL stopped and started again under a running proxy (an embedded server of the test's
 * own, never the shared one): tokens already cached keep working during the outage, a token not
 * yet cached gets 503 {@code service_unavailable} (not a cached "unknown token"), and once the
 * database is back the same token works without a restart.
 */
class PostgresOutageTest {

    @TempDir
    Path dir;

    private static EmbeddedPostgres startPostgres(Path data, int port) {
        try {
            return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port)
                    .setRegisterShutdownHook(true).start();
        } catch (Exception | Error e) {
            Assumptions.abort("embedded PostgreSQL cannot start here (it refuses to run as root where zonky cannot"
                    + " drop privileges): " + e);
            throw new AssertionError("unreachable");
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static int call(LlmProxy proxy, String token) {
        String body = "{\"model\":\"gpt-4o\",\"messages\":[]}";
        try (RawHttp http = RawHttp.connect(proxy.localAddress().getPort())) {
            RawHttp.Response r = http.send("POST /v1/chat/completions HTTP/1.1\r\nHost: p\r\nAuthorization: Bearer "
                    + token + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n"
                    + body).read();
            if (r.status() == 503) {
                assertThat(HostileFixture.json(r.body()).at("/error/code").asText()).isEqualTo("service_unavailable");
            }
            return r.status();
        }
    }

    @Test
    void databaseRestart_cachedTokensKeepWorking_newLookups503ThenRecover() throws Exception {
        int port = freePort();
        Path data = dir.resolve("pgdata");
        EmbeddedPostgres pg = startPostgres(data, port);
        ExecutorService blocking = Executors.newFixedThreadPool(4);
        Database database = null;
        TokenService tokens = null;
        LlmProxy proxy = null;
        try (MockOpenAiUpstream upstream = MockOpenAiUpstream.start()) {
            database = Database.open(DatabaseConfig.builder().driver(DatabaseDriver.POSTGRES)
                    .postgresUrl(pg.getJdbcUrl("postgres", "postgres")).connectionTimeout(Duration.ofSeconds(1))
                    .build());
            JdbcProjectStore projects = new JdbcProjectStore(database, DatabaseExtension.TEST_CIPHER, Clock.systemUTC());
            JdbcTokenStore tokenStore = new JdbcTokenStore(database, Clock.systemUTC());
            tokens = new TokenService(tokenStore, projects, blocking, new LocalRateLimiter(),
                    TokenService.Settings.DEFAULTS, Clock.systemUTC(), null);
            proxy = LlmProxy.builder().listen("127.0.0.1", 0).provider(ProviderConfig.openAi(upstream.baseUri()))
                    .tokenService(tokens).build().start();
            Project project = projects.create(new NewProject("outage", "sk-outage-upstream"));
            String cached = WitheringTokens.generate();
            String uncached = WitheringTokens.generate();
            for (String t : new String[] {cached, uncached}) {
                tokenStore.create(TokenRecord.issue(WitheringTokens.hash(t), project.id(), Instant.now(),
                        Instant.now().plus(Duration.ofHours(1)), null, null));
            }
            assertThat(call(proxy, cached)).isEqualTo(200); // now in the token cache

            pg.close(); // PostgreSQL down
            for (int i = 0; i < 5; i++) {
                assertThat(call(proxy, cached)).as("cached token during the outage").isEqualTo(200);
            }
            assertThat(call(proxy, uncached)).as("token not yet cached during the outage").isEqualTo(503);

            pg = startPostgres(data, port); // back, same data
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            int status = 0;
            while (status != 200 && System.nanoTime() < deadline) {
                status = call(proxy, uncached);
                if (status != 200) {
                    assertThat(status).as("while the pool reconnects").isEqualTo(503);
                    Thread.sleep(200);
                }
            }
            assertThat(status).as("the uncached token works once the database is back").isEqualTo(200);
            assertThat(call(proxy, cached)).isEqualTo(200);
        } finally {
            if (proxy != null) {
                proxy.close();
            }
            if (tokens != null) {
                tokens.close();
            }
            if (database != null) {
                database.close();
            }
            blocking.shutdownNow();
            pg.close();
        }
    }
}
