package dev.llmproxy.core;

import dev.llmproxy.core.store.MutableClock;
import dev.llmproxy.core.store.SqliteDatabase;
import dev.llmproxy.testing.Behavior;
import dev.llmproxy.testing.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/1.1 pipelining keeps answer order across handlers: requests written back to back on one
 * connection are answered in the order sent, even when a later one (answered on the event loop at
 * once) would be ready before an earlier one (answered on the blocking executor or upstream).
 */
class PipeliningOrderTest {

    @RegisterExtension
    static final SqliteDatabase db = new SqliteDatabase();

    @TempDir
    Path dir;

    private HostileFixture f;

    @BeforeEach
    void start() throws Exception {
        f = new HostileFixture(db.database(), db.stores(new MutableClock(Instant.now())),
                new MutableClock(Instant.now()), dir, b -> b);
    }

    @AfterEach
    void stop() {
        f.close();
    }

    @Test
    void aV1RequestAfterAManageRequest_isAnsweredSecond() {
        String manage = "GET /manage/projects HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer "
                + HostileFixture.MANAGEMENT_TOKEN + "\r\nX-Request-ID: first\r\n\r\n";
        // A malformed token is refused on the event loop at once: without ordering it overtakes.
        String v1 = "GET /v1/models HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer malformed\r\n"
                + "X-Request-ID: second\r\n\r\n";
        String health = "GET /health HTTP/1.1\r\nHost: proxy\r\nX-Request-ID: third\r\n\r\n";
        for (int round = 0; round < 20; round++) {
            try (RawHttp http = f.connect()) {
                http.send(manage + v1 + health);
                List<RawHttp.Response> answers = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    answers.add(http.read());
                }
                assertThat(answers).extracting(RawHttp.Response::status).containsExactly(200, 401, 200);
                assertThat(answers.get(0).body()).contains(f.project.id());
                assertThat(answers.get(1).header("x-request-id")).isEqualTo("second");
            }
        }
    }

    @Test
    void aManageRequestAfterAStreamingV1Request_waitsForTheStreamToEnd() {
        f.upstream.enqueue(Behavior.sse(5, Duration.ofMillis(50)));
        String body = "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[]}";
        String stream = "POST /v1/chat/completions HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer " + f.token
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
        String manage = "GET /manage/projects HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer "
                + HostileFixture.MANAGEMENT_TOKEN + "\r\n\r\n";
        try (RawHttp http = f.connect()) {
            http.send(stream + manage);
            RawHttp.Response first = http.read();
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.body()).contains("[DONE]");
            RawHttp.Response second = http.read();
            assertThat(second.status()).isEqualTo(200);
            assertThat(second.body()).contains(f.project.id());
        }
    }

    @Test
    void tooManyPipelinedRequests_closeTheConnection() {
        StringBuilder many = new StringBuilder("GET /manage/projects HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer "
                + HostileFixture.MANAGEMENT_TOKEN + "\r\n\r\n");
        for (int i = 0; i < 500; i++) {
            many.append("GET /health HTTP/1.1\r\nHost: proxy\r\n\r\n");
        }
        try (RawHttp http = f.connect()) {
            http.trySend(many.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            assertThat(http.closedByPeer(Duration.ofSeconds(10))).isTrue();
        }
        f.assertHealthy();
    }
}
