package dev.llmproxy.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.InternalServerException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.ChatModel;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import dev.llmproxy.testing.Behavior;
import dev.llmproxy.testing.MockOpenAiUpstream;
import dev.llmproxy.testing.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The official OpenAI Java SDK ({@code com.openai:openai-java}) as a real client of
 * {@code llm-proxy server}: real server on a loopback port, real SQLite, a real project and
 * withering token, and {@link MockOpenAiUpstream} as the provider. Proves that what the proxy
 * forwards and the errors it makes up itself parse into the SDK's typed objects and exceptions.
 *
 * <p>The SDK retries 408/409/429/5xx twice by default; every client here is built with
 * {@code maxRetries(0)}, so each call is exactly one request and the counts below are exact.
 */
class OpenAiSdkTest {

    private static final String UPSTREAM_KEY = "sk-upstream-sdk-test-key-93b1";

    @TempDir
    Path dir;

    private MockOpenAiUpstream upstream;
    private RunningServer server;

    @BeforeEach
    void start() throws Exception {
        upstream = MockOpenAiUpstream.start();
        server = new RunningServer(dir, Map.of("OPENAI_API_URL", upstream.baseUri().toString()));
    }

    @AfterEach
    void stop() throws Exception {
        try {
            server.close();
        } finally {
            upstream.close();
        }
    }

    private String projectId;

    /** A token for a fresh project; {@code extra} is added to the token's JSON body. */
    private JsonNode token(String extra) {
        if (projectId == null) {
            projectId = server.manage("POST", "/manage/projects",
                    "{\"name\":\"sdk\",\"api_key\":\"" + UPSTREAM_KEY + "\"}").get("id").asText();
        }
        return server.manage("POST", "/manage/tokens",
                "{\"project_id\":\"" + projectId + "\",\"duration_minutes\":60" + extra + "}");
    }

    private OpenAIClient client(String token) {
        return OpenAIOkHttpClient.builder()
                .apiKey(token)
                .baseUrl(server.base + "/v1")
                .maxRetries(0)
                .timeout(Duration.ofSeconds(20))
                .build();
    }

    private static ChatCompletionCreateParams chatParams() {
        return ChatCompletionCreateParams.builder()
                .model(ChatModel.GPT_4O_MINI)
                .addUserMessage("Say hello")
                .build();
    }

    @Test
    void chatCompletion_parsesIntoTheSdkObject_andTheProjectKeyGoesUpstream() throws Exception {
        OpenAIClient client = client(token("").get("token").asText());
        try {
            ChatCompletion completion = client.chat().completions().create(chatParams());

            assertThat(completion.model()).isEqualTo("gpt-4o-mini");
            assertThat(completion.choices()).hasSize(1);
            assertThat(completion.choices().get(0).message().content()).contains(MockOpenAiUpstream.contentOf(8));
            assertThat(completion.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
            assertThat(completion.usage()).isPresent();
            assertThat(completion.usage().get().totalTokens()).isPositive();

            RecordedRequest seen = upstream.takeRequest(RunningServer.WAIT);
            assertThat(seen.path()).isEqualTo("/v1/chat/completions");
            assertThat(seen.header("authorization")).isEqualTo("Bearer " + UPSTREAM_KEY);
        } finally {
            client.close();
        }
    }

    @Test
    void streaming_deliversEveryChunk_andTheTextAddsUp() {
        OpenAIClient client = client(token("").get("token").asText());
        try {
            upstream.enqueue(Behavior.sse(12, Duration.ofMillis(5)));
            List<ChatCompletionChunk> chunks = new ArrayList<>();
            try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                    chatParams().toBuilder().streamOptions(
                            com.openai.models.chat.completions.ChatCompletionStreamOptions.builder()
                                    .includeUsage(true).build()).build())) {
                stream.stream().forEach(chunks::add);
            }
            String text = chunks.stream()
                    .flatMap(c -> c.choices().stream())
                    .map(c -> c.delta().content().orElse(""))
                    .collect(Collectors.joining());

            assertThat(chunks).allSatisfy(c -> assertThat(c.id()).isNotBlank());
            List<ChatCompletionChunk> withContent = chunks.stream()
                    .filter(c -> c.choices().stream().anyMatch(ch -> ch.delta().content().filter(s -> !s.isEmpty()).isPresent()))
                    .toList();
            assertThat(withContent).hasSize(12);
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 12; i++) {
                expected.append(MockOpenAiUpstream.chunkText(i));
            }
            assertThat(text).isEqualTo(expected.toString());
            assertThat(chunks.stream().flatMap(c -> c.choices().stream())
                    .filter(ch -> ch.finishReason().isPresent()).toList()).hasSize(1);
        } finally {
            client.close();
        }
    }

    @Test
    void embeddingsAndModels_parseIntoTheSdkObjects() {
        OpenAIClient client = client(token("").get("token").asText());
        try {
            CreateEmbeddingResponse embeddings = client.embeddings().create(EmbeddingCreateParams.builder()
                    .model("text-embedding-3-small")
                    .inputOfArrayOfStrings(List.of("first", "second"))
                    .build());
            assertThat(embeddings.data()).hasSize(2);
            assertThat(embeddings.data().get(0).embedding()).hasSize(8);
            assertThat(embeddings.data().get(1).index()).isEqualTo(1);
            assertThat(embeddings.data().get(0).embedding()).isNotEqualTo(embeddings.data().get(1).embedding());
            assertThat(embeddings.model()).isEqualTo("text-embedding-3-small");

            List<Model> models = client.models().list().data();
            assertThat(models).isNotEmpty();
            assertThat(models).allSatisfy(m -> assertThat(m.id()).isNotBlank());
            String first = models.get(0).id();
            assertThat(client.models().retrieve(first).id()).isEqualTo(first);
        } finally {
            client.close();
        }
    }

    @Test
    void revokedAndExpiredTokens_areTheSdksUnauthorizedException_withTheProxysCode() {
        JsonNode revoked = token("");
        JsonNode expired = token("");
        OpenAIClient revokedClient = client(revoked.get("token").asText());
        OpenAIClient expiredClient = client(expired.get("token").asText());
        OpenAIClient unknownClient = client("sk-" + "x".repeat(43));
        try {
            // Works first, so the 401s below are the state change, not a setup mistake.
            assertThat(revokedClient.chat().completions().create(chatParams()).choices()).hasSize(1);
            server.manage("PATCH", "/manage/tokens/" + revoked.get("id").asText(), "{\"is_active\":false}");
            server.manage("PATCH", "/manage/tokens/" + expired.get("id").asText(),
                    "{\"expires_at\":\"2020-01-01T00:00:00Z\"}");
            int before = upstream.requestCount();

            assertThatThrownBy(() -> revokedClient.chat().completions().create(chatParams()))
                    .isInstanceOfSatisfying(UnauthorizedException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(401);
                        assertThat(e.code()).hasValue("token_inactive");
                        assertThat(e.type()).hasValue("invalid_request_error");
                    });
            assertThatThrownBy(() -> expiredClient.chat().completions().create(chatParams()))
                    .isInstanceOfSatisfying(UnauthorizedException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(401);
                        assertThat(e.code()).isPresent();
                        assertThat(e.getMessage()).containsIgnoringCase("expired");
                    });
            assertThatThrownBy(() -> unknownClient.models().list())
                    .isInstanceOfSatisfying(UnauthorizedException.class,
                            e -> assertThat(e.code()).hasValue("invalid_token"));
            assertThat(upstream.requestCount()).isEqualTo(before);
        } finally {
            revokedClient.close();
            expiredClient.close();
            unknownClient.close();
        }
    }

    @Test
    void theProxysRateLimit_isTheSdksRateLimitException() {
        OpenAIClient client = client(token(",\"rate_limit_rpm\":1").get("token").asText());
        try {
            assertThat(client.chat().completions().create(chatParams()).choices()).hasSize(1);
            assertThatThrownBy(() -> client.chat().completions().create(chatParams()))
                    .isInstanceOfSatisfying(RateLimitException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(429);
                        assertThat(e.code()).isPresent();
                        assertThat(e.headers().names()).anyMatch(n -> n.equalsIgnoreCase("retry-after"));
                    });
            assertThat(upstream.requestCount()).isEqualTo(1);
        } finally {
            client.close();
        }
    }

    @Test
    void upstreamErrors_reachTheSdkAsTypedExceptions_withTheOpenAiEnvelope() {
        OpenAIClient client = client(token("").get("token").asText());
        try {
            upstream.enqueue(Behavior.status(500));
            assertThatThrownBy(() -> client.chat().completions().create(chatParams()))
                    .isInstanceOfSatisfying(InternalServerException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(500);
                        assertThat(e.type()).isPresent();
                        assertThat(e.body().isMissing()).isFalse();
                    });
            upstream.enqueue(Behavior.status(429));
            assertThatThrownBy(() -> client.chat().completions().create(chatParams()))
                    .isInstanceOf(RateLimitException.class)
                    .isInstanceOfSatisfying(OpenAIServiceException.class, e -> assertThat(e.statusCode()).isEqualTo(429));
            // maxRetries(0): one request each, none repeated by the SDK.
            assertThat(upstream.requestCount()).isEqualTo(2);
        } finally {
            client.close();
        }
    }
}
