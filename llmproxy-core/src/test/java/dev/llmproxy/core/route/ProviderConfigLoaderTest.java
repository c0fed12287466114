package dev.llmproxy.core.route;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ProviderConfigLoaderTest {

    private static final String SOURCE = "config/api.yaml";

    private static Path exampleFile() throws URISyntaxException {
        return Path.of(ProviderConfigLoaderTest.class.getResource("/route/api_providers.yaml").toURI());
    }

    private static ProviderConfig parse(String yaml) {
        return ProviderConfigLoader.parse(yaml, null, SOURCE);
    }

    /** A file with one provider "openai" whose settings are {@code body} (indented by the caller). */
    private static ProviderConfig parseOpenAi(String body) {
        return parse("apis:\n  openai:\n    base_url: https://api.openai.com\n" + body);
    }

    private static ConfigException failure(String yaml) {
        return catchThrowableOfType(ConfigException.class, () -> parse(yaml));
    }

    @Test
    void load_exampleFile_returnsTheDefaultApiWithEverySetting() throws Exception {
        ProviderConfig config = ProviderConfigLoader.load(exampleFile(), null);

        assertThat(config.name()).isEqualTo("openai");
        assertThat(config.upstreams()).containsExactly(URI.create("https://api.openai.com"));
        assertThat(config.allowedEndpoints()).contains("/v1/chat/completions", "/v1/models").hasSize(10);
        assertThat(config.allowedMethods()).containsExactlyInAnyOrder("GET", "POST", "DELETE");
        assertThat(config.timeouts()).isEqualTo(new ProviderConfig.Timeouts(Duration.ofSeconds(10),
                Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(60)));
        assertThat(config.paramWhitelist().get("model")).startsWith("gpt-4o", "gpt-4o-*");
        assertThat(config.allowedOrigins()).containsExactly("https://app.example.com", "http://localhost:4000");
        assertThat(config.requiredHeaders()).isEmpty();
        assertThat(config.modelAliases()).containsEntry("fast", "gpt-4o-mini");
    }

    @Test
    void load_exampleFileWithProviderName_selectsThatProvider() throws Exception {
        ProviderConfig config = ProviderConfigLoader.load(exampleFile(), "local");

        assertThat(config.name()).isEqualTo("local");
        assertThat(config.upstreams()).containsExactly(URI.create("http://10.0.0.11:8000"),
                URI.create("http://10.0.0.12:8000"));
        assertThat(config.timeouts()).isEqualTo(new ProviderConfig.Timeouts(Duration.ofSeconds(10),
                Duration.ofSeconds(300), Duration.ofSeconds(120), Duration.ofSeconds(60)));
        assertThat(config.paramWhitelist()).isEmpty();
        assertThat(config.allowedOrigins()).isEmpty();
    }

    @Test
    void load_exampleFile_buildsAPolicy() throws Exception {
        RequestPolicy policy = new RequestPolicy(ProviderConfigLoader.load(exampleFile(), "openai"));
        assertThat(policy.resolveModelAlias("smart")).isEqualTo("gpt-4.1");
    }

    @Test
    void load_missingFile_failsNamingThePath(@TempDir Path dir) {
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> ProviderConfigLoader.load(missing, "openai"))
                .isInstanceOf(ConfigException.class)
                .hasMessage(missing + ": file not found");
    }

    @Test
    void load_directory_failsSayingSo(@TempDir Path dir) {
        assertThatThrownBy(() -> ProviderConfigLoader.load(dir, "openai"))
                .hasMessage(dir + ": is a directory, expected a YAML file");
    }

    @Test
    void load_fileWithError_namesTheFileInTheMessage(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("api.yaml");
        Files.writeString(file, "apis:\n  openai:\n    base_url: https://x.example\n    timeouts: {connect: ten}\n");
        assertThatThrownBy(() -> ProviderConfigLoader.load(file, null))
                .hasMessage(file + ": apis.openai.timeouts.connect: expected a duration like 10s or 500ms, got 'ten'");
    }

    @Test
    void parse_baseUrlList_keepsEveryUpstreamInOrder() {
        ProviderConfig config = parse("apis:\n  vllm:\n    base_url: [http://a:8000, http://b:8000]\n");
        assertThat(config.upstreams()).containsExactly(URI.create("http://a:8000"), URI.create("http://b:8000"));
    }

    @Test
    void parse_baseUrlsKey_isAcceptedAsListOrSingleValue() {
        assertThat(parse("apis:\n  vllm:\n    base_urls:\n      - http://a\n      - https://b\n").upstreams())
                .containsExactly(URI.create("http://a"), URI.create("https://b"));
        assertThat(parse("apis:\n  vllm:\n    base_urls: http://a\n").upstreams())
                .containsExactly(URI.create("http://a"));
    }

    @Test
    void parse_baseUrlWithTrailingSlashOrUpperCaseScheme_isNormalised() {
        assertThat(parse("apis:\n  p:\n    base_url: HTTPS://api.example.com:8443/\n").upstreams())
                .containsExactly(URI.create("https://api.example.com:8443"));
    }

    @Test
    void parse_minimalProvider_allowsEverythingWithDefaultTimeouts() {
        ProviderConfig config = parse("apis:\n  p:\n    base_url: http://localhost:8000\n");
        assertThat(config.allowedEndpoints()).isEmpty();
        assertThat(config.allowedMethods()).isEmpty();
        assertThat(config.timeouts()).isEqualTo(ProviderConfig.Timeouts.DEFAULTS);
        assertThat(config.paramWhitelist()).isEmpty();
        assertThat(config.allowedOrigins()).isEmpty();
        assertThat(config.requiredHeaders()).isEmpty();
        assertThat(config.modelAliases()).isEmpty();
    }

    @Test
    void parse_partialTimeouts_fillTheRestFromDefaults() {
        ProviderConfig config = parseOpenAi("    timeouts:\n      connect: 500ms\n      idle_between_chunks: 1m30s\n");
        assertThat(config.timeouts()).isEqualTo(new ProviderConfig.Timeouts(Duration.ofMillis(500),
                ProviderConfig.Timeouts.DEFAULTS.responseHeader(), Duration.ofSeconds(90),
                ProviderConfig.Timeouts.DEFAULTS.poolIdle()));
    }

    @Test
    void parse_timeoutAsWholeNumber_isSeconds() {
        assertThat(parseOpenAi("    timeouts: {response_header: 45}\n").timeouts().responseHeader())
                .isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void parse_originalTimeoutKeys_mapIdleConnectionAndIgnoreRequestAndFlushInterval() {
        ProviderConfig config = parseOpenAi(
                "    timeouts: {request: 120s, response_header: 30s, idle_connection: 90s, flush_interval: 10ms}\n");
        assertThat(config.timeouts()).isEqualTo(new ProviderConfig.Timeouts(
                ProviderConfig.Timeouts.DEFAULTS.connect(), Duration.ofSeconds(30),
                ProviderConfig.Timeouts.DEFAULTS.idleBetweenChunks(), Duration.ofSeconds(90)));
    }

    @Test
    void parse_originalConnectionSection_isAccepted() {
        assertThat(parseOpenAi("    connection: {max_idle_conns: 100, max_idle_conns_per_host: 20}\n").name())
                .isEqualTo("openai");
    }

    @Test
    void parse_listsAndNames_areNormalised() {
        ProviderConfig config = parseOpenAi("""
                    allowed_endpoints: [/v1/models/, /v1/chat/completions]
                    allowed_methods: [get, Post]
                    allowed_origins: [HTTPS://App.Example.com]
                    required_headers: [Origin, X-Team]
                """);
        assertThat(config.allowedEndpoints()).containsExactly("/v1/models", "/v1/chat/completions");
        assertThat(config.allowedMethods()).containsExactlyInAnyOrder("GET", "POST");
        assertThat(config.allowedOrigins()).containsExactly("https://app.example.com");
        assertThat(config.requiredHeaders()).containsExactlyInAnyOrder("origin", "x-team");
    }

    @Test
    void parse_singleValueForAList_isAOneItemList() {
        ProviderConfig config = parseOpenAi("    allowed_methods: POST\n    param_whitelist: {model: gpt-4o}\n");
        assertThat(config.allowedMethods()).containsExactly("POST");
        assertThat(config.paramWhitelist()).isEqualTo(Map.of("model", List.of("gpt-4o")));
    }

    @Test
    void parse_emptyPatternList_forbidsTheParameter() {
        assertThat(parseOpenAi("    param_whitelist: {logit_bias: []}\n").paramWhitelist())
                .isEqualTo(Map.of("logit_bias", List.of()));
    }

    @Test
    void parse_numericPattern_isKeptAsText() {
        assertThat(parseOpenAi("    param_whitelist: {n: [1, 2]}\n").paramWhitelist().get("n"))
                .containsExactly("1", "2");
    }

    @Test
    void select_providerNameDefinedInFile_winsOverDefaultApi() {
        String yaml = "default_api: a\napis:\n  a: {base_url: http://a}\n  b: {base_url: http://b}\n";
        assertThat(ProviderConfigLoader.parse(yaml, "b", SOURCE).name()).isEqualTo("b");
    }

    @Test
    void select_providerNameNotInFile_fallsBackToDefaultApi() {
        String yaml = "default_api: a\napis:\n  a: {base_url: http://a}\n  b: {base_url: http://b}\n";
        assertThat(ProviderConfigLoader.parse(yaml, "openai", SOURCE).name()).isEqualTo("a");
        assertThat(ProviderConfigLoader.parse(yaml, "  ", SOURCE).name()).isEqualTo("a");
    }

    @Test
    void select_noDefaultApiAndOneProvider_usesIt() {
        assertThat(ProviderConfigLoader.parse("apis:\n  only: {base_url: http://a}\n", "openai", SOURCE).name())
                .isEqualTo("only");
    }

    @Test
    void select_noDefaultApiAndSeveralProviders_failsListingTheNames() {
        String yaml = "apis:\n  a: {base_url: http://a}\n  b: {base_url: http://b}\n";
        assertThatThrownBy(() -> ProviderConfigLoader.parse(yaml, "openai", SOURCE))
                .hasMessage("config/api.yaml: default_api: cannot choose a provider: the requested provider"
                        + " 'openai' (DEFAULT_API_PROVIDER) is not defined and default_api is not set; defined"
                        + " providers: a, b. Set default_api or DEFAULT_API_PROVIDER to one of them");
    }

    @Test
    void select_defaultApiNotDefined_failsListingTheNames() {
        String yaml = "default_api: anthropic\napis:\n  a: {base_url: http://a}\n";
        assertThatThrownBy(() -> ProviderConfigLoader.parse(yaml, "a", SOURCE))
                .hasMessage("config/api.yaml: default_api: 'anthropic' is not defined under apis (defined: a)");
    }

    @Test
    void parse_errorInAnUnselectedProvider_stillFails() {
        String yaml = "default_api: a\napis:\n  a: {base_url: http://a}\n  b: {base_url: http://b, allowed_metods: [GET]}\n";
        assertThatThrownBy(() -> ProviderConfigLoader.parse(yaml, "a", SOURCE))
                .hasMessageStartingWith("config/api.yaml: apis.b.allowed_metods: unknown setting (did you mean 'allowed_methods'?)");
    }

    @Test
    void parse_invalidYaml_namesTheLine() {
        ConfigException e = failure("apis:\n  openai:\n    base_url: [http://a\n");
        assertThat(e.getMessage()).startsWith("config/api.yaml: line ").contains("not valid YAML");
        assertThat(e.key()).isNull();
        assertThat(e.getMessage()).doesNotContain("\n");
    }

    @Test
    void parse_duplicateKey_fails() {
        assertThat(failure("apis:\n  openai:\n    base_url: http://a\n    base_url: http://b\n").getMessage())
                .startsWith("config/api.yaml: line ").contains("not valid YAML").contains("base_url");
    }

    @Test
    void parse_emptyFile_failsSayingWhatIsExpected() {
        assertThat(failure("").getMessage())
                .isEqualTo("config/api.yaml: the file is empty; expected 'apis:' with at least one provider");
        assertThat(failure("# only a comment\n").getMessage())
                .isEqualTo("config/api.yaml: the file is empty; expected 'apis:' with at least one provider");
    }

    static Stream<Arguments> invalidFiles() {
        String p = "apis:\n  openai:\n    base_url: https://api.openai.com\n";
        return Stream.of(
                Arguments.of("just text", null,
                        "expected a mapping with 'apis:' (and optionally 'default_api:') at the top, got 'just text'"),
                Arguments.of("apis_: {}\n", "apis_",
                        "unknown setting (did you mean 'apis'?); expected one of default_api, apis"),
                Arguments.of("default_api: a\n", "apis", "required: a mapping from provider name to its settings"),
                Arguments.of("apis: {}\n", "apis", "expected a mapping with at least one provider, got a mapping"),
                Arguments.of("apis: [a]\n", "apis", "expected a mapping with at least one provider, got a list"),
                Arguments.of("default_api: [a]\napis: {a: {base_url: http://a}}\n", "default_api",
                        "expected a provider name, got a list"),
                Arguments.of("apis:\n  openai:\n", "apis.openai",
                        "expected a mapping of settings (base_url, allowed_endpoints, ...), got nothing"),
                Arguments.of(p + "    allowed_endpoint: [/v1/models]\n", "apis.openai.allowed_endpoint",
                        "unknown setting (did you mean 'allowed_endpoints'?); expected one of base_url, base_urls,"
                                + " allowed_endpoints, allowed_methods, timeouts, param_whitelist, allowed_origins,"
                                + " required_headers, model_aliases, connection, health_check"),
                Arguments.of("apis:\n  openai:\n    allowed_methods: [GET]\n", "apis.openai.base_url",
                        "required: the upstream URL, e.g. https://api.openai.com (or a list of URLs for failover)"),
                Arguments.of("apis:\n  openai:\n    base_url: []\n", "apis.openai.base_url",
                        "required: the upstream URL, e.g. https://api.openai.com (or a list of URLs for failover)"),
                Arguments.of("apis:\n  openai:\n    base_url: http://a\n    base_urls: [http://b]\n",
                        "apis.openai.base_urls", "set either base_url or base_urls, not both"),
                Arguments.of("apis:\n  openai:\n    base_url: api.openai.com\n", "apis.openai.base_url",
                        "expected an absolute http:// or https:// URL such as https://api.openai.com, got 'api.openai.com'"),
                Arguments.of("apis:\n  openai:\n    base_url: ftp://files.example.com\n", "apis.openai.base_url",
                        "expected an absolute http:// or https:// URL such as https://api.openai.com, got 'ftp://files.example.com'"),
                Arguments.of("apis:\n  openai:\n    base_url: [http://a, 'http://b c']\n", "apis.openai.base_url[1]",
                        "expected an absolute http:// or https:// URL such as https://api.openai.com, got 'http://b c'"
                                + " (Illegal character in authority)"),
                Arguments.of("apis:\n  openai:\n    base_url: https://api.openai.com/v1\n", "apis.openai.base_url",
                        "must be scheme://host[:port] only, got 'https://api.openai.com/v1': the client's request path"
                                + " (/v1/...) is sent to the upstream as is, so a path here would be ignored"),
                Arguments.of("apis:\n  openai:\n    base_url: https://user:pw@api.openai.com\n", "apis.openai.base_url",
                        "must not contain credentials, got 'https://user:pw@api.openai.com': the project's API key is"
                                + " sent in the Authorization header"),
                Arguments.of("apis:\n  openai:\n    base_urls: [http://a, http://a/]\n", "apis.openai.base_urls[1]",
                        "'http://a' is listed twice"),
                Arguments.of(p + "    allowed_endpoints: [v1/models]\n", "apis.openai.allowed_endpoints[0]",
                        "expected a path prefix such as /v1/chat/completions (no wildcards or query), got 'v1/models'"),
                Arguments.of(p + "    allowed_endpoints: [\"/v1/*\"]\n", "apis.openai.allowed_endpoints[0]",
                        "expected a path prefix such as /v1/chat/completions (no wildcards or query), got '/v1/*'"),
                Arguments.of(p + "    allowed_endpoints: [/v1/../admin]\n", "apis.openai.allowed_endpoints[0]",
                        "'/v1/../admin' is not a clean path: no '.' or '..' segments, '//', backslashes, encoded '/',"
                                + " '.' or '%', spaces or control characters"),
                Arguments.of(p + "    allowed_endpoints: [/v1/models, 42]\n", "apis.openai.allowed_endpoints[1]",
                        "expected a path prefix such as /v1/chat/completions, got 42"),
                Arguments.of(p + "    allowed_endpoints: {models: /v1/models}\n", "apis.openai.allowed_endpoints",
                        "expected a list such as [a, b], got a mapping"),
                Arguments.of(p + "    allowed_methods: [GET POST]\n", "apis.openai.allowed_methods[0]",
                        "expected an HTTP method such as GET or POST, got 'GET POST'"),
                Arguments.of(p + "    timeouts: 10s\n", "apis.openai.timeouts",
                        "expected a mapping such as {connect: 10s, response_header: 60s}, got '10s'"),
                Arguments.of(p + "    timeouts: {connect: ten}\n", "apis.openai.timeouts.connect",
                        "expected a duration like 10s or 500ms, got 'ten'"),
                Arguments.of(p + "    timeouts: {connect: 1.5}\n", "apis.openai.timeouts.connect",
                        "expected a duration like 10s or 500ms, got 1.5"),
                Arguments.of(p + "    timeouts: {connect: 0s}\n", "apis.openai.timeouts.connect",
                        "must be greater than zero, got '0s'"),
                Arguments.of(p + "    timeouts: {request: forever}\n", "apis.openai.timeouts.request",
                        "expected a duration like 10s or 500ms, got 'forever'"),
                Arguments.of(p + "    timeouts: {idle: 30s}\n", "apis.openai.timeouts.idle",
                        "unknown setting; expected one of connect, response_header, idle_between_chunks, pool_idle,"
                                + " idle_connection, request, flush_interval"),
                Arguments.of(p + "    timeouts: {pool_idle: 30s, idle_connection: 60s}\n",
                        "apis.openai.timeouts.idle_connection", "idle_connection is the old name of pool_idle; set only one"),
                Arguments.of(p + "    param_whitelist: [gpt-4o]\n", "apis.openai.param_whitelist",
                        "expected a mapping from JSON key to patterns, e.g. {model: [gpt-4o, \"gpt-4o-*\"]}, got a list"),
                Arguments.of(p + "    param_whitelist:\n      model: [gpt-4o, \"gpt-[4\"]\n", "apis.openai.param_whitelist.model[1]",
                        "invalid pattern 'gpt-[4': the character class opened at position 5 has no closing ']'"),
                Arguments.of(p + "    param_whitelist:\n      model:\n", "apis.openai.param_whitelist.model",
                        "expected a list of patterns such as [gpt-4o, \"gpt-4o-*\"] (or [] to forbid the parameter), got nothing"),
                Arguments.of(p + "    param_whitelist:\n      model: [{a: b}]\n", "apis.openai.param_whitelist.model[0]",
                        "expected a pattern such as gpt-4o-*, got a mapping"),
                Arguments.of(p + "    allowed_origins: [\"*\"]\n", "apis.openai.allowed_origins[0]",
                        "'*' is not supported: list each origin exactly, or leave allowed_origins empty to allow any origin"),
                Arguments.of(p + "    allowed_origins: [https://app.example.com/]\n", "apis.openai.allowed_origins[0]",
                        "expected an origin such as https://app.example.com (scheme://host[:port], no path, no trailing"
                                + " '/'), got 'https://app.example.com/'"),
                Arguments.of(p + "    allowed_origins: [app.example.com]\n", "apis.openai.allowed_origins[0]",
                        "expected an origin such as https://app.example.com (scheme://host[:port], no path, no trailing"
                                + " '/'), got 'app.example.com'"),
                Arguments.of(p + "    required_headers: [\"x team\"]\n", "apis.openai.required_headers[0]",
                        "expected a header name such as origin, got 'x team'"),
                Arguments.of(p + "    model_aliases: [fast]\n", "apis.openai.model_aliases",
                        "expected a mapping from alias to model, e.g. {fast: gpt-4o-mini}, got a list"),
                Arguments.of(p + "    model_aliases: {fast: \"\"}\n", "apis.openai.model_aliases.fast",
                        "expected a model name such as gpt-4o-mini, got an empty value"),
                Arguments.of(p + "    param_whitelist: {model: [\"gpt-4o*\"]}\n    model_aliases: {cheap: gpt-3.5-turbo}\n",
                        "apis.openai.model_aliases.cheap", "the target 'gpt-3.5-turbo' is not allowed by"
                                + " param_whitelist.model [gpt-4o*], so the alias could never be used"),
                Arguments.of(p + "    connection: 100\n", "apis.openai.connection",
                        "expected a mapping such as {max_idle_conns: 100}, got 100"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("invalidFiles")
    void parse_invalidSetting_failsNamingFileKeyAndExpectedForm(String yaml, String key, String problem) {
        ConfigException e = failure(yaml);

        assertThat(e).as("no exception for %s", yaml).isNotNull();
        assertThat(e.getMessage()).isEqualTo(SOURCE + ": " + (key == null ? "" : key + ": ") + problem);
        assertThat(e.source()).isEqualTo(SOURCE);
        assertThat(e.key()).isEqualTo(key);
        assertThat(e.problem()).isEqualTo(problem);
        assertThat(e).isInstanceOf(IllegalArgumentException.class);
    }
}
