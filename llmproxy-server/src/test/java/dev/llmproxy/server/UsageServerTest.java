package dev.llmproxy.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmproxy.core.usage.PriceTable;
import dev.llmproxy.testing.MockOpenAiUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Usage tracking as the server configures and serves it. */
class UsageServerTest {

    @TempDir
    Path dir;

    private static UsageSettings usage(Map<String, String> env) {
        return new ServerConfigReader(ServerFlags.NONE, env).read().storage().usage();
    }

    @Test
    void defaults_areOn_90Days_builtInPrices() {
        UsageSettings u = usage(Map.of());
        assertThat(u.enabled()).isTrue();
        assertThat(u.retention()).isEqualTo(Duration.ofDays(90));
        assertThat(u.prices()).isSameAs(PriceTable.builtIn());
        assertThat(usage(Map.of("USAGE_TRACKING_ENABLED", "false")).enabled()).isFalse();
        assertThat(usage(Map.of("USAGE_RETENTION_DAYS", "0")).retention()).as("0 keeps everything").isNull();
        assertThatThrownBy(() -> usage(Map.of("USAGE_RETENTION_DAYS", "ninety")))
                .isInstanceOf(ConfigError.class).hasMessageContaining("USAGE_RETENTION_DAYS");
    }

    @Test
    void priceTablePath_overridesPrices_andABadFileStopsStartUpNamingFileAndProblem() throws Exception {
        Path good = dir.resolve("prices.yaml");
        Files.writeString(good, "models:\n  gpt-4o: {input: 3, output: 12}\n");
        assertThat(usage(Map.of("PRICE_TABLE_PATH", good.toString())).prices().priceOf("gpt-4o").input())
                .isEqualByComparingTo("3");

        Path bad = dir.resolve("bad-prices.yaml");
        Files.writeString(bad, "models:\n  gpt-4o: {input: -3}\n");
        assertThatThrownBy(() -> usage(Map.of("PRICE_TABLE_PATH", bad.toString())))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("PRICE_TABLE_PATH")
                .hasMessageContaining(bad.toString())
                .hasMessageContaining("models.gpt-4o.input")
                .hasMessageContaining("must not be negative");
    }

    private static TestConsole cli(String... args) {
        TestConsole console = new TestConsole(Map.of("MANAGEMENT_TOKEN", RunningServer.MANAGEMENT_TOKEN));
        Main.run(console.context, args);
        return console;
    }

    @Test
    void theExamplePriceFile_loads() {
        UsageSettings u = usage(Map.of("PRICE_TABLE_PATH", Path.of("..", "config", "prices.example.yaml").toString()));
        assertThat(u.prices().priceOf("gpt-4.1-mini-2025-04-14").input()).isEqualByComparingTo("0.32");
        assertThat(u.prices().cost("llama-3.1-8b-instruct", 1000, 0, 1000).known()).isTrue();
        assertThat(u.prices().priceOf("gpt-4o")).as("built-ins kept").isNotNull();
    }

    @Test
    void server_recordsUsage_andServesStats() throws Exception {
        try (MockOpenAiUpstream upstream = MockOpenAiUpstream.start();
             RunningServer server = new RunningServer(dir, Map.of("OPENAI_API_URL", upstream.baseUri().toString(),
                     "ENCRYPTION_KEY", ServerConfigReaderTest.KEY))) {
            String token = server.projectToken("usage", "sk-usage-upstream-key-0000");
            assertThat(server.chat(token).statusCode()).isEqualTo(200);
            assertThat(server.chat("sk-not-a-real-token-but-long-enough-000000").statusCode()).isEqualTo(401);

            JsonNode totals = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline) {
                totals = server.manage("GET", "/manage/usage/stats", null).get("totals");
                if (totals.get("requests").asLong() == 2) {
                    break;
                }
                Thread.sleep(50);
            }
            assertThat(totals.get("requests").asLong()).isEqualTo(2);
            assertThat(totals.get("errors").asLong()).isEqualTo(1);
            assertThat(totals.get("prompt_tokens").asLong()).isPositive();
            assertThat(totals.get("cost_usd").decimalValue()).isPositive();
            assertThat(server.send("GET", "/metrics/prometheus", null).body())
                    .contains("llm_cost_usd_total{project=").contains("llm_proxy_usage_records_written_total 2.0");

            // The CLI: a table of stats per model, the latest records, and an export to a file.
            String[] target = {"--manage-api-base-url", server.base.toString()};
            TestConsole stats = cli("manage", "usage", "stats", "--group-by", "model", target[0], target[1]);
            assertThat(stats.out()).contains("gpt-4o-mini").containsPattern("(?m)^total\\s+2\\s+1\\s+0\\s");
            TestConsole recent = cli("manage", "usage", "recent", "--limit", "1", target[0], target[1]);
            assertThat(recent.out()).contains("/v1/chat/completions").contains("invalid_token");
            Path csv = dir.resolve("usage.csv");
            TestConsole export = cli("manage", "usage", "export", "--format", "csv", "-o", csv.toString(), target[0],
                    target[1]);
            assertThat(export.err()).contains("wrote");
            assertThat(Files.readAllLines(csv)).hasSize(3).first().asString().startsWith("request_id,timestamp,");
            TestConsole bad = cli("manage", "usage", "stats", "--from", "soon", target[0], target[1]);
            assertThat(bad.err()).contains("'from'").contains("invalid_request");
        }
    }
}
