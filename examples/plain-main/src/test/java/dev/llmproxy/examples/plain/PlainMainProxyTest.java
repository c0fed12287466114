package dev.llmproxy.examples.plain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.testing.MockOpenAiUpstream;
import dev.llmproxy.testing.RecordedRequest;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The example as an application would run it, against a real HTTP upstream. */
class PlainMainProxyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String UPSTREAM_KEY = "sk-host-app-upstream-key";
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private HttpResponse<String> chat(PlainMainProxy app, String bearer) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.address().getPort()
                        + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String code(HttpResponse<String> r) throws Exception {
        JsonNode n = JSON.readTree(r.body());
        return n.at("/error/code").asText();
    }

    @Test
    void tokensIssuedByTheHostApplication_workUntilRevoked_andTheKeyStaysInside() throws Exception {
        try (MockOpenAiUpstream upstream = MockOpenAiUpstream.start();
             PlainMainProxy app = new PlainMainProxy(new InetSocketAddress("127.0.0.1", 0), upstream.baseUri(),
                     UPSTREAM_KEY)) {
            PlainMainProxy.IssuedToken alice = app.issueToken(Duration.ofMinutes(5), null);
            assertThat(alice.toString()).doesNotContain(alice.secret());

            HttpResponse<String> ok = chat(app, alice.secret());
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(JSON.readTree(ok.body()).at("/choices/0/message/content").asText())
                    .isEqualTo(MockOpenAiUpstream.contentOf(8));
            RecordedRequest seen = upstream.takeRequest(Duration.ofSeconds(10));
            assertThat(seen.header("authorization")).isEqualTo("Bearer " + UPSTREAM_KEY);

            HttpResponse<String> stranger = chat(app, "sk-" + "A".repeat(43));
            assertThat(stranger.statusCode()).isEqualTo(401);
            assertThat(code(stranger)).isEqualTo("token_not_found");

            assertThat(app.revoke(alice.id())).isTrue();
            HttpResponse<String> revoked = chat(app, alice.secret());
            assertThat(revoked.statusCode()).isEqualTo(401);
            assertThat(code(revoked)).isEqualTo("token_inactive");
            assertThat(upstream.requestCount()).isEqualTo(1);
        }
    }

    /**
     * The example depends on llmproxy-core alone, whose backends are optional: this run proves the
     * proxy works with none of them on the class path.
     */
    @Test
    void runsWithoutTheOptionalBackends() {
        for (String absent : new String[] {"redis.clients.jedis.Jedis", "org.postgresql.Driver",
                "io.prometheus.client.CollectorRegistry", "ch.qos.logback.classic.Logger"}) {
            assertThatThrownBy(() -> Class.forName(absent)).as(absent).isInstanceOf(ClassNotFoundException.class);
        }
    }

    @Test
    void aQuotaSetByTheHostApplication_isEnforced() throws Exception {
        try (MockOpenAiUpstream upstream = MockOpenAiUpstream.start();
             PlainMainProxy app = new PlainMainProxy(new InetSocketAddress("127.0.0.1", 0), upstream.baseUri(),
                     UPSTREAM_KEY)) {
            PlainMainProxy.IssuedToken bob = app.issueToken(Duration.ofMinutes(5), 2L);
            assertThat(chat(app, bob.secret()).statusCode()).isEqualTo(200);
            assertThat(chat(app, bob.secret()).statusCode()).isEqualTo(200);
            HttpResponse<String> third = chat(app, bob.secret());
            assertThat(third.statusCode()).isBetween(400, 499);
            assertThat(code(third)).isNotBlank();
            assertThat(upstream.requestCount()).isEqualTo(2);
        }
    }
}
