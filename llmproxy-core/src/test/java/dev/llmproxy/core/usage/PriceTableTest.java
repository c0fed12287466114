package dev.llmproxy.core.usage;

import dev.llmproxy.core.route.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PriceTableTest {

    private final PriceTable table = PriceTable.builtIn();

    @Test
    void datedSnapshots_arePricedAsTheirFamily_andTheLongestEntryWins() {
        assertThat(table.priceOf("gpt-4o-2024-08-06")).isEqualTo(table.priceOf("gpt-4o"));
        assertThat(table.priceOf("gpt-4o-mini-2024-07-18")).isEqualTo(table.priceOf("gpt-4o-mini"));
        assertThat(table.priceOf("gpt-4o-mini")).isNotEqualTo(table.priceOf("gpt-4o"));
        assertThat(table.priceOf("gpt-4o-2024-05-13").input()).isEqualByComparingTo("5.00");
        assertThat(table.priceOf("o3-mini-2025-01-31")).isEqualTo(table.priceOf("o3-mini"));
        assertThat(table.priceOf("gpt-4-0613")).isEqualTo(table.priceOf("gpt-4"));
        assertThat(table.priceOf("gpt-4-turbo-2024-04-09")).isEqualTo(table.priceOf("gpt-4-turbo"));
        assertThat(table.priceOf("GPT-4.1-Nano")).isEqualTo(table.priceOf("gpt-4.1-nano"));
        assertThat(table.priceOf("gpt-4oo")).as("no '-' boundary").isNull();
        assertThat(table.priceOf("llama-3")).isNull();
        assertThat(table.priceOf(null)).isNull();
    }

    @Test
    void rememberedAnswers_areTheLookupsAnswers_andTheMemoryIsBounded() {
        PriceTable.ModelPrice mini = PriceTable.ModelPrice.of("0.15", "0.075", "0.60");
        PriceTable.ModelPrice snapshot = PriceTable.ModelPrice.of("1", "1", "1");
        PriceTable t = PriceTable.of(java.util.Map.of("gpt-4o-mini", mini, "gpt-4o-mini-2024-01-01", snapshot));
        for (int round = 0; round < 3; round++) { // the first round resolves, the others remember
            assertThat(t.priceOf("gpt-4o-mini-2024-07-18")).isSameAs(mini);
            assertThat(t.priceOf(" GPT-4o-Mini ")).isSameAs(mini);
            assertThat(t.priceOf("gpt-4o-mini-2024-01-01")).isSameAs(snapshot);
            assertThat(t.priceOf("gpt-4o")).as("a miss is remembered as a miss").isNull();
        }
        assertThat(t.resolvedCount()).isEqualTo(4);
        for (int i = 0; i < 3 * PriceTable.RESOLVED_MAX; i++) { // names from clients: unbounded
            assertThat(t.priceOf("gpt-4o-mini-" + i)).isSameAs(mini);
            assertThat(t.priceOf("custom-" + i)).isNull();
        }
        assertThat(t.resolvedCount()).isEqualTo(PriceTable.RESOLVED_MAX);
        assertThat(t.priceOf("gpt-4o-mini-" + (3 * PriceTable.RESOLVED_MAX - 1))).as("past the bound").isSameAs(mini);
        assertThat(t.cost("gpt-4o-mini-2099-12-31", 1_000_000, 0, 0).nanos()).isEqualTo(150_000_000);
    }

    @Test
    void cost_isExact_inNanoDollars_withCachedInputAtItsOwnPrice() {
        // gpt-4o: 2.50 in, 1.25 cached, 10.00 out per 1M tokens.
        PriceTable.Cost c = table.cost("gpt-4o-2024-08-06", 1000, 400, 200);
        // 600 × 2.50 + 400 × 1.25 + 200 × 10 = 1500 + 500 + 2000 = 4000 µ$·(1M/1M) → 0.004 USD
        assertThat(c.known()).isTrue();
        assertThat(c.nanos()).isEqualTo(4_000_000);
        assertThat(c.usd()).isEqualByComparingTo("0.004");
        // One embedding token: 0.02 USD per 1M = 20 nano-dollars.
        assertThat(table.cost("text-embedding-3-small", 1, 0, 0).nanos()).isEqualTo(20);
        assertThat(table.cost("unknown-model", 1000, 0, 1000)).isEqualTo(PriceTable.Cost.UNKNOWN);
    }

    @Test
    void absurdTokenCounts_giveAnUnknownCost_insteadOfAnOverflow() {
        // An upstream reporting Long.MAX_VALUE tokens: the cost does not fit in nano-dollars.
        assertThat(table.cost("gpt-4o", Long.MAX_VALUE, 0, Long.MAX_VALUE)).isEqualTo(PriceTable.Cost.UNKNOWN);
        assertThat(table.cost("gpt-4o", 0, 0, Long.MAX_VALUE / 2)).isEqualTo(PriceTable.Cost.UNKNOWN);
        // The largest cost that fits is still exact.
        assertThat(table.cost("gpt-4o", 0, 0, 900_000_000_000_000L).nanos()).isEqualTo(9_000_000_000_000_000_000L);
    }

    @Test
    void toUsd_isPlainAndExact() {
        assertThat(PriceTable.toUsd(37_500).toPlainString()).isEqualTo("0.0000375");
        assertThat(PriceTable.toUsd(2_000_000_000L)).isEqualByComparingTo(BigDecimal.valueOf(2));
        assertThat(PriceTable.toUsd(0)).isEqualByComparingTo(BigDecimal.ZERO);
    }

    @Test
    void yamlOverride_mergesOverTheBuiltInTable(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("prices.yaml");
        Files.writeString(file, """
                models:
                  gpt-4o: { input: 3.00, output: 12.00 }
                  my-local-llm: { input: "0.5", cached_input: 0.1, output: 1 }
                  my-embedder: { input: 0.01 }
                """);
        PriceTable t = PriceTable.load(file);

        assertThat(t.priceOf("gpt-4o-2024-08-06").input()).isEqualByComparingTo("3.00");
        assertThat(t.priceOf("gpt-4o").cachedInput()).as("defaults to input").isEqualByComparingTo("3.00");
        assertThat(t.priceOf("my-local-llm").cachedInput()).isEqualByComparingTo("0.1");
        assertThat(t.priceOf("my-embedder").output()).isEqualByComparingTo("0");
        assertThat(t.priceOf("gpt-4o-mini")).as("built-ins kept").isEqualTo(table.priceOf("gpt-4o-mini"));
        assertThat(t.cost("my-local-llm", 2_000_000, 0, 1_000_000).usd()).isEqualByComparingTo("2");
    }

    @Test
    void yamlOverride_canReplaceTheDefaults() {
        PriceTable t = PriceTable.parse("prices.yaml", "replace_defaults: true\nmodels:\n  only-one: {input: 1}\n");
        assertThat(t.models()).containsExactly("only-one");
        assertThat(t.priceOf("gpt-4o")).isNull();
    }

    @Test
    void badFiles_areRefused_namingTheFileKeyAndProblem(@TempDir Path dir) {
        assertThatThrownBy(() -> PriceTable.load(dir.resolve("missing.yaml")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("missing.yaml").hasMessageContaining("cannot read");
        assertBad("models:\n  gpt-4o: {input: -1}\n", "models.gpt-4o.input", "must not be negative");
        assertBad("models:\n  gpt-4o: {input: cheap}\n", "models.gpt-4o.input", "expected a number");
        assertBad("models:\n  gpt-4o: {output: 1}\n", "models.gpt-4o.input", "missing");
        assertBad("models:\n  gpt-4o: {input: 1, outptu: 2}\n", "models.gpt-4o.outptu", "unknown key");
        assertBad("modles:\n  gpt-4o: {input: 1}\n", "modles", "unknown key");
        assertBad("models: [gpt-4o]\n", "models", "expected a mapping");
        assertBad("models:\n  gpt-4o: {input: 1}\n  gpt-4o: {input: 2}\n", null, "not valid YAML");
        assertBad("models:\n  gpt-4o: {input: 1\n", null, "not valid YAML");
        assertBad("", null, "empty");
    }

    private static void assertBad(String yaml, String key, String problem) {
        assertThatThrownBy(() -> PriceTable.parse("/etc/llm-proxy/prices.yaml", yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("/etc/llm-proxy/prices.yaml: " + (key == null ? "" : key + ": "))
                .hasMessageContaining(problem);
    }
}
