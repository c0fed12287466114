package dev.llmproxy.core;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmproxy.core.store.MutableClock;
import dev.llmproxy.core.store.SqliteDatabase;
import dev.llmproxy.testing.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile clients against a real server (raw sockets, so the bytes are exactly what is written
 * here): request smuggling, header floods, path tricks, malformed and deeply nested bodies, huge
 * bodies, slowloris, invalid-token floods, management auth and CORS. Every case checks a clear
 * 4xx in the right envelope, no internal detail in the body, nothing written (no project, token
 * or audit row, no upstream request) and a healthy server afterwards.
 */
class HostileInputTest {

    @RegisterExtension
    static final SqliteDatabase db = new SqliteDatabase();

    @TempDir
    Path dir;

    private HostileFixture f;
    private HostileFixture.Snapshot before;

    @BeforeEach
    void start() throws Exception {
        f = new HostileFixture(db.database(), db.stores(new MutableClock(Instant.now())),
                new MutableClock(Instant.now()), dir, b -> b.requestHeadTimeout(Duration.ofSeconds(2)));
        before = f.snapshot();
    }

    @AfterEach
    void stop() {
        f.close();
    }

    /** A proxy error: OpenAI envelope with the code, no internals, nothing written, server healthy. */
    private void assertProxyError(RawHttp.Response r, int status, String code) {
        assertThat(r.status()).as("status of %s", r.body()).isEqualTo(status);
        assertThat(r.header("content-type")).startsWith("application/json");
        JsonNode error = HostileFixture.json(r.body()).get("error");
        assertThat(error).as("OpenAI envelope: %s", r.body()).isNotNull();
        assertThat(error.get("type").asText()).isNotEmpty();
        if (code != null) {
            assertThat(error.get("code").asText()).isEqualTo(code);
        }
        assertNoInternals(r.body());
    }

    private static void assertNoInternals(String body) {
        assertThat(body).doesNotContainIgnoringCase("exception").doesNotContain("\tat ", "io.netty", "java.",
                "dev.llmproxy", "sk-upstream-key");
    }

    private void assertNothingWrittenAndHealthy() {
        assertThat(f.snapshot()).as("rows written / upstream requests").isEqualTo(before);
        f.assertHealthy();
    }

    // ------------------------------------------------------------------ request smuggling

    @Test
    void contentLengthPlusTransferEncoding_isRefusedAndTheConnectionClosed() {
        // The classic CL.TE desync: a front end honouring Content-Length would see the smuggled
        // request as part of this one's body; one honouring chunked would see it as a second request.
        String smuggled = "GET /manage/projects HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer "
                + HostileFixture.MANAGEMENT_TOKEN + "\r\n\r\n";
        try (RawHttp http = f.connect()) {
            RawHttp.Response r = http.send("POST /v1/chat/completions HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer "
                    + f.token + "\r\nContent-Type: application/json\r\nContent-Length: 5\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled).read();
            assertProxyError(r, 400, "bad_request");
            assertThat(http.closedByPeer(Duration.ofSeconds(5))).as("connection closed after the 400").isTrue();
        }
        assertNothingWrittenAndHealthy();
    }

    @Test
    void conflictingDuplicateContentLength_isRefused() {
        try (RawHttp http = f.connect()) {
            RawHttp.Response r = http.send("POST /v1/chat/completions HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer "
                    + f.token + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n"
                    + "{}").read();
            assertProxyError(r, 400, "bad_request");
            assertThat(http.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        assertNothingWrittenAndHealthy();
    }

    @Test
    void obsFoldedHeader_isRefused() {
        // RFC 9112 §5.2: a server must refuse obs-fold or replace it; refusing leaves no doubt about
        // what a folded Transfer-Encoding or Content-Length meant.
        try (RawHttp http = f.connect()) {
            RawHttp.Response r = http.send("POST /v1/chat/completions HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer "
                    + f.token + "\r\nContent-Type: application/json\r\nTransfer-Encoding: identity\r\n chunked\r\n"
                    + "Content-Length: 2\r\n\r\n{}").read();
            assertThat(r.status()).isEqualTo(400);
            assertProxyError(r, 400, "bad_request");
            assertThat(http.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        assertNothingWrittenAndHealthy();
    }

    @Test
    void obsFoldedLineThatLooksLikeAHeader_staysPartOfTheFoldedValue() {
        // A folded continuation line must never be read as a header of its own: either the
        // request is refused, or the line is part of X-Note and nothing is chunked upstream.
        try (RawHttp http = f.connect()) {
            RawHttp.Response r = http.send("GET /v1/models HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer "
                    + f.token + "\r\nX-Note: a\r\n Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").read();
            if (r.status() == 400) {
                assertProxyError(r, 400, "bad_request");
                assertNothingWrittenAndHealthy();
                return;
            }
            assertThat(r.status()).isEqualTo(200);
        }
        dev.llmproxy.testing.RecordedRequest seen = f.upstream.takeRequest(Duration.ofSeconds(5));
        assertThat(seen.header("transfer-encoding")).isNull();
        assertThat(seen.header("x-note")).contains("Transfer-Encoding: chunked");
        f.assertHealthy();
    }

    @ParameterizedTest
    @ValueSource(strings = {"zz", "-1", "fffffffffffffffffff", "1;" + "x"})
    void badChunkSize_isRefusedAndTheConnectionClosed(String sizeLine) {
        try (RawHttp http = f.connect()) {
            http.send("POST /v1/chat/completions HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer " + f.token
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + sizeLine
                    + "\r\n{}\r\nzz\r\n");
            RawHttp.Response r = http.read();
            assertThat(r.status()).isBetween(400, 499);
            assertProxyError(r, r.status(), null);
            assertThat(http.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        assertNothingWrittenAndHealthy();
    }

    // ------------------------------------------------------------------ floods and oversized heads

    @Test
    void headerFlood_gets431() {
        StringBuilder req = new StringBuilder("GET /v1/models HTTP/1.1\r\nHost: proxy\r\n");
        for (int i = 0; i < 20_000; i++) {
            req.append("X-Flood-").append(i).append(": v\r\n");
        }
        req.append("\r\n");
        try (RawHttp http = f.connect()) {
            http.trySend(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            assertProxyError(http.read(), 431, "request_header_fields_too_large");
        }
        assertNothingWrittenAndHealthy();
    }

    @Test
    void oneOversizedHeader_gets431() {
        try (RawHttp http = f.connect()) {
            http.trySend(("GET /v1/models HTTP/1.1\r\nHost: proxy\r\nX-Big: " + "a".repeat(100_000) + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            assertProxyError(http.read(), 431, "request_header_fields_too_large");
        }
        assertNothingWrittenAndHealthy();
    }

    @Test
    void oversizedUri_gets414() {
        try (RawHttp http = f.connect()) {
            http.trySend(("GET /v1/models?q=" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: proxy\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            assertProxyError(http.read(), 414, "uri_too_long");
        }
        assertNothingWrittenAndHealthy();
    }

    // ------------------------------------------------------------------ path tricks

    @ParameterizedTest
    @ValueSource(strings = {"/v1/../manage/projects", "/v1/%2e%2e/manage/projects", "/v1/%2E%2E/manage/projects",
        "/v1/chat%2Fcompletions", "/v1/chat%2fcompletions", "/v1/models/..%2F..%2Fmanage%2Fprojects",
        "/v1//manage/projects", "/v1/models\\..\\..\\manage", "/v1/models%00", "/v1/models%5C..%5Cmanage",
        "/v1/./chat/completions", "/v1/models/..;/..;/manage/projects"})
    void pathTricksUnderV1_areRefusedBeforeAuthorisationOrUpstream(String path) {
        int lookups = f.tokenStore.lookups.get();
        try (RawHttp http = f.connect()) {
            RawHttp.Response r = http.send("GET " + path + " HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer "
                    + HostileFixture.MANAGEMENT_TOKEN + "\r\nConnection: close\r\n\r\n").read();
            assertProxyError(r, 400, "bad_request");
        }
        assertThat(f.tokenStore.lookups.get()).as("no token lookup for a refused path").isEqualTo(lookups);
        assertNothingWrittenAndHealthy();
    }

    @ParameterizedTest
    @ValueSource(strings = {"//manage/projects", "/%6danage/projects", "/manage%2Fprojects", "/MANAGE/projects",
        "/x/../manage/projects"})
    void pathTricksAroundManage_neverReachTheManagementApiUnauthenticated(String path) {
        // Without a token: anything that reaches the API is a 401; anything else must be a 4xx
        // too, and nothing may list projects.
        try (RawHttp http = f.connect()) {
            RawHttp.Response r = http.send("GET " + path + " HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\n\r\n")
                    .read();
            assertThat(r.status()).isBetween(400, 499);
            assertThat(r.body()).doesNotContain(f.project.id());
            assertNoInternals(r.body());
            assertThat(HostileFixture.json(r.body()).get("error")).isNotNull();
        }
        assertNothingWrittenAndHealthy();
    }

    @Test
    void rawNulAndControlBytesInTheRequestLine_getA400() {
        try (RawHttp http = f.connect()) {
            RawHttp.Response r = http.send("GET /v1/models\u0000/../../manage HTTP/1.1\r\nHost: proxy\r\n\r\n").read();
            assertProxyError(r, 400, "bad_request");
        }
        assertNothingWrittenAndHealthy();
    }

    // ------------------------------------------------------------------ bodies the proxy parses

    @Test
    void invalidUtf8Json_gets400BeforeUpstream() {
        byte[] body = {'{', '"', 'm', 'o', 'd', 'e', 'l', '"', ':', '"', (byte) 0xC3, (byte) 0x28, (byte) 0xFF, '"', '}'};
        try (RawHttp http = f.connect()) {
            http.send(head("POST", "/v1/chat/completions", "Bearer " + f.token, body.length));
            RawHttp.Response r = http.send(body).read();
            assertProxyError(r, 400, "bad_request");
        }
        assertNothingWrittenAndHealthy();
    }

    @Test
    void deeplyNestedJson_gets400BeforeUpstream() {
        byte[] body = ("{\"messages\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}")
                .getBytes(StandardCharsets.US_ASCII);
        try (RawHttp http = f.connect()) {
            http.send(head("POST", "/v1/chat/completions", "Bearer " + f.token, body.length));
            RawHttp.Response r = http.send(body).read();
            assertProxyError(r, 400, "bad_request");
        }
        assertNothingWrittenAndHealthy();
    }

    @Test
    void deeplyNestedAndInvalidUtf8Json_toTheManagementApi_get400AndCreateNothing() {
        byte[] nested = ("{\"name\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] invalid = {'{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', (byte) 0xFF, (byte) 0xFE, '"', ',', '"', 'a',
            'p', 'i', '_', 'k', 'e', 'y', '"', ':', '"', 'k', '"', '}'};
        for (byte[] body : new byte[][] {nested, invalid}) {
            try (RawHttp http = f.connect()) {
                http.send(head("POST", "/manage/projects", "Bearer " + HostileFixture.MANAGEMENT_TOKEN, body.length));
                RawHttp.Response r = http.send(body).read();
                assertThat(r.status()).as(r.body()).isEqualTo(400);
                assertThat(HostileFixture.json(r.body()).at("/error/code").asText()).isNotEmpty();
                assertNoInternals(r.body());
            }
        }
        assertNothingWrittenAndHealthy();
    }

    // ------------------------------------------------------------------ huge bodies

    @Test
    void declaredHugeBody_gets413AtOnceAndNothingGoesUpstream() {
        try (RawHttp http = f.connect()) {
            http.send(head("POST", "/v1/chat/completions", "Bearer " + f.token, 50L * 1024 * 1024));
            RawHttp.Response r = http.read(); // answered on the head alone, before any body byte
            assertProxyError(r, 413, "request_too_large");
            assertThat(http.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        assertNothingWrittenAndHealthy();
    }

    @Test
    void chunkedBodyBeyondTheLimit_gets413AndNothingGoesUpstream() {
        try (RawHttp http = f.connect()) {
            http.send("POST /v1/chat/completions HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer " + f.token
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
            byte[] chunk = new byte[1024 * 1024];
            Arrays.fill(chunk, (byte) ' ');
            byte[] framed = frame(chunk);
            for (int i = 0; i < 12 && http.trySend(framed); i++) {
                // keep sending until the server refuses (about 10 MiB)
            }
            assertProxyError(http.read(), 413, "request_too_large");
        }
        assertNothingWrittenAndHealthy();
    }

    // ------------------------------------------------------------------ slowloris

    @Test
    void slowloris_isClosedByTheRequestHeadTimeout() throws Exception {
        try (RawHttp http = f.connect()) {
            byte[] head = ("GET /v1/models HTTP/1.1\r\nHost: proxy\r\nX-Slow: " + "a".repeat(40))
                    .getBytes(StandardCharsets.ISO_8859_1);
            long start = System.nanoTime();
            boolean stillOpen = true;
            for (int i = 0; i < head.length && stillOpen; i++) {
                stillOpen = http.trySend(new byte[] {head[i]});
                Thread.sleep(250); // well inside any idle timeout: only a head deadline catches this
                if (System.nanoTime() - start > Duration.ofSeconds(8).toNanos()) {
                    break;
                }
            }
            assertThat(http.closedByPeer(Duration.ofSeconds(5))).as("slow head closed").isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(12));
        }
        assertNothingWrittenAndHealthy();
    }

    // ------------------------------------------------------------------ tokens and management auth

    @Test
    void invalidTokenFlood_isAnsweredFromTheNegativeCache() {
        String unknown = "sk-" + "A".repeat(43);
        int lookups = f.tokenStore.lookups.get();
        try (RawHttp http = f.connect()) {
            for (int i = 0; i < 300; i++) {
                http.send(head("GET", "/v1/models", "Bearer " + unknown, -1));
                RawHttp.Response r = http.read();
                assertProxyError(r, 401, null);
            }
        }
        assertThat(f.tokenStore.lookups.get() - lookups).as("database lookups for 300 identical unknown tokens")
                .isEqualTo(1);
        // Malformed tokens never reach the store at all.
        try (RawHttp http = f.connect()) {
            for (int i = 0; i < 100; i++) {
                http.send(head("GET", "/v1/models", "Bearer not-a-token-" + i, -1));
                assertProxyError(http.read(), 401, null);
            }
        }
        assertThat(f.tokenStore.lookups.get() - lookups).isEqualTo(1);
        assertNothingWrittenAndHealthy();
    }

    @Test
    void managementWithoutAndWithWrongToken_getTheSame401() {
        String[] auth = {null, "Bearer wrong", "Bearer " + HostileFixture.MANAGEMENT_TOKEN + "x",
            "Bearer " + HostileFixture.MANAGEMENT_TOKEN.substring(1), "Basic " + HostileFixture.MANAGEMENT_TOKEN,
            "Bearer " + f.token};
        String firstBody = null;
        for (String a : auth) {
            try (RawHttp http = f.connect()) {
                http.send("GET /manage/projects HTTP/1.1\r\nHost: proxy\r\n" + (a == null ? "" : "Authorization: " + a
                        + "\r\n") + "X-Request-ID: fixed-request-id\r\nConnection: close\r\n\r\n");
                RawHttp.Response r = http.read();
                assertThat(r.status()).as("%s", a).isEqualTo(401);
                assertNoInternals(r.body());
                if (firstBody == null) {
                    firstBody = r.body();
                }
                assertThat(r.body()).as("same body for %s, so nothing tells the cases apart", a).isEqualTo(firstBody);
            }
        }
        assertThat(HostileFixture.json(firstBody).at("/error/code").asText()).isNotEmpty();
        // Failed management logins are audited on purpose (a security signal), one row each, and
        // the audit record never holds what was presented.
        f.audit.close();
        assertThat(f.rows("audit_events")).isEqualTo(auth.length);
        String auditFile = readQuietly(dir.resolve("audit.log"));
        assertThat(auditFile).contains("management.auth").doesNotContain(f.token, "Bearer wrong",
                HostileFixture.MANAGEMENT_TOKEN);
        assertThat(f.snapshot().projects()).isEqualTo(before.projects());
        assertThat(f.snapshot().tokens()).isEqualTo(before.tokens());
        f.assertHealthy();
    }

    private static String readQuietly(Path file) {
        try {
            return java.nio.file.Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void badChunkSizeToTheManagementApi_is400AndCreatesNothing() {
        try (RawHttp http = f.connect()) {
            http.send("POST /manage/projects HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer "
                    + HostileFixture.MANAGEMENT_TOKEN + "\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"nam\r\nzz\r\n");
            RawHttp.Response r = http.read();
            assertThat(r.status()).isEqualTo(400);
            assertNoInternals(r.body());
            assertThat(http.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        assertNothingWrittenAndHealthy();
    }

    // ------------------------------------------------------------------ CORS

    @Test
    void preflightFromADisallowedOrigin_gets403WithoutCorsHeaders() {
        try (RawHttp http = f.connect()) {
            RawHttp.Response r = http.send("OPTIONS /v1/chat/completions HTTP/1.1\r\nHost: proxy\r\n"
                    + "Origin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n"
                    + "Access-Control-Request-Headers: authorization, content-type\r\n\r\n").read();
            assertProxyError(r, 403, "origin_not_allowed");
            assertThat(r.headers()).doesNotContainKey("access-control-allow-origin");
            // The allowed origin gets its answer on the same connection.
            RawHttp.Response ok = http.send("OPTIONS /v1/chat/completions HTTP/1.1\r\nHost: proxy\r\nOrigin: "
                    + HostileFixture.ALLOWED_ORIGIN + "\r\nAccess-Control-Request-Method: POST\r\n\r\n").read();
            assertThat(ok.status()).isBetween(200, 204);
            assertThat(ok.header("access-control-allow-origin")).isEqualTo(HostileFixture.ALLOWED_ORIGIN);
        }
        assertNothingWrittenAndHealthy();
    }

    @Test
    void requestFromADisallowedOrigin_gets403AndNothingGoesUpstream() {
        String body = "{\"model\":\"gpt-4o\",\"messages\":[]}";
        try (RawHttp http = f.connect()) {
            RawHttp.Response r = http.send("POST /v1/chat/completions HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer "
                    + f.token + "\r\nOrigin: https://evil.example\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).read();
            assertProxyError(r, 403, "origin_not_allowed");
            assertThat(r.headers()).doesNotContainKey("access-control-allow-origin");
        }
        assertNothingWrittenAndHealthy();
    }

    // ------------------------------------------------------------------ helpers

    private static String head(String method, String path, String authorization, long contentLength) {
        return method + " " + path + " HTTP/1.1\r\nHost: proxy\r\nAuthorization: " + authorization
                + "\r\nContent-Type: application/json\r\n"
                + (contentLength >= 0 ? "Content-Length: " + contentLength + "\r\n" : "") + "\r\n";
    }

    private static byte[] frame(byte[] chunk) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(chunk);
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }
}
