package dev.llmproxy.core.usage;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.llmproxy.core.route.ConfigException;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Model prices in USD per one million tokens, and the cost of a request computed from them.
 *
 * <h2>Lookup</h2>
 * A model name (lower-cased, surrounding blanks removed) matches a table entry when it equals it or
 * starts with it followed by {@code -}; the longest matching entry wins. So a dated snapshot such
 * as {@code gpt-4o-2024-08-06} is priced as {@code gpt-4o}, while {@code gpt-4o-mini} has its own
 * entry, and an entry for a specific snapshot (for example {@code gpt-4o-2024-05-13}, which cost
 * more) beats the family entry. A model that matches nothing costs 0 and is reported as
 * {@code cost_known:false}.
 *
 * <h2>Arithmetic</h2>
 * Costs are exact: prices are {@link BigDecimal}s, and a request's cost is rounded half-up once to
 * whole nano-dollars (10<sup>-9</sup> USD), which is finer than any price in the table times one
 * token (the cheapest, $0.005 per 1M, is 5 nano-dollars per token). Sums of nano-dollars are
 * exact {@code long}s.
 *
 * <h2>Override</h2>
 * {@link #load(Path)} reads a YAML file ({@code PRICE_TABLE_PATH}):
 * <pre>
 * replace_defaults: false      # optional; true starts from an empty table
 * models:
 *   gpt-4o:        { input: 2.50, cached_input: 1.25, output: 10.00 }
 *   my-local-llm:  { input: 0, output: 0 }
 * </pre>
 * Entries are merged over the built-in table (or replace it). {@code cached_input} defaults to
 * {@code input}; {@code output} defaults to 0 (embedding models). Unknown keys, negative or
 * non-numeric prices and duplicate keys are refused with a {@link ConfigException} naming the
 * file and key.
 *
 * <p>Immutable (its prices never change; lookups are remembered internally) and thread-safe.
 */
public final class PriceTable {

    /** When the built-in prices were last checked against OpenAI's price list. */
    public static final String BUILT_IN_AS_OF = "2025-08";

    private static final BigDecimal NANOS_PER_MILLION_TOKENS_PER_USD = BigDecimal.valueOf(1000);

    private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);

    /**
     * The YAML reader, made on first use: Jackson's YAML module and SnakeYAML are a few hundred
     * classes that a server without a YAML file never needs (start-up time).
     */
    private static final class Yaml {
        static final ObjectMapper MAPPER = YAMLMapper.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
    }

    private static final PriceTable BUILT_IN = new PriceTable(builtInEntries());

    /** How many distinct model names {@link #priceOf} remembers; further names are looked up each time. */
    static final int RESOLVED_MAX = 1024;

    private final Map<String, ModelPrice> prices;

    /**
     * {@link #priceOf}'s answers by the model name as given, misses included. The usage writer
     * prices every record, and a dated name such as {@code gpt-4o-mini-2024-07-18} otherwise costs
     * a lower-cased copy and four lookups of its prefixes each time (6 % of the writer's Java samples
     * at c=32, issue 9). Bounded, because model names come from clients: once full, further names
     * are looked up every time, never wrongly.
     */
    private final ConcurrentHashMap<String, Optional<ModelPrice>> resolved = new ConcurrentHashMap<>();

    private PriceTable(Map<String, ModelPrice> prices) {
        this.prices = Collections.unmodifiableMap(new LinkedHashMap<>(prices));
    }

    /**
     * Prices of one model in USD per one million tokens.
     *
     * @param input       uncached prompt tokens
     * @param cachedInput prompt tokens served from the provider's prompt cache
     * @param output      completion tokens (including reasoning tokens)
     */
    public record ModelPrice(BigDecimal input, BigDecimal cachedInput, BigDecimal output) {
        public ModelPrice {
            Objects.requireNonNull(input, "input");
            Objects.requireNonNull(cachedInput, "cachedInput");
            Objects.requireNonNull(output, "output");
        }

        static ModelPrice of(String input, String cachedInput, String output) {
            return new ModelPrice(new BigDecimal(input), new BigDecimal(cachedInput == null ? input : cachedInput),
                    new BigDecimal(output));
        }
    }

    /**
     * The cost of one request.
     *
     * @param nanos cost in nano-dollars (10<sup>-9</sup> USD); 0 when unknown
     * @param known whether the model was in the table
     */
    public record Cost(long nanos, boolean known) {
        public static final Cost UNKNOWN = new Cost(0, false);
        public static final Cost FREE = new Cost(0, true);

        /** The cost in USD, exactly. */
        public BigDecimal usd() {
            return toUsd(nanos);
        }
    }

    /** The built-in prices (OpenAI list prices as of {@value #BUILT_IN_AS_OF}). */
    public static PriceTable builtIn() {
        return BUILT_IN;
    }

    /** A table of exactly these prices (keys are lower-cased). */
    public static PriceTable of(Map<String, ModelPrice> prices) {
        Map<String, ModelPrice> m = new LinkedHashMap<>();
        prices.forEach((k, v) -> m.put(normalise(k), v));
        return new PriceTable(m);
    }

    /** The entries, in insertion order. */
    public Map<String, ModelPrice> entries() {
        return prices;
    }

    /** The price entry that applies to {@code model} (longest matching prefix), or null. */
    public ModelPrice priceOf(String model) {
        if (model == null) {
            return null;
        }
        Optional<ModelPrice> known = resolved.get(model);
        if (known != null) {
            return known.orElse(null);
        }
        ModelPrice p = resolve(model);
        if (resolved.size() < RESOLVED_MAX) {
            resolved.putIfAbsent(model, Optional.ofNullable(p));
        }
        return p;
    }

    /** How many names {@link #priceOf} remembers (tests). */
    int resolvedCount() {
        return resolved.size();
    }

    private ModelPrice resolve(String model) {
        String m = normalise(model);
        ModelPrice exact = prices.get(m);
        if (exact != null) {
            return exact;
        }
        // Longest prefix at a '-' boundary: walk back over the dashes of the name.
        for (int dash = m.lastIndexOf('-'); dash > 0; dash = m.lastIndexOf('-', dash - 1)) {
            ModelPrice p = prices.get(m.substring(0, dash));
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    /**
     * The cost of a request to {@code model}.
     *
     * @param promptTokens     all prompt tokens, cached ones included (as OpenAI reports them)
     * @param cachedTokens     the part of {@code promptTokens} served from the prompt cache
     * @param completionTokens completion tokens
     */
    public Cost cost(String model, long promptTokens, long cachedTokens, long completionTokens) {
        ModelPrice p = priceOf(model);
        if (p == null) {
            return Cost.UNKNOWN;
        }
        long cached = Math.max(0, Math.min(cachedTokens, promptTokens));
        BigDecimal perMillion = p.input().multiply(BigDecimal.valueOf(Math.max(0, promptTokens - cached)))
                .add(p.cachedInput().multiply(BigDecimal.valueOf(cached)))
                .add(p.output().multiply(BigDecimal.valueOf(Math.max(0, completionTokens))));
        // USD/1M tokens × tokens = 10^-6 USD = 1000 nano-dollars.
        BigDecimal nanos = perMillion.multiply(NANOS_PER_MILLION_TOKENS_PER_USD).setScale(0, RoundingMode.HALF_UP);
        if (nanos.compareTo(MAX_NANOS) > 0) {
            // Over 9.2 billion USD for one request: token counts no real answer has. The record is
            // kept with its tokens and an unknown cost rather than lost or summed into totals.
            return Cost.UNKNOWN;
        }
        return new Cost(nanos.longValue(), true);
    }

    /** Nano-dollars as USD, exactly, without trailing zeros. */
    public static BigDecimal toUsd(long nanos) {
        BigDecimal usd = BigDecimal.valueOf(nanos, 9).stripTrailingZeros();
        return usd.scale() < 0 ? usd.setScale(0) : usd;
    }

    /**
     * The built-in table overridden by the YAML file at {@code file} (format in the class javadoc).
     *
     * @throws ConfigException naming the file, the key and the problem
     */
    public static PriceTable load(Path file) {
        String source = file.toString();
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(source, null, "cannot read the price table: " + e.getMessage());
        }
        return parse(source, text);
    }

    /** Like {@link #load} for YAML text; {@code source} names it in error messages. */
    public static PriceTable parse(String source, String yaml) {
        JsonNode root;
        try {
            root = Yaml.MAPPER.readTree(yaml);
        } catch (IOException e) {
            throw new ConfigException(source, null, "not valid YAML: " + firstLine(e.getMessage()));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new ConfigException(source, null, "the price table is empty; expected a 'models:' mapping");
        }
        if (!root.isObject()) {
            throw new ConfigException(source, null, "expected a mapping with 'models:' at the top level");
        }
        boolean replace = false;
        JsonNode models = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            switch (e.getKey()) {
                case "replace_defaults" -> {
                    if (!e.getValue().isBoolean()) {
                        throw new ConfigException(source, "replace_defaults", "expected true or false");
                    }
                    replace = e.getValue().booleanValue();
                }
                case "models" -> models = e.getValue();
                default -> throw new ConfigException(source, e.getKey(),
                        "unknown key; allowed at the top level: models, replace_defaults");
            }
        }
        if (models == null || !models.isObject()) {
            throw new ConfigException(source, "models", "expected a mapping of model name to prices,"
                    + " e.g. 'gpt-4o: {input: 2.50, cached_input: 1.25, output: 10.00}'");
        }
        Map<String, ModelPrice> merged = new LinkedHashMap<>(replace ? Map.of() : BUILT_IN.prices);
        for (Iterator<Map.Entry<String, JsonNode>> it = models.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = "models." + e.getKey();
            String model = normalise(e.getKey());
            if (model.isEmpty()) {
                throw new ConfigException(source, key, "a model name must not be blank");
            }
            merged.put(model, readPrice(source, key, e.getValue()));
        }
        return new PriceTable(merged);
    }

    private static ModelPrice readPrice(String source, String key, JsonNode node) {
        if (!node.isObject()) {
            throw new ConfigException(source, key, "expected a mapping like {input: 2.50, output: 10.00}");
        }
        BigDecimal input = null;
        BigDecimal cached = null;
        BigDecimal output = BigDecimal.ZERO;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = key + "." + e.getKey();
            switch (e.getKey()) {
                case "input" -> input = amount(source, field, e.getValue());
                case "cached_input" -> cached = amount(source, field, e.getValue());
                case "output" -> output = amount(source, field, e.getValue());
                default -> throw new ConfigException(source, field,
                        "unknown key; allowed: input, cached_input, output (USD per 1M tokens)");
            }
        }
        if (input == null) {
            throw new ConfigException(source, key + ".input", "missing; the price of 1M prompt tokens in USD");
        }
        return new ModelPrice(input, cached == null ? input : cached, output);
    }

    private static BigDecimal amount(String source, String key, JsonNode value) {
        BigDecimal d;
        if (value.isNumber()) {
            d = value.decimalValue();
        } else if (value.isTextual()) {
            try {
                d = new BigDecimal(value.asText().trim());
            } catch (NumberFormatException e) {
                throw new ConfigException(source, key, "expected a number of USD per 1M tokens, got '"
                        + value.asText() + "'");
            }
        } else {
            throw new ConfigException(source, key, "expected a number of USD per 1M tokens");
        }
        if (d.signum() < 0) {
            throw new ConfigException(source, key, "a price must not be negative, got " + d.toPlainString());
        }
        if (d.compareTo(BigDecimal.valueOf(1_000_000)) > 0) {
            throw new ConfigException(source, key, "more than 1,000,000 USD per 1M tokens is surely a mistake, got "
                    + d.toPlainString());
        }
        return d;
    }

    private static String normalise(String model) {
        return model.trim().toLowerCase(Locale.ROOT);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    /** Model names in the built-in table, for documentation and tests. */
    public Set<String> models() {
        return prices.keySet();
    }

    /**
     * OpenAI standard-tier list prices, USD per 1M tokens (input, cached input, output), as of
     * {@value #BUILT_IN_AS_OF}. Batch and flex discounts are not modelled.
     */
    private static Map<String, ModelPrice> builtInEntries() {
        Map<String, ModelPrice> m = new LinkedHashMap<>();
        m.put("gpt-5", ModelPrice.of("1.25", "0.125", "10.00"));
        m.put("gpt-5-mini", ModelPrice.of("0.25", "0.025", "2.00"));
        m.put("gpt-5-nano", ModelPrice.of("0.05", "0.005", "0.40"));
        m.put("gpt-4.1", ModelPrice.of("2.00", "0.50", "8.00"));
        m.put("gpt-4.1-mini", ModelPrice.of("0.40", "0.10", "1.60"));
        m.put("gpt-4.1-nano", ModelPrice.of("0.10", "0.025", "0.40"));
        m.put("gpt-4o", ModelPrice.of("2.50", "1.25", "10.00"));
        m.put("gpt-4o-2024-05-13", ModelPrice.of("5.00", null, "15.00"));
        m.put("chatgpt-4o-latest", ModelPrice.of("5.00", null, "15.00"));
        m.put("gpt-4o-mini", ModelPrice.of("0.15", "0.075", "0.60"));
        m.put("o1", ModelPrice.of("15.00", "7.50", "60.00"));
        m.put("o1-mini", ModelPrice.of("1.10", "0.55", "4.40"));
        m.put("o1-pro", ModelPrice.of("150.00", null, "600.00"));
        m.put("o3", ModelPrice.of("2.00", "0.50", "8.00"));
        m.put("o3-mini", ModelPrice.of("1.10", "0.55", "4.40"));
        m.put("o3-pro", ModelPrice.of("20.00", null, "80.00"));
        m.put("o4-mini", ModelPrice.of("1.10", "0.275", "4.40"));
        m.put("gpt-4-turbo", ModelPrice.of("10.00", null, "30.00"));
        m.put("gpt-4", ModelPrice.of("30.00", null, "60.00"));
        m.put("gpt-4-32k", ModelPrice.of("60.00", null, "120.00"));
        m.put("gpt-3.5-turbo", ModelPrice.of("0.50", null, "1.50"));
        m.put("gpt-3.5-turbo-instruct", ModelPrice.of("1.50", null, "2.00"));
        m.put("text-embedding-3-small", ModelPrice.of("0.02", null, "0"));
        m.put("text-embedding-3-large", ModelPrice.of("0.13", null, "0"));
        m.put("text-embedding-ada-002", ModelPrice.of("0.10", null, "0"));
        return m;
    }
}
