package dev.llmproxy.admin;

import com.sun.net.httpserver.HttpServer;
import dev.llmproxy.admin.AdminFixture.Browser;
import dev.llmproxy.admin.AdminFixture.Page;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The standalone {@link AdminServer} against a management API that has no usage endpoints and is
 * partly down: pages say what is not available instead of failing. The "API" is a JDK HTTP server
 * answering like an older llm-proxy (projects only, 404 {@code not_found} elsewhere).
 */
class AdminUiDegradedTest {

    static final String TOKEN = "degraded-test-token-1234567890";
    HttpServer api;
    ExecutorService pool;
    AdminServer admin;

    @BeforeEach
    void start() throws IOException {
        api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        api.createContext("/", exchange -> {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            String path = exchange.getRequestURI().getPath();
            int status;
            String body;
            if (!("Bearer " + TOKEN).equals(auth) && path.startsWith("/manage")) {
                status = 401;
                body = "{\"error\":{\"code\":\"unauthorized\",\"message\":\"bad token\"}}";
            } else if (path.equals("/manage/projects")) {
                status = 200;
                body = "{\"projects\":[],\"pagination\":{\"page\":1,\"page_size\":500,\"total_count\":0,"
                        + "\"total_pages\":0,\"has_next\":false,\"has_prev\":false}}";
            } else if (path.equals("/manage/audit")) {
                status = 503;
                body = "{\"error\":{\"code\":\"audit_unavailable\",\"message\":\"This server keeps no audit rows\"}}";
            } else {
                status = 404;
                body = "{\"error\":{\"code\":\"not_found\",\"message\":\"No endpoint\"}}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        api.start();
        pool = AdminUi.newDefaultExecutor();
        AdminUi ui = AdminUi.builder().executor(pool)
                .managementApiBaseUrl(URI.create("http://127.0.0.1:" + api.getAddress().getPort())).build();
        admin = AdminServer.start(ui, new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stop() {
        admin.close();
        pool.shutdownNow();
        api.stop(0);
    }

    @Test
    void missingEndpointsShowNotAvailablePanels() {
        Browser b = new Browser(URI.create("http://127.0.0.1:" + admin.localAddress().getPort()));
        assertThat(b.login(TOKEN).status()).isEqualTo(303);
        Page dashboard = b.get("/admin/dashboard");
        assertThat(dashboard.status()).isEqualTo(200);
        assertThat(dashboard.body()).contains("Usage dashboard: not available");
        assertThat(b.get("/admin/usage").body()).contains("Usage: not available");
        assertThat(b.get("/admin/audit").body()).contains("Audit log: not available")
                .contains("This server keeps no audit rows");
        assertThat(b.get("/admin/cache").body()).contains("Cache counters: not available");
        assertThat(b.get("/admin/health").body()).contains("Health details: not available");
        assertThat(b.get("/admin/tokens/abc").body()).contains("Cannot show this token: No endpoint (HTTP 404)");
    }

    @Test
    void unreachableApiIsReportedOnLogin() {
        api.stop(0);
        Browser b = new Browser(URI.create("http://127.0.0.1:" + admin.localAddress().getPort()));
        Page login = b.login(TOKEN);
        assertThat(login.status()).isEqualTo(502);
        assertThat(login.body()).contains("Cannot check the token: Cannot reach the management API");
    }

    @Test
    void standaloneServerAnswersOnlyTheUi() {
        Browser b = new Browser(URI.create("http://127.0.0.1:" + admin.localAddress().getPort()));
        assertThat(b.get("/").location()).isEqualTo("/admin/");
        assertThat(b.get("/health").status()).isEqualTo(200);
        assertThat(b.get("/manage/projects").status()).isEqualTo(404);
    }
}
