package dev.llmproxy.admin;

import dev.llmproxy.core.LlmProxy;
import dev.llmproxy.core.audit.AuditLogger;
import dev.llmproxy.core.auth.TokenService;
import dev.llmproxy.core.manage.ManagementApi;
import dev.llmproxy.core.ratelimit.LocalRateLimiter;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.core.store.InMemoryAuditStore;
import dev.llmproxy.core.store.InMemoryProjectStore;
import dev.llmproxy.core.store.InMemoryTokenStore;
import dev.llmproxy.testing.MockOpenAiUpstream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real proxy on a loopback port with the management API (in-memory stores, audit in memory) and
 * the admin UI embedded at {@code /admin}, pointed at that same server over HTTP. {@link Browser}
 * is a cookie-keeping HTTP client that records every answer for secret scans.
 */
final class AdminFixture implements AutoCloseable {

    static final String MANAGEMENT_TOKEN = "admin-test-management-token-7f3c2b9e";

    final MockOpenAiUpstream upstream = MockOpenAiUpstream.start();
    final InMemoryProjectStore projects = new InMemoryProjectStore();
    final ThreadPoolExecutor blocking = new ThreadPoolExecutor(4, 4, 1, TimeUnit.MINUTES, new ArrayBlockingQueue<>(1000));
    final ExecutorService adminPool = AdminUi.newDefaultExecutor();
    final AuditLogger audit;
    final LlmProxy proxy;
    final URI base;

    AdminFixture(Path dir, Consumer<AdminUi.Builder> adminSettings) throws IOException {
        InMemoryTokenStore tokens = new InMemoryTokenStore(projects);
        InMemoryAuditStore auditStore = new InMemoryAuditStore();
        TokenService tokenService = new TokenService(tokens, projects, blocking, new LocalRateLimiter(),
                TokenService.Settings.DEFAULTS, Clock.systemUTC(), null);
        audit = new AuditLogger(dir.resolve("audit.log"), true, auditStore, 10_000);
        ManagementApi api = ManagementApi.builder().projects(projects).tokens(tokens).auditStore(auditStore)
                .auditLogger(audit).tokenService(tokenService).managementToken(MANAGEMENT_TOKEN)
                .executor(blocking).build();
        URI[] self = new URI[1];
        AdminUi.Builder ui = AdminUi.builder().executor(adminPool).managementApiBaseUrl(() -> self[0]);
        adminSettings.accept(ui);
        AdminUi admin = ui.build();
        proxy = LlmProxy.builder().listen("127.0.0.1", 0).provider(ProviderConfig.openAi(upstream.baseUri()))
                .tokenService(tokenService).auditLogger(audit).route(api::newHandler).route(admin::newHandler)
                .build().start();
        base = URI.create("http://127.0.0.1:" + proxy.localAddress().getPort());
        self[0] = base;
    }

    Browser browser() {
        return new Browser(base);
    }

    @Override
    public void close() {
        proxy.close();
        adminPool.shutdownNow();
        blocking.shutdownNow();
        audit.close();
        upstream.close();
    }

    /** An answer as a browser would see it. */
    record Page(int status, java.net.http.HttpHeaders headers, String body) {
        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        String location() {
            return header("Location");
        }

        private static final Pattern CSRF = Pattern.compile("name=\"csrf_token\" value=\"([^\"]+)\"");

        String csrf() {
            Matcher m = CSRF.matcher(body);
            if (!m.find()) {
                throw new AssertionError("no CSRF token in page:\n" + body);
            }
            return m.group(1);
        }
    }

    /** Keeps the admin cookie like a browser (no redirects followed); records every answer. */
    static final class Browser {
        private final URI base;
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
        String cookie;
        final List<Page> seen = Collections.synchronizedList(new ArrayList<>());

        Browser(URI base) {
            this.base = base;
        }

        Page get(String path) {
            return send(HttpRequest.newBuilder(base.resolve(path)).GET(), Map.of());
        }

        /** A same-origin form post (with the Origin a browser sends). */
        Page post(String path, Map<String, String> form) {
            return post(path, form, Map.of("Origin", base.toString()));
        }

        Page post(String path, Map<String, String> form, Map<String, String> headers) {
            StringBuilder body = new StringBuilder();
            form.forEach((k, v) -> body.append(body.length() == 0 ? "" : "&").append(Html.url(k)).append('=')
                    .append(Html.url(v)));
            return send(HttpRequest.newBuilder(base.resolve(path))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())), headers);
        }

        private Page send(HttpRequest.Builder b, Map<String, String> headers) {
            b.timeout(Duration.ofSeconds(20));
            if (cookie != null) {
                b.header("Cookie", AdminUi.COOKIE + "=" + cookie);
            }
            headers.forEach(b::header);
            try {
                HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                for (String set : r.headers().allValues("Set-Cookie")) {
                    String value = set.substring(set.indexOf('=') + 1, set.indexOf(';'));
                    if (set.startsWith(AdminUi.COOKIE + "=")) {
                        cookie = set.contains("Max-Age=0") ? null : value;
                    }
                }
                Page p = new Page(r.statusCode(), r.headers(), r.body());
                seen.add(p);
                return p;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** Logs in through the form; returns the answer to the login POST. */
        Page login(String token) {
            Page form = get("/admin/login");
            return post("/admin/login", Map.of("csrf_token", form.csrf(), "management_token", token));
        }
    }
}
