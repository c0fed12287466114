package dev.llmproxy.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.core.audit.AuditLogger;
import dev.llmproxy.core.auth.TokenFilter;
import dev.llmproxy.core.auth.TokenRecord;
import dev.llmproxy.core.auth.TokenService;
import dev.llmproxy.core.auth.TokenStore;
import dev.llmproxy.core.auth.TokenUpdate;
import dev.llmproxy.core.auth.WitheringTokens;
import dev.llmproxy.core.manage.ManagementApi;
import dev.llmproxy.core.project.NewProject;
import dev.llmproxy.core.project.Project;
import dev.llmproxy.core.ratelimit.LocalRateLimiter;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.core.store.Database;
import dev.llmproxy.core.store.MutableClock;
import dev.llmproxy.core.store.Page;
import dev.llmproxy.core.store.PageRequest;
import dev.llmproxy.core.store.Stores;
import dev.llmproxy.testing.MockOpenAiUpstream;
import dev.llmproxy.testing.RawHttp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole request path as a server on a free loopback port: the proxy with a token service on
 * real SQLite stores (the token store wrapped to count lookups), the management API, a file and
 * DB audit log, a provider with a parameter whitelist and an Origin allowlist, in front of a
 * {@link MockOpenAiUpstream}. For the hostile-input and pipelining tests.
 */
final class HostileFixture implements AutoCloseable {

    static final String MANAGEMENT_TOKEN = "hostile-management-token-2f9c41d7";
    static final String ALLOWED_ORIGIN = "https://app.example";
    static final ObjectMapper JSON = new ObjectMapper();

    final Database database;
    final MockOpenAiUpstream upstream = MockOpenAiUpstream.start();
    final CountingTokenStore tokenStore;
    final Stores stores;
    final ThreadPoolExecutor blocking = new ThreadPoolExecutor(4, 4, 1, TimeUnit.MINUTES,
            new ArrayBlockingQueue<>(1000));
    final TokenService tokens;
    final AuditLogger audit;
    final LlmProxy proxy;
    final Project project;
    final String token;

    HostileFixture(Database database, Stores stores, MutableClock clock, Path dir,
                   java.util.function.UnaryOperator<LlmProxy.Builder> customize) throws IOException {
        this.database = database;
        this.tokenStore = new CountingTokenStore(stores.tokens());
        this.stores = new Stores(stores.projects(), tokenStore, stores.audit());
        this.tokens = new TokenService(tokenStore, stores.projects(), blocking, new LocalRateLimiter(),
                TokenService.Settings.DEFAULTS, clock, null);
        this.audit = new AuditLogger(dir.resolve("audit.log"), true, stores.audit(), 1000);
        ManagementApi api = ManagementApi.builder().projects(stores.projects()).tokens(tokenStore)
                .auditStore(stores.audit()).auditLogger(audit).tokenService(tokens)
                .managementToken(MANAGEMENT_TOKEN).executor(blocking).clock(clock).build();
        ProviderConfig openAi = ProviderConfig.openAi(upstream.baseUri());
        // A whitelist makes the proxy parse every JSON body; the origin list makes CORS refuse strangers.
        ProviderConfig provider = new ProviderConfig("openai", openAi.upstreams(), openAi.allowedEndpoints(),
                openAi.allowedMethods(), openAi.timeouts(), Map.of("model", List.of("gpt-*")),
                List.of(ALLOWED_ORIGIN), Set.of(), Map.of());
        LlmProxy.Builder builder = LlmProxy.builder().listen("127.0.0.1", 0).provider(provider)
                .tokenService(tokens).auditLogger(audit).route(api::newHandler);
        this.proxy = customize.apply(builder).build().start();
        this.project = stores.projects().create(new NewProject("hostile-" + System.nanoTime(), "sk-upstream-key"));
        this.token = WitheringTokens.generate();
        tokenStore.create(TokenRecord.issue(WitheringTokens.hash(token), project.id(), clock.instant(),
                clock.instant().plus(Duration.ofHours(1)), null, null));
    }

    int port() {
        return proxy.localAddress().getPort();
    }

    RawHttp connect() {
        return RawHttp.connect(port());
    }

    /** A well-formed chat completion with the valid token, as raw bytes. */
    String validChat(boolean close) {
        String body = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        return "POST /v1/chat/completions HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer " + token
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                + (close ? "\r\nConnection: close" : "") + "\r\n\r\n" + body;
    }

    /** Rows in a table, counted straight in the database. */
    long rows(String table) {
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            r.next();
            return r.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What must not change after a hostile request: rows written and upstream traffic. */
    record Snapshot(long projects, long tokens, long auditRows, long auditWritten, int upstreamRequests) {
    }

    Snapshot snapshot() {
        return new Snapshot(rows("projects"), rows("tokens"), rows("audit_events"), audit.written(),
                upstream.requestCount());
    }

    /** A normal request on a fresh connection succeeds: the server is healthy. */
    void assertHealthy() {
        int before = upstream.requestCount();
        try (RawHttp http = connect()) {
            RawHttp.Response r = http.send(validChat(true)).readFinal();
            assertThat(r.status()).as("normal request after the attack: %s", r.body()).isEqualTo(200);
        }
        assertThat(upstream.requestCount()).isEqualTo(before + 1);
    }

    static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + body, e);
        }
    }

    @Override
    public void close() {
        proxy.close();
        tokens.close();
        audit.close();
        blocking.shutdownNow();
        upstream.close();
    }

    /** Counts every lookup by hash, so a test can see whether a flood reached the database. */
    static final class CountingTokenStore implements TokenStore {
        final TokenStore delegate;
        final AtomicInteger lookups = new AtomicInteger();

        CountingTokenStore(TokenStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public TokenRecord create(TokenRecord token) {
            return delegate.create(token);
        }

        @Override
        public Optional<TokenRecord> findByHash(String tokenHash) {
            lookups.incrementAndGet();
            return delegate.findByHash(tokenHash);
        }

        @Override
        public Optional<TokenRecord> get(String id) {
            return delegate.get(id);
        }

        @Override
        public Page<TokenRecord> list(TokenFilter filter, PageRequest page) {
            return delegate.list(filter, page);
        }

        @Override
        public Optional<TokenRecord> update(String id, TokenUpdate update) {
            return delegate.update(id, update);
        }

        @Override
        public boolean revoke(String id) {
            return delegate.revoke(id);
        }

        @Override
        public int revokeByProject(String projectId) {
            return delegate.revokeByProject(projectId);
        }

        @Override
        public long reserveRequests(String tokenId, long wanted) {
            return delegate.reserveRequests(tokenId, wanted);
        }

        @Override
        public void returnRequests(String tokenId, long unused) {
            delegate.returnRequests(tokenId, unused);
        }

        @Override
        public void recordUsage(String tokenId, long cacheHits, Instant lastUsedAt) {
            delegate.recordUsage(tokenId, cacheHits, lastUsedAt);
        }
    }
}
