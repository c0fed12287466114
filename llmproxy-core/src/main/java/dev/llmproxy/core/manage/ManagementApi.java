package dev.llmproxy.core.manage;

import dev.llmproxy.core.cache.CacheKeys;
import dev.llmproxy.core.cache.ResponseCache;

import dev.llmproxy.core.audit.AuditLogger;
import dev.llmproxy.core.audit.AuditStore;
import dev.llmproxy.core.auth.TokenService;
import dev.llmproxy.core.auth.TokenStore;
import dev.llmproxy.core.project.ProjectStore;
import io.netty.channel.ChannelHandler;

import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * The management REST API ({@code /manage/*}): projects, withering tokens and the audit log, for
 * the {@code llm-proxy manage} CLI, the admin UI and scripts. Build one per server with
 * {@link #builder()} and add a {@link #newHandler() handler} to every client connection after the
 * proxy handler, e.g. {@code LlmProxy.builder().route(api::newHandler)}. Endpoints, JSON shapes
 * and error codes are documented in {@code docs/management-api.md}.
 *
 * <h2>Security</h2>
 * Every request needs {@code Authorization: Bearer <management token>}, compared in constant time;
 * a missing and a wrong token get the same 401 and an audit record. Upstream API keys are only ever
 * shown obfuscated; a withering token is shown once, in the answer that creates it. Every change is
 * audited (actor {@code management}) without secrets.
 *
 * <h2>Cost and threads</h2>
 * The handler aggregates each request body (at most {@link Builder#maxBodyBytes}, 1 MiB by default;
 * larger bodies get 413 and the connection is closed), then runs the endpoint on the
 * {@link Builder#executor blocking executor} — stores are never called on an event loop — and
 * writes the answer back on the connection's event loop. Immutable and thread-safe; one instance
 * serves every connection.
 */
public final class ManagementApi {

    /** Paths this API owns: {@code /manage} and everything under {@code /manage/}. */
    public static final String PATH_PREFIX = "/manage/";

    private final ManagementRouter router;
    private final Executor executor;
    private final int maxBodyBytes;

    private ManagementApi(Builder b) {
        ManagementAudit audit = new ManagementAudit(b.auditLogger, b.clock);
        this.router = new ManagementRouter(new ManagementAuth(b.managementToken), audit,
                new ProjectEndpoints(b.projects, b.tokens, b.tokenService, audit),
                new TokenEndpoints(b.tokens, b.projects, b.tokenService, audit, b.clock),
                new AuditEndpoints(b.auditStore),
                new CacheEndpoints(b.cache, b.cacheKeys, audit),
                new UsageEndpoints(b.usageStore, b.clock));
        this.executor = b.executor;
        this.maxBodyBytes = b.maxBodyBytes;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A handler for one client connection; place it after an {@code HttpServerCodec} (and after the
     * proxy handler, if any). Requests outside {@code /manage} pass to the next handler unchanged.
     */
    public ChannelHandler newHandler() {
        return new ManagementHandler(router, executor, maxBodyBytes);
    }

    /** The largest request body accepted. */
    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    /**
     * Collects the collaborators of a {@link ManagementApi}; each setter checks its argument.
     *
     * <table>
     * <caption>Settings</caption>
     * <tr><th>setting</th><th>required</th><th>default</th></tr>
     * <tr><td>projects, tokens</td><td>yes</td><td></td></tr>
     * <tr><td>managementToken</td><td>yes</td><td></td></tr>
     * <tr><td>executor</td><td>yes: a bounded pool for blocking store calls</td><td></td></tr>
     * <tr><td>auditStore</td><td>no</td><td>none: {@code /manage/audit} answers 503</td></tr>
     * <tr><td>usageStore</td><td>no</td><td>none: {@code /manage/usage/*} answers 503</td></tr>
     * <tr><td>auditLogger</td><td>no</td><td>none: changes are not audited</td></tr>
     * <tr><td>tokenService</td><td>no</td><td>none: changes are not pushed to a proxy's token cache</td></tr>
     * <tr><td>clock</td><td>no</td><td>{@link Clock#systemUTC()}</td></tr>
     * <tr><td>maxBodyBytes</td><td>no</td><td>{@value #DEFAULT_MAX_BODY_BYTES} (1 MiB)</td></tr>
     * </table>
     */
    public static final class Builder {

        public static final int DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

        private ProjectStore projects;
        private TokenStore tokens;
        private AuditStore auditStore;
        private AuditLogger auditLogger;
        private TokenService tokenService;
        private String managementToken;
        private Executor executor;
        private Clock clock = Clock.systemUTC();
        private ResponseCache cache;
        private dev.llmproxy.core.usage.UsageStore usageStore;
        private CacheKeys cacheKeys;
        private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;

        private Builder() {
        }

        public Builder projects(ProjectStore store) {
            this.projects = Objects.requireNonNull(store, "projects");
            return this;
        }

        public Builder tokens(TokenStore store) {
            this.tokens = Objects.requireNonNull(store, "tokens");
            return this;
        }

        /** Where {@code /manage/audit} reads from; null = no queryable audit (503). */
        public Builder auditStore(AuditStore store) {
            this.auditStore = store;
            return this;
        }

        /** Where management changes are recorded; null = nowhere. */
        public Builder auditLogger(AuditLogger logger) {
            this.auditLogger = logger;
            return this;
        }

        /** The proxy's token service, told about revocations and edits at once; null = none. */
        public Builder tokenService(TokenService service) {
            this.tokenService = service;
            return this;
        }

        /** The secret clients send as {@code Authorization: Bearer …}; never logged. */
        public Builder managementToken(String token) {
            if (token == null || token.isEmpty()) {
                throw new IllegalArgumentException("management token must not be empty");
            }
            this.managementToken = token;
            return this;
        }

        /** Runs every store call; must not be a Netty event loop. */
        public Builder executor(Executor blocking) {
            this.executor = Objects.requireNonNull(blocking, "executor");
            return this;
        }

        /** The response cache {@code POST /manage/cache/purge} works on; unset = cache disabled. */
        public Builder responseCache(ResponseCache responseCache, CacheKeys keys) {
            this.cache = responseCache;
            this.cacheKeys = keys;
            return this;
        }

        /** Where {@code /manage/usage/*} reads from; null = usage not tracked (503 {@code usage_unavailable}). */
        public Builder usageStore(dev.llmproxy.core.usage.UsageStore store) {
            this.usageStore = store;
            return this;
        }

        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /** Largest accepted request body, 1 KiB to 64 MiB. */
        public Builder maxBodyBytes(int bytes) {
            if (bytes < 1024 || bytes > 64 * 1024 * 1024) {
                throw new IllegalArgumentException("max body bytes must be 1 KiB to 64 MiB, got " + bytes);
            }
            this.maxBodyBytes = bytes;
            return this;
        }

        /**
         * @throws IllegalStateException naming what is missing
         */
        public ManagementApi build() {
            if (projects == null || tokens == null) {
                throw new IllegalStateException("a management API needs a project store and a token store");
            }
            if (managementToken == null) {
                throw new IllegalStateException("a management API needs a management token");
            }
            if (executor == null) {
                throw new IllegalStateException("a management API needs a blocking executor for store calls");
            }
            return new ManagementApi(this);
        }
    }
}
