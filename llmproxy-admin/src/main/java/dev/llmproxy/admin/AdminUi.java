package dev.llmproxy.admin;

import com.github.benmanes.caffeine.cache.Ticker;
import io.netty.channel.ChannelHandler;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The admin web console ({@code /admin/*}): server-rendered pages for projects, tokens, usage, the
 * audit log, the response cache and health, built as a client of the management API over HTTP.
 * The same UI runs embedded (add {@link #newHandler()} as a route of the proxy's own server,
 * pointing {@link Builder#managementApiBaseUrl} at that server) or standalone on its own port
 * ({@code llm-proxy admin}).
 *
 * <h2>Security model</h2>
 * <ul>
 *   <li>Login with the management token, verified by the management API itself (constant-time
 *       compared there). The token then lives only in this process's memory, in a server-side
 *       session; the browser gets a random 256-bit session id in the {@code llmproxy_admin} cookie
 *       ({@code HttpOnly; SameSite=Strict; Path=/admin}, {@code Secure} over HTTPS).</li>
 *   <li>Every form carries the session's CSRF token, checked (constant time) on every POST
 *       together with {@code Origin}/{@code Referer}; failures are 403 and change nothing.</li>
 *   <li>Sessions expire after {@link Builder#sessionIdleTimeout idle time} and a
 *       {@link Builder#sessionMaxLifetime maximum lifetime}; logout deletes them; the store is
 *       bounded. Login attempts are limited per client address.</li>
 *   <li>Every answer carries a strict Content-Security-Policy (no inline script), frame denial,
 *       {@code nosniff} and {@code no-referrer}; HTML pages are {@code no-store}.</li>
 * </ul>
 *
 * <h2>Threads</h2>
 * Each page is rendered on {@link Builder#executor}, which blocks on HTTP calls to the management
 * API: give the UI its own small pool (not the pool the management API itself runs on, or an
 * embedded UI could wait on work queued behind itself). Immutable and thread-safe.
 */
public final class AdminUi {

    /** The UI owns {@code /admin} and everything below it. */
    public static final String PATH = "/admin";
    /** The session cookie's name. */
    public static final String COOKIE = "llmproxy_admin";

    private final AdminRouter router;
    private final Executor executor;

    private AdminUi(Builder b) {
        ManageClient client = new ManageClient(b.baseUrl);
        Sessions sessions = new Sessions(b.idleTimeout, b.maxLifetime, b.maxSessions, b.ticker);
        LoginThrottle throttle = new LoginThrottle(b.loginAttempts, b.loginWindow, b.ticker);
        this.router = new AdminRouter(client, sessions, throttle, b.secureCookies, b.trustForwardedProto,
                b.maxLifetime);
        this.executor = b.executor;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A pool suited to {@link Builder#executor}: {@value #DEFAULT_THREADS} daemon threads named
     * {@code llmproxy-admin-N} and a queue of 256 pages; beyond that the UI answers 503. Shut it
     * down when the UI stops.
     */
    public static java.util.concurrent.ExecutorService newDefaultExecutor() {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(DEFAULT_THREADS,
                DEFAULT_THREADS, 60, java.util.concurrent.TimeUnit.SECONDS,
                new java.util.concurrent.ArrayBlockingQueue<>(256), r -> {
                    Thread t = new Thread(r, "llmproxy-admin-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /** Threads of {@link #newDefaultExecutor()}. */
    public static final int DEFAULT_THREADS = 4;

    /**
     * A handler for one client connection; place it after an {@code HttpServerCodec}. Requests
     * outside {@code /admin} pass to the next handler unchanged.
     */
    public ChannelHandler newHandler() {
        return new AdminHandler(router, executor);
    }

    /**
     * Settings of an {@link AdminUi}.
     *
     * <table>
     * <caption>Settings</caption>
     * <tr><th>setting</th><th>default</th></tr>
     * <tr><td>managementApiBaseUrl</td><td>required, e.g. {@code http://127.0.0.1:8080}</td></tr>
     * <tr><td>executor</td><td>required: a small pool for blocking HTTP calls</td></tr>
     * <tr><td>sessionIdleTimeout</td><td>30 minutes</td></tr>
     * <tr><td>sessionMaxLifetime</td><td>12 hours</td></tr>
     * <tr><td>maxSessions</td><td>{@value #DEFAULT_MAX_SESSIONS}</td></tr>
     * <tr><td>secureCookies</td><td>false: {@code Secure} only when {@code X-Forwarded-Proto: https} is trusted</td></tr>
     * <tr><td>trustForwardedProto</td><td>false</td></tr>
     * <tr><td>loginAttempts</td><td>10 per client address per 5 minutes</td></tr>
     * </table>
     */
    public static final class Builder {
        public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(30);
        public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofHours(12);
        public static final int DEFAULT_MAX_SESSIONS = 1000;

        private Supplier<URI> baseUrl;
        private Executor executor;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Duration maxLifetime = DEFAULT_MAX_LIFETIME;
        private int maxSessions = DEFAULT_MAX_SESSIONS;
        private boolean secureCookies;
        private boolean trustForwardedProto;
        private int loginAttempts = 10;
        private Duration loginWindow = Duration.ofMinutes(5);
        private Ticker ticker = Ticker.systemTicker();

        private Builder() {
        }

        /** Where the management API is, e.g. {@code http://127.0.0.1:8080} (no path). */
        public Builder managementApiBaseUrl(URI url) {
            Objects.requireNonNull(url, "url");
            if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme()) || url.getHost() == null) {
                throw new IllegalArgumentException("management API base URL must be http(s)://host[:port], got " + url);
            }
            this.baseUrl = () -> url;
            return this;
        }

        /** As {@link #managementApiBaseUrl(URI)}, resolved at each call (an embedded server's port is known late). */
        public Builder managementApiBaseUrl(Supplier<URI> url) {
            this.baseUrl = Objects.requireNonNull(url, "url");
            return this;
        }

        /** Runs page rendering and the blocking HTTP calls; never a Netty event loop. */
        public Builder executor(Executor blocking) {
            this.executor = Objects.requireNonNull(blocking, "executor");
            return this;
        }

        public Builder sessionIdleTimeout(Duration timeout) {
            this.idleTimeout = positive(timeout, "session idle timeout");
            return this;
        }

        public Builder sessionMaxLifetime(Duration lifetime) {
            this.maxLifetime = positive(lifetime, "session maximum lifetime");
            return this;
        }

        public Builder maxSessions(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("max sessions must be at least 1, got " + max);
            }
            this.maxSessions = max;
            return this;
        }

        /** Always mark the session cookie {@code Secure} (the UI is only reached over HTTPS). */
        public Builder secureCookies(boolean always) {
            this.secureCookies = always;
            return this;
        }

        /**
         * Believe {@code X-Forwarded-Proto: https} (set it only behind a reverse proxy that sets or
         * strips the header): the cookie is then {@code Secure} for such requests.
         */
        public Builder trustForwardedProto(boolean trust) {
            this.trustForwardedProto = trust;
            return this;
        }

        public Builder loginAttempts(int max, Duration window) {
            if (max < 1) {
                throw new IllegalArgumentException("login attempts must be at least 1, got " + max);
            }
            this.loginAttempts = max;
            this.loginWindow = positive(window, "login window");
            return this;
        }

        /** The time source of session expiry and login limits (tests). */
        Builder ticker(Ticker value) {
            this.ticker = Objects.requireNonNull(value, "ticker");
            return this;
        }

        public AdminUi build() {
            if (baseUrl == null) {
                throw new IllegalStateException("the admin UI needs the management API base URL");
            }
            if (executor == null) {
                throw new IllegalStateException("the admin UI needs a blocking executor");
            }
            return new AdminUi(this);
        }

        private static Duration positive(Duration d, String what) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, got " + d);
            }
            return d;
        }
    }
}
