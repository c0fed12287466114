package dev.llmproxy.examples.embed;

import dev.llmproxy.testing.MockOpenAiUpstream;
import dev.llmproxy.testing.RecordedRequest;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class EmbeddedNettyServerTest {

    @Test
    void hostRoutesAndProxiedRoutes_shareOnePortAndConnection() throws Exception {
        try (MockOpenAiUpstream upstream = MockOpenAiUpstream.start();
             EmbeddedNettyServer server = new EmbeddedNettyServer(0, upstream.baseUri())) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String base = "http://127.0.0.1:" + server.port();

            HttpResponse<String> hello = client.send(HttpRequest.newBuilder(URI.create(base + "/hello")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(hello.statusCode()).isEqualTo(200);
            assertThat(hello.body()).contains("host application");

            HttpResponse<String> models = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/models"))
                    .header("Authorization", "Bearer sk-client").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(models.statusCode()).isEqualTo(200);
            assertThat(models.body()).contains("\"object\":\"list\"");
            RecordedRequest seen = upstream.takeRequest(Duration.ofSeconds(5));
            assertThat(seen.path()).isEqualTo("/v1/models");
            // No upstream key configured: the client's own credentials are forwarded.
            assertThat(seen.header("authorization")).isEqualTo("Bearer sk-client");

            HttpResponse<String> again = client.send(HttpRequest.newBuilder(URI.create(base + "/nope")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(again.statusCode()).isEqualTo(404);
        }
    }
}
