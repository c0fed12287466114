package dev.llmproxy.core.manage;

import dev.llmproxy.core.LlmProxy;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.core.store.InMemoryProjectStore;
import dev.llmproxy.core.store.InMemoryTokenStore;
import dev.llmproxy.core.store.StoreException;
import dev.llmproxy.core.usage.UsageQuery;
import dev.llmproxy.core.usage.UsageRecord;
import dev.llmproxy.core.usage.UsageStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How a streamed export behaves when the database fails before and after the first bytes went out. */
class UsageExportStreamingTest {

    private static final String TOKEN = "export-test-management-token-000000";
    private final ThreadPoolExecutor blocking = new ThreadPoolExecutor(2, 2, 1, TimeUnit.MINUTES,
            new ArrayBlockingQueue<>(100));
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private LlmProxy proxy;

    /** Emits {@code records} records, then fails like a database that went away. */
    private record FailingStore(int records) implements UsageStore {
        @Override
        public void insertAll(List<UsageRecord> r) {
        }

        @Override
        public List<UsageRecord> recent(int limit, String projectId) {
            return List.of();
        }

        @Override
        public void scan(UsageQuery query, Visitor visitor) throws IOException {
            for (int i = 0; i < records; i++) {
                visitor.accept(new UsageRecord("req-" + i, Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i), "p",
                        "t", "POST", "/v1/chat/completions", "gpt-4o", null, 200, false, "NONE", 10, 5, 15, 0, false,
                        100, 50L, 75_000, true, 0, null));
            }
            throw new StoreException("database error while reading usage records: connection lost");
        }

        @Override
        public long deleteBefore(Instant cutoff) {
            return 0;
        }
    }

    private URI start(UsageStore store) {
        InMemoryProjectStore projects = new InMemoryProjectStore(Clock.systemUTC());
        ManagementApi api = ManagementApi.builder().projects(projects)
                .tokens(new InMemoryTokenStore(projects, Clock.systemUTC())).usageStore(store)
                .managementToken(TOKEN).executor(blocking).build();
        proxy = LlmProxy.builder().listen("127.0.0.1", 0).provider(ProviderConfig.openAi(URI.create("http://127.0.0.1:9")))
                .route(api::newHandler).build().start();
        return URI.create("http://127.0.0.1:" + proxy.localAddress().getPort() + "/manage/usage/export?format=jsonl");
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        blocking.shutdownNow();
    }

    private HttpRequest get(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + TOKEN)
                .build();
    }

    @Test
    void aFailureBeforeTheFirstChunk_isAnOrdinaryJsonError() throws Exception {
        URI uri = start(new FailingStore(3)); // three records fit in the first 32 KiB chunk: nothing sent yet
        HttpResponse<String> r = client.send(get(uri), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(r.body()).contains("\"code\":\"service_unavailable\"");
        // The connection stays usable for the next request.
        assertThat(client.send(get(uri), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(503);
    }

    @Test
    void aFailureAfterChunksWentOut_cutsTheConnection_soTheExportNeverLooksComplete() throws Exception {
        URI uri = start(new FailingStore(5000)); // ~2 MB: many chunks before the failure
        HttpResponse<InputStream> r = client.send(get(uri), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("transfer-encoding")).hasValue("chunked");
        assertThatThrownBy(() -> {
            try (InputStream in = r.body()) {
                in.readAllBytes();
            }
        }).isInstanceOf(IOException.class);
    }
}
