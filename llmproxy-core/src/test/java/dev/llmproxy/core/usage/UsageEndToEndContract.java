package dev.llmproxy.core.usage;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.llmproxy.core.LlmProxy;
import dev.llmproxy.core.auth.TokenRecord;
import dev.llmproxy.core.auth.TokenService;
import dev.llmproxy.core.auth.WitheringTokens;
import dev.llmproxy.core.cache.ResponseCache;
import dev.llmproxy.core.cache.ResponseCacheConfig;
import dev.llmproxy.core.cache.ResponseCaches;
import dev.llmproxy.core.manage.ManagementApi;
import dev.llmproxy.core.project.NewProject;
import dev.llmproxy.core.ratelimit.LocalRateLimiter;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.core.store.Database;
import dev.llmproxy.core.store.DatabaseExtension;
import dev.llmproxy.core.store.JdbcProjectStore;
import dev.llmproxy.core.store.JdbcTokenStore;
import dev.llmproxy.core.store.JdbcUsageStore;
import dev.llmproxy.testing.MockOpenAiUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A scripted mix of requests through a real proxy (mock upstream, real database, token service,
 * response cache, usage writer) and then the four {@code /manage/usage} endpoints: their totals,
 * token counts and costs must equal what this test computes on its own — from the usage numbers
 * the mock sent back, jtokkit for the one stream that reported none, and list prices written out
 * here (not read from {@link PriceTable}). One subclass per database.
 */
abstract class UsageEndToEndContract {

    private static final String MANAGEMENT_TOKEN = "usage-test-management-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    /** USD per 1M tokens (input, output), from OpenAI's price list. */
    private static final Map<String, BigDecimal[]> PRICES = Map.of(
            "gpt-4o", new BigDecimal[] {new BigDecimal("2.50"), new BigDecimal("10.00")},
            "gpt-4o-mini", new BigDecimal[] {new BigDecimal("0.15"), new BigDecimal("0.60")});

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ThreadPoolExecutor blocking = new ThreadPoolExecutor(4, 4, 1, TimeUnit.MINUTES,
            new ArrayBlockingQueue<>(1000));
    private MockOpenAiUpstream upstream;
    private TokenService tokens;
    private ResponseCache cache;
    private UsageWriter writer;
    private LlmProxy proxy;
    private URI base;
    private String projectA;
    private String projectB;
    private String tokenA;
    private String tokenB;

    /** The migrated database under test. */
    protected abstract Database database();

    @BeforeEach
    void start() throws Exception {
        Database db = database();
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("DELETE FROM usage_records");
            s.execute("DELETE FROM tokens");
            s.execute("DELETE FROM projects");
        }
        upstream = MockOpenAiUpstream.start();
        JdbcProjectStore projects = new JdbcProjectStore(db, DatabaseExtension.TEST_CIPHER);
        JdbcTokenStore tokenStore = new JdbcTokenStore(db);
        projectA = projects.create(new NewProject("usage-a", "sk-proj-a-upstream-key-0000")).id();
        projectB = projects.create(new NewProject("usage-b", "sk-proj-b-upstream-key-0000")).id();
        tokenA = token(tokenStore, projectA);
        tokenB = token(tokenStore, projectB);
        tokens = new TokenService(tokenStore, projects, blocking, new LocalRateLimiter(), TokenService.Settings.DEFAULTS,
                Clock.systemUTC(), null);
        ResponseCacheConfig cacheConfig = ResponseCacheConfig.defaults();
        cache = ResponseCaches.create(cacheConfig, blocking, Clock.systemUTC());
        JdbcUsageStore usage = new JdbcUsageStore(db);
        writer = new UsageWriter(usage, new UsageRecords(PriceTable.builtIn()), 1000, 100, null, Clock.systemUTC());
        ManagementApi api = ManagementApi.builder().projects(projects).tokens(tokenStore).usageStore(usage)
                .managementToken(MANAGEMENT_TOKEN).executor(blocking).build();
        proxy = LlmProxy.builder().listen("127.0.0.1", 0).provider(ProviderConfig.openAi(upstream.baseUri()))
                .tokenService(tokens).responseCache(cache, cacheConfig).usageWriter(writer).route(api::newHandler)
                .build().start();
        base = URI.create("http://127.0.0.1:" + proxy.localAddress().getPort());
    }

    @AfterEach
    void stop() {
        proxy.close();
        writer.close();
        tokens.close();
        cache.close();
        upstream.close();
        blocking.shutdownNow();
    }

    private static String token(JdbcTokenStore store, String projectId) {
        String token = WitheringTokens.generate();
        store.create(TokenRecord.issue(WitheringTokens.hash(token), projectId, Instant.now(), null, null, null));
        return token;
    }

    // ------------------------------------------------------------------ what the test expects

    /** One request as the test saw it: its project, model, tokens and cost. */
    private record Expected(String project, String model, long prompt, long completion, BigDecimal cost,
                            boolean error, boolean cacheHit, int toolCalls) {
    }

    private final List<Expected> expected = new ArrayList<>();

    private void expect(String project, String model, long prompt, long completion, boolean error, boolean hit,
                        int toolCalls) {
        BigDecimal cost = BigDecimal.ZERO;
        if (!hit && model != null) {
            BigDecimal[] p = PRICES.get(model);
            cost = p[0].multiply(BigDecimal.valueOf(prompt)).add(p[1].multiply(BigDecimal.valueOf(completion)))
                    .divide(BigDecimal.valueOf(1_000_000));
        }
        expected.add(new Expected(project, model, prompt, completion, cost, error, hit, toolCalls));
    }

    private HttpResponse<String> post(String token, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode manage(String pathAndQuery) throws Exception {
        HttpResponse<String> r = manageRaw(pathAndQuery);
        assertThat(r.statusCode()).as("%s: %s", pathAndQuery, r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private HttpResponse<String> manageRaw(String pathAndQuery) throws Exception {
        return client.send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + MANAGEMENT_TOKEN).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The usage block of the last SSE event that has one. */
    private static JsonNode streamUsage(String sse) throws Exception {
        JsonNode usage = null;
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: {")) {
                JsonNode event = JSON.readTree(line.substring(6));
                if (event.path("usage").isObject()) {
                    usage = event.get("usage");
                }
            }
        }
        return usage;
    }

    private static String streamText(String sse) throws Exception {
        StringBuilder text = new StringBuilder();
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: {")) {
                for (JsonNode choice : JSON.readTree(line.substring(6)).path("choices")) {
                    text.append(choice.path("delta").path("content").asText(""));
                }
            }
        }
        return text.toString();
    }

    /** Runs the scripted mix and returns when every record is in the database. */
    private Instant runMix() throws Exception {
        Instant started = Instant.now();
        String chat4o = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello to usage tracking\"}]}";
        // 1. A, gpt-4o, plain JSON, stored in the cache (client opt-in).
        HttpResponse<String> r1 = post(tokenA, chat4o, Map.of("Cache-Control", "public, max-age=300"));
        assertThat(r1.statusCode()).isEqualTo(200);
        assertThat(r1.headers().firstValue("x-proxy-cache")).hasValue("miss");
        JsonNode u1 = JSON.readTree(r1.body()).get("usage");
        expect(projectA, "gpt-4o", u1.get("prompt_tokens").asLong(), u1.get("completion_tokens").asLong(), false,
                false, 0);
        // 2. The same again: a cache hit, free.
        HttpResponse<String> r2 = post(tokenA, chat4o, Map.of("Cache-Control", "public, max-age=300"));
        assertThat(r2.headers().firstValue("x-proxy-cache")).hasValue("hit");
        expect(projectA, "gpt-4o", 0, 0, false, true, 0);
        // 3. A, gpt-4o-mini, streamed with stream_options.include_usage: usage in the final chunk.
        HttpResponse<String> r3 = post(tokenA, "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"Stream, please\"}]}",
                Map.of());
        assertThat(r3.statusCode()).isEqualTo(200);
        JsonNode u3 = streamUsage(r3.body());
        expect(projectA, "gpt-4o-mini", u3.get("prompt_tokens").asLong(), u3.get("completion_tokens").asLong(), false,
                false, 0);
        // 4. B, gpt-4o-mini, two tools that the mock must call.
        HttpResponse<String> r4 = post(tokenB, "{\"model\":\"gpt-4o-mini\",\"tool_choice\":\"required\",\"tools\":["
                + "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{}}},"
                + "{\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"parameters\":{}}}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Weather and time?\"}]}", Map.of());
        JsonNode b4 = JSON.readTree(r4.body());
        assertThat(b4.at("/choices/0/message/tool_calls")).hasSize(2);
        expect(projectB, "gpt-4o-mini", b4.at("/usage/prompt_tokens").asLong(), b4.at("/usage/completion_tokens").asLong(),
                false, false, 2);
        // 5. B, gpt-4o, streamed without usage: the proxy must estimate with jtokkit (o200k_base for gpt-4o).
        String content5 = "Count my tokens";
        HttpResponse<String> r5 = post(tokenB, "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"" + content5 + "\"}]}", Map.of());
        assertThat(streamUsage(r5.body())).isNull();
        Encoding o200k = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
        // OpenAI's chat approximation: 3 priming + per message 3 + role + content.
        long prompt5 = 3 + 3 + o200k.countTokensOrdinary("user") + o200k.countTokensOrdinary(content5);
        long completion5 = o200k.countTokensOrdinary(streamText(r5.body()));
        expect(projectB, "gpt-4o", prompt5, completion5, false, false, 0);
        // 6. B, gpt-4o-mini, the upstream fails with 500.
        HttpResponse<String> r6 = post(tokenB, "{\"model\":\"gpt-4o-mini\",\"messages\":[]}",
                Map.of(MockOpenAiUpstream.BEHAVIOR_HEADER, "status=500"));
        assertThat(r6.statusCode()).isEqualTo(500);
        expect(projectB, "gpt-4o-mini", 0, 0, true, false, 0);
        // 7. A path the policy refuses: the proxy answers 404 itself, before any token check.
        HttpResponse<String> r7 = client.send(HttpRequest.newBuilder(base.resolve("/v1/not-a-real-endpoint"))
                .header("Authorization", "Bearer " + tokenA).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r7.statusCode()).isEqualTo(404);
        expect(null, null, 0, 0, true, false, 0);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (writer.stats().written() < expected.size() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(writer.stats().written()).isEqualTo(expected.size());
        assertThat(writer.stats().dropped()).isZero();
        return started;
    }

    // ------------------------------------------------------------------ assertions

    private void assertTotals(JsonNode node, List<Expected> of, String what) {
        assertThat(node.get("requests").asLong()).as(what + " requests").isEqualTo(of.size());
        assertThat(node.get("errors").asLong()).as(what + " errors").isEqualTo(of.stream().filter(Expected::error).count());
        assertThat(node.get("cache_hits").asLong()).as(what + " cache hits")
                .isEqualTo(of.stream().filter(Expected::cacheHit).count());
        long prompt = of.stream().mapToLong(Expected::prompt).sum();
        long completion = of.stream().mapToLong(Expected::completion).sum();
        assertThat(node.get("prompt_tokens").asLong()).as(what + " prompt tokens").isEqualTo(prompt);
        assertThat(node.get("completion_tokens").asLong()).as(what + " completion tokens").isEqualTo(completion);
        assertThat(node.get("total_tokens").asLong()).as(what + " total tokens").isEqualTo(prompt + completion);
        assertThat(node.get("tool_calls").asLong()).as(what + " tool calls")
                .isEqualTo(of.stream().mapToLong(Expected::toolCalls).sum());
        BigDecimal cost = of.stream().map(Expected::cost).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(node.get("cost_usd").decimalValue()).as(what + " cost").isEqualByComparingTo(cost);
        JsonNode latency = node.get("latency_ms");
        assertThat(latency.get("p50").asLong()).isLessThanOrEqualTo(latency.get("p95").asLong());
        assertThat(latency.get("p95").asLong()).isLessThanOrEqualTo(latency.get("p99").asLong());
    }

    @Test
    void stats_totalsAndGroups_matchTheScriptedMix() throws Exception {
        runMix();
        assertThat(expected.stream().mapToLong(Expected::prompt).sum()).as("the mix has tokens").isPositive();

        JsonNode stats = manage("/manage/usage/stats");
        assertTotals(stats.get("totals"), expected, "totals");
        assertThat(stats.get("groups")).isEmpty();
        assertThat(stats.at("/totals/ttft_ms/p50").isNumber()).isTrue();

        JsonNode byModel = manage("/manage/usage/stats?group_by=model");
        assertTotals(byModel.get("totals"), expected, "totals");
        Map<String, JsonNode> models = groups(byModel);
        assertThat(models.keySet()).containsExactly("gpt-4o", "gpt-4o-mini", null);
        for (String model : new String[] {"gpt-4o", "gpt-4o-mini", null}) {
            assertTotals(models.get(model), expected.stream().filter(e -> java.util.Objects.equals(e.model(), model))
                    .toList(), "model " + model);
        }

        JsonNode byProject = manage("/manage/usage/stats?group_by=project");
        Map<String, JsonNode> projects = groups(byProject);
        assertThat(projects).containsOnlyKeys(projectA, projectB, null);
        for (String project : new String[] {projectA, projectB, null}) {
            assertTotals(projects.get(project), expected.stream()
                    .filter(e -> java.util.Objects.equals(e.project(), project)).toList(), "project " + project);
        }

        JsonNode filtered = manage("/manage/usage/stats?project_id=" + projectB + "&model=gpt-4o-mini");
        assertTotals(filtered.get("totals"), expected.stream()
                .filter(e -> projectB.equals(e.project()) && "gpt-4o-mini".equals(e.model())).toList(), "B/mini");

        JsonNode none = manage("/manage/usage/stats?to=" + Instant.now().minus(1, ChronoUnit.DAYS).getEpochSecond());
        assertThat(none.at("/totals/requests").asLong()).isZero();
        assertThat(none.at("/totals/latency_ms/p50").isNull()).isTrue();
    }

    private static Map<String, JsonNode> groups(JsonNode stats) {
        Map<String, JsonNode> out = new java.util.LinkedHashMap<>();
        for (JsonNode g : stats.get("groups")) {
            out.put(g.get("key").isNull() ? null : g.get("key").asText(), g);
        }
        return out;
    }

    @Test
    void recentExportAndSeries_agreeWithTheMix() throws Exception {
        Instant started = runMix();

        JsonNode recent = manage("/manage/usage/recent");
        assertThat(recent.get("records")).hasSize(expected.size());
        JsonNode newest = recent.get("records").get(0);
        assertThat(newest.get("endpoint").asText()).isEqualTo("/v1/not-a-real-endpoint");
        assertThat(newest.get("error_code").asText()).isEqualTo("endpoint_not_found");
        assertThat(newest.get("status").asInt()).isEqualTo(404);
        JsonNode toolCall = recent.get("records").get(3);
        assertThat(toolCall.get("tool_calls").asInt()).isEqualTo(2);
        assertThat(toolCall.get("project_id").asText()).isEqualTo(projectB);
        JsonNode estimated = recent.get("records").get(2);
        assertThat(estimated.get("streamed").asBoolean()).isTrue();
        assertThat(estimated.get("tokens_estimated").asBoolean()).isTrue();
        JsonNode hit = recent.get("records").get(5);
        assertThat(hit.get("cache_status").asText()).isEqualTo("HIT");
        assertThat(hit.get("cost_usd").decimalValue()).isEqualByComparingTo(BigDecimal.ZERO);
        assertThat(recent.get("records").get(6).get("cache_status").asText()).isEqualTo("MISS");
        assertThat(manage("/manage/usage/recent?limit=2&project_id=" + projectA).get("records")).hasSize(2)
                .allSatisfy(r -> assertThat(r.get("project_id").asText()).isEqualTo(projectA));

        HttpResponse<String> jsonl = manageRaw("/manage/usage/export?format=jsonl");
        assertThat(jsonl.statusCode()).isEqualTo(200);
        assertThat(jsonl.headers().firstValue("content-type")).hasValue("application/x-ndjson");
        assertThat(jsonl.headers().firstValue("transfer-encoding")).hasValue("chunked");
        String[] lines = jsonl.body().split("\n");
        assertThat(lines).hasSize(expected.size());
        BigDecimal exportedCost = BigDecimal.ZERO;
        for (String line : lines) {
            exportedCost = exportedCost.add(JSON.readTree(line).get("cost_usd").decimalValue());
        }
        assertThat(exportedCost).isEqualByComparingTo(
                expected.stream().map(Expected::cost).reduce(BigDecimal.ZERO, BigDecimal::add));

        HttpResponse<String> csv = manageRaw("/manage/usage/export?format=csv&project_id=" + projectB);
        assertThat(csv.headers().firstValue("content-type").orElse("")).startsWith("text/csv");
        String[] rows = csv.body().split("\r\n");
        assertThat(rows[0]).startsWith("request_id,timestamp,project_id,token_id,method,endpoint,model");
        assertThat(rows).hasSize(1 + (int) expected.stream().filter(e -> projectB.equals(e.project())).count());
        assertThat(rows[1]).contains(projectB).contains(",gpt-4o-mini,");

        long from = started.minusSeconds(120).getEpochSecond();
        JsonNode series = manage("/manage/usage/series?bucket=60&from=" + from + "&to="
                + Instant.now().plusSeconds(60).toString());
        assertThat(series.get("bucket_seconds").asLong()).isEqualTo(60);
        long requests = 0;
        long cacheHits = 0;
        BigDecimal cost = BigDecimal.ZERO;
        Map<String, Long> tokensByProject = new HashMap<>();
        for (JsonNode p : series.get("points")) {
            assertThat(Instant.parse(p.get("t").asText()).getEpochSecond() % 60).isZero();
            requests += p.get("requests").asLong();
            cacheHits += p.get("cache_hits").asLong();
            cost = cost.add(p.get("cost_usd").decimalValue());
            for (JsonNode project : p.get("projects")) {
                tokensByProject.merge(project.get("project_id").asText(null), project.get("total_tokens").asLong(),
                        Long::sum);
            }
        }
        assertThat(requests).isEqualTo(expected.size());
        assertThat(cacheHits).isEqualTo(1);
        assertThat(cost).isEqualByComparingTo(expected.stream().map(Expected::cost).reduce(BigDecimal.ZERO, BigDecimal::add));
        assertThat(tokensByProject.get(projectB)).isEqualTo(expected.stream().filter(e -> projectB.equals(e.project()))
                .mapToLong(e -> e.prompt() + e.completion()).sum());
    }

    @Test
    void streamsThatBreakOff_andRefusedTokens_areRecordedWithTheirErrorCodes() throws Exception {
        String stream = "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        try {
            post(tokenA, stream, Map.of(MockOpenAiUpstream.BEHAVIOR_HEADER, "reset-after-chunks=2"));
        } catch (java.io.IOException expected) {
            // the proxy ends the client connection: the answer is truncated, honestly
        }
        HttpResponse<String> refused = post("sk-this-token-does-not-exist-000000000000", stream, Map.of());
        assertThat(refused.statusCode()).isEqualTo(401);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (writer.stats().written() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        JsonNode records = manage("/manage/usage/recent").get("records");
        assertThat(records).hasSize(2);
        JsonNode refusedRecord = records.get(0);
        assertThat(refusedRecord.get("status").asInt()).isEqualTo(401);
        assertThat(refusedRecord.get("project_id").isNull()).isTrue();
        assertThat(refusedRecord.get("model").asText()).as("read from the body, off the event loop").isEqualTo("gpt-4o");
        assertThat(refusedRecord.get("ttft_ms").isNull()).isTrue();
        JsonNode broken = records.get(1);
        assertThat(broken.get("project_id").asText()).isEqualTo(projectA);
        assertThat(broken.get("status").asInt()).isEqualTo(200);
        assertThat(broken.get("error_code").asText()).isEqualTo("upstream_error");
        assertThat(broken.get("streamed").asBoolean()).isTrue();
        assertThat(broken.get("ttft_ms").isNumber()).isTrue();
        JsonNode totals = manage("/manage/usage/stats").get("totals");
        assertThat(totals.get("errors").asLong()).as("both are errors").isEqualTo(2);
    }

    @Test
    void badParameters_get400NamingTheParameter() throws Exception {
        HttpResponse<String> r = manageRaw("/manage/usage/stats?from=yesterday");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).at("/error/message").asText()).contains("'from'");
        r = manageRaw("/manage/usage/stats?group_by=token");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).at("/error/message").asText()).contains("'group_by'");
        r = manageRaw("/manage/usage/export?format=xml");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).at("/error/message").asText()).contains("'format'");
        r = manageRaw("/manage/usage/series?bucket=1&from=2020-01-01T00:00:00Z&to=2021-01-01T00:00:00Z");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).at("/error/message").asText()).contains("'bucket'");
        r = manageRaw("/manage/usage/recent?limit=0");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).at("/error/message").asText()).contains("'limit'");
        r = manageRaw("/manage/usage/recent?colour=blue");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).at("/error/code").asText()).isEqualTo("unknown_parameter");
    }
}
