package dev.llmproxy.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.eventbus.testing.RedisTestSupport;
import dev.llmproxy.testing.MockOpenAiUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two {@code llm-proxy server}s sharing one database and one Redis ({@code REDIS_ADDR}), as
 * instances behind a load balancer: a revocation made through one is enforced by the other within a
 * second, and a per-minute rate limit holds across both.
 */
class SharedRedisServersTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final RedisTestSupport redis = new RedisTestSupport();

    @TempDir
    Path dir;

    private MockOpenAiUpstream upstream;
    private RunningServer a;
    private RunningServer b;

    @BeforeEach
    void start() throws Exception {
        upstream = MockOpenAiUpstream.start();
        a = new RunningServer(dir, env("a"));
        b = new RunningServer(dir, env("b"));
    }

    private Map<String, String> env(String name) {
        return Map.of("OPENAI_API_URL", upstream.baseUri().toString(),
                "REDIS_ADDR", redis.url(redis.host(), redis.port()),
                "AUDIT_LOG_FILE", dir.resolve("audit-" + name + ".log").toString());
    }

    @AfterEach
    void stop() throws Exception {
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
        upstream.close();
    }

    @Test
    void revocationThroughOneInstance_isEnforcedByTheOtherWithinASecond() throws Exception {
        String projectId = a.manage("POST", "/manage/projects",
                "{\"name\":\"shared\",\"api_key\":\"sk-shared-0123456789\"}").get("id").asText();
        JsonNode created = a.manage("POST", "/manage/tokens",
                "{\"project_id\":\"" + projectId + "\",\"duration_minutes\":10}");
        String token = created.get("token").asText();
        assertThat(b.chat(token).statusCode()).isEqualTo(200); // b now has the token cached

        a.manage("DELETE", "/manage/tokens/" + created.get("id").asText(), null);
        long revokedAt = System.nanoTime();
        int status = 200;
        while (status == 200 && System.nanoTime() - revokedAt < 2_000_000_000L) {
            status = b.chat(token).statusCode();
            if (status == 200) {
                Thread.sleep(20);
            }
        }
        long tookMillis = (System.nanoTime() - revokedAt) / 1_000_000;
        assertThat(status).isEqualTo(401);
        assertThat(tookMillis).as("revocation reached the other instance after %d ms", tookMillis)
                .isLessThan(1000);
        HttpResponse<String> denied = b.chat(token);
        assertThat(JSON.readTree(denied.body()).at("/error/code").asText()).isEqualTo("token_inactive");
    }

    @Test
    void perMinuteRateLimit_holdsAcrossInstances() throws Exception {
        String projectId = a.manage("POST", "/manage/projects",
                "{\"name\":\"limited\",\"api_key\":\"sk-shared-0123456789\"}").get("id").asText();
        String token = a.manage("POST", "/manage/tokens", "{\"project_id\":\"" + projectId
                + "\",\"duration_minutes\":10,\"rate_limit_rpm\":3}").get("token").asText();
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            statuses.add((i % 2 == 0 ? a : b).chat(token).statusCode());
        }
        assertThat(statuses).containsExactly(200, 200, 200, 429, 429, 429);
    }
}
