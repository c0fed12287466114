package dev.llmproxy.core.route;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Loads the provider configuration file ({@code API_CONFIG_PATH}, CLI {@code --config}) into a
 * {@link ProviderConfig}.
 *
 * <h2>File format</h2>
 * The format of the original Go proxy's {@code config/api_providers.yaml}, so existing files load
 * unchanged:
 * <pre>
 * default_api: openai                 # optional: provider used when DEFAULT_API_PROVIDER names none
 * apis:
 *   openai:
 *     base_url: https://api.openai.com                  # required; or a list for failover:
 *     # base_urls: [http://10.0.0.1:8000, http://10.0.0.2:8000]   (base_url also takes a list)
 *     allowed_endpoints: [/v1/chat/completions, /v1/models]       # path prefixes; omit = all
 *     allowed_methods: [GET, POST]                                # omit = all
 *     timeouts: {connect: 10s, response_header: 60s, idle_between_chunks: 120s, pool_idle: 60s}
 *     param_whitelist: {model: [gpt-4o, "gpt-4o-*"]}              # glob patterns per JSON key
 *     allowed_origins: [https://app.example.com]                  # exact; omit = any origin
 *     required_headers: [origin]
 *     model_aliases: {fast: gpt-4o-mini}
 *     health_check: {path: /v1/models, interval: 10s, timeout: 2s}   # active probes; see below
 * </pre>
 *
 * <h2>Which provider is used</h2>
 * One provider serves a process. It is, in order: {@code providerName}
 * ({@code DEFAULT_API_PROVIDER}) when the file defines it; else {@code default_api}; else the only
 * provider when the file defines exactly one. Otherwise loading fails and the message lists the
 * provider names. Every provider in the file is validated, not only the selected one, so a
 * mistake in a spare profile is found before the day someone switches to it.
 *
 * <h2>Settings</h2>
 * <ul>
 *   <li>{@code base_url} / {@code base_urls}: one URL or a list; {@code http} or {@code https},
 *       host and optional port, nothing else. A path is refused rather than silently dropped: the
 *       client's path ({@code /v1/...}) is sent to the upstream host as is.</li>
 *   <li>{@code allowed_endpoints}: path prefixes matched at a segment boundary
 *       ({@code /v1/models} allows {@code /v1/models/gpt-4o}, not {@code /v1/modelsX}); a trailing
 *       {@code /} is dropped; missing or empty allows every path.</li>
 *   <li>{@code allowed_methods}: case-insensitive; missing or empty allows every method.</li>
 *   <li>{@code timeouts}: durations like {@code 500ms}, {@code 10s}, {@code 1m30s} or whole seconds
 *       (see {@link Durations}); each one left out takes its value from
 *       {@link ProviderConfig.Timeouts#DEFAULTS}. The original keys are understood:
 *       {@code idle_connection} means {@code pool_idle}; {@code request} and
 *       {@code flush_interval} are accepted but have no effect (there is deliberately no total
 *       request limit, so long streams are never cut off, and responses are flushed chunk by
 *       chunk), and a warning says so.</li>
 *   <li>{@code param_whitelist}: top-level JSON key to a list of {@link Glob} patterns; an empty
 *       list forbids the key altogether. Patterns are compiled here, so a bad one stops start-up.</li>
 *   <li>{@code allowed_origins}: exact origins ({@code scheme://host[:port]}, no trailing slash,
 *       compared in lower case); {@code *} is refused: leave the list empty to allow any origin.</li>
 *   <li>{@code required_headers}: header names every proxied request must carry.</li>
 *   <li>{@code model_aliases}: model name to the model actually requested upstream.</li>
 *   <li>{@code health_check}: active probes of every upstream ({@link UpstreamProbeConfig}):
 *       {@code enabled} (default true when the block is present), {@code path}
 *       ({@code /v1/models}), {@code method} ({@code GET} or {@code HEAD}), {@code interval}
 *       ({@code 10s}), {@code timeout} ({@code 2s}), {@code failure_threshold} (2),
 *       {@code healthy_statuses} (a list of codes or ranges; default {@code [100-499]}: any answer
 *       below 500 means reachable) and {@code send_api_key} (false). {@code health_check: false}
 *       turns probes off. Without the block the caller's default applies (off for the library, the
 *       {@code UPSTREAM_PROBE_*} settings for the server).</li>
 *   <li>{@code connection} (original key, connection pool sizes): accepted and ignored with a
 *       warning; the proxy sizes its pool itself.</li>
 * </ul>
 * Any other key is an error that names it, which catches typos such as
 * {@code allowed_endpoint}. A list setting may also be written as a single value.
 *
 * <h2>Errors</h2>
 * Every problem is a {@link ConfigException} whose message names the file, the key and the
 * expected form, e.g.
 * {@code config/api.yaml: apis.openai.timeouts.connect: expected a duration like 10s or 500ms, got 'ten'}.
 * Unlike the original, a missing or broken file is never replaced by the built-in profile: the
 * caller uses {@link ProviderConfig#openAi(URI)} only when no file is configured at all.
 */
public final class ProviderConfigLoader {

    private static final Logger log = LoggerFactory.getLogger(ProviderConfigLoader.class);

    /**
     * The YAML reader, made on first use: Jackson's YAML module and SnakeYAML are a few hundred
     * classes that a server without a YAML file never needs (start-up time).
     */
    private static final class Yaml {
        // Duplicate keys are almost always a paste error; the last one silently winning hides it.
        static final ObjectMapper MAPPER = YAMLMapper.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
    }

    private static final List<String> TOP_LEVEL_KEYS = List.of("default_api", "apis");
    private static final List<String> PROVIDER_KEYS = List.of("base_url", "base_urls",
            "allowed_endpoints", "allowed_methods", "timeouts", "param_whitelist", "allowed_origins",
            "required_headers", "model_aliases", "connection", "health_check");
    private static final List<String> HEALTH_CHECK_KEYS = List.of("enabled", "path", "method", "interval",
            "timeout", "failure_threshold", "healthy_statuses", "send_api_key");
    private static final List<String> TIMEOUT_KEYS = List.of("connect", "response_header",
            "idle_between_chunks", "pool_idle", "idle_connection", "request", "flush_interval");

    private ProviderConfigLoader() {
    }

    /**
     * Reads {@code yamlFile} (UTF-8) and returns the selected provider.
     *
     * @param providerName the requested provider ({@code DEFAULT_API_PROVIDER}); null or blank
     *                     when none was requested
     * @throws ConfigException when the file is missing, unreadable or invalid, or no provider can
     *                         be selected
     */
    public static ProviderConfig load(Path yamlFile, String providerName) {
        return load(yamlFile, providerName, UpstreamProbeConfig.DISABLED);
    }

    /**
     * As {@link #load(Path, String)}, with {@code defaultProbes} for a provider that has no
     * {@code health_check} block; a block's missing fields also come from it ({@code health_check:
     * true} is {@code defaultProbes} switched on). The server passes its {@code UPSTREAM_PROBE_*}
     * settings here.
     */
    public static ProviderConfig load(Path yamlFile, String providerName, UpstreamProbeConfig defaultProbes) {
        String source = yamlFile.toString();
        String text;
        try {
            text = Files.readString(yamlFile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(source, null, "file not found");
        } catch (AccessDeniedException e) {
            throw new ConfigException(source, null, "permission denied reading the file");
        } catch (CharacterCodingException e) {
            throw new ConfigException(source, null, "the file is not UTF-8 text");
        } catch (IOException e) {
            String why = Files.isDirectory(yamlFile) ? "is a directory, expected a YAML file"
                    : "cannot read the file (" + e.getMessage() + ")";
            throw new ConfigException(source, null, why);
        }
        return parse(text, providerName, source, defaultProbes);
    }

    /**
     * Parses YAML text and returns the selected provider.
     *
     * @param yaml         the file content
     * @param providerName the requested provider ({@code DEFAULT_API_PROVIDER}); null or blank
     *                     when none was requested
     * @param sourceName   how to name the source in error messages, usually the file path
     * @throws ConfigException when the text is invalid or no provider can be selected
     */
    public static ProviderConfig parse(String yaml, String providerName, String sourceName) {
        return parse(yaml, providerName, sourceName, UpstreamProbeConfig.DISABLED);
    }

    /** As {@link #parse(String, String, String)} with {@code defaultProbes} (see {@link #load(Path, String, UpstreamProbeConfig)}). */
    public static ProviderConfig parse(String yaml, String providerName, String sourceName,
                                       UpstreamProbeConfig defaultProbes) {
        return new Reader(sourceName, defaultProbes).read(yaml, providerName);
    }

    /** One parse: carries the source name into every error. */
    private static final class Reader {
        private final String source;
        private final UpstreamProbeConfig defaultProbes;

        Reader(String source, UpstreamProbeConfig defaultProbes) {
            this.source = source;
            this.defaultProbes = defaultProbes;
        }

        ProviderConfig read(String yaml, String providerName) {
            JsonNode root;
            try {
                root = Yaml.MAPPER.readTree(yaml);
            } catch (JsonProcessingException e) {
                throw yamlError(e);
            }
            if (root == null || root.isMissingNode() || root.isNull()) {
                throw fail(null, "the file is empty; expected 'apis:' with at least one provider");
            }
            if (!root.isObject()) {
                throw fail(null, "expected a mapping with 'apis:' (and optionally 'default_api:') at the top, got "
                        + describe(root));
            }
            checkKeys(root, null, TOP_LEVEL_KEYS);

            JsonNode apis = root.get("apis");
            if (apis == null || apis.isNull()) {
                throw fail("apis", "required: a mapping from provider name to its settings");
            }
            if (!apis.isObject() || apis.isEmpty()) {
                throw fail("apis", "expected a mapping with at least one provider, got " + describe(apis));
            }
            Map<String, ProviderConfig> providers = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : apis.properties()) {
                providers.put(e.getKey(), provider(e.getKey(), e.getValue()));
            }
            String defaultApi = null;
            JsonNode defaultNode = root.get("default_api");
            if (defaultNode != null && !defaultNode.isNull()) {
                if (!defaultNode.isTextual() || defaultNode.asText().isBlank()) {
                    throw fail("default_api", "expected a provider name, got " + describe(defaultNode));
                }
                defaultApi = defaultNode.asText().strip();
                if (!providers.containsKey(defaultApi)) {
                    throw fail("default_api", "'" + defaultApi + "' is not defined under apis (defined: "
                            + String.join(", ", providers.keySet()) + ")");
                }
            }
            return select(providers, providerName, defaultApi);
        }

        private ProviderConfig select(Map<String, ProviderConfig> providers, String providerName,
                                      String defaultApi) {
            String wanted = providerName == null || providerName.isBlank() ? null : providerName.strip();
            if (wanted != null && providers.containsKey(wanted)) {
                return providers.get(wanted);
            }
            if (defaultApi != null) {
                return providers.get(defaultApi);
            }
            if (providers.size() == 1) {
                return providers.values().iterator().next();
            }
            String requested = wanted == null ? "no provider was requested"
                    : "the requested provider '" + wanted + "' (DEFAULT_API_PROVIDER) is not defined";
            throw fail("default_api", "cannot choose a provider: " + requested
                    + " and default_api is not set; defined providers: " + String.join(", ", providers.keySet())
                    + ". Set default_api or DEFAULT_API_PROVIDER to one of them");
        }

        private ProviderConfig provider(String name, JsonNode node) {
            String at = "apis." + name;
            if (name.isBlank()) {
                throw fail(at, "a provider name must not be blank");
            }
            if (node == null || !node.isObject()) {
                throw fail(at, "expected a mapping of settings (base_url, allowed_endpoints, ...), got "
                        + describe(node));
            }
            checkKeys(node, at, PROVIDER_KEYS);
            List<URI> upstreams = upstreams(node, at);
            List<String> endpoints = endpoints(node.get("allowed_endpoints"), at + ".allowed_endpoints");
            Set<String> methods = methods(node.get("allowed_methods"), at + ".allowed_methods");
            ProviderConfig.Timeouts timeouts = timeouts(node.get("timeouts"), at + ".timeouts");
            Map<String, List<String>> whitelist = paramWhitelist(node.get("param_whitelist"),
                    at + ".param_whitelist");
            List<String> origins = origins(node.get("allowed_origins"), at + ".allowed_origins");
            Set<String> required = headerNames(node.get("required_headers"), at + ".required_headers");
            Map<String, String> aliases = aliases(node.get("model_aliases"), at + ".model_aliases");
            checkAliasesAllowed(aliases, whitelist.get("model"), at);
            UpstreamProbeConfig probes = healthCheck(node.get("health_check"), at + ".health_check");
            JsonNode connection = node.get("connection");
            if (connection != null) {
                if (!connection.isObject() && !connection.isNull()) {
                    throw fail(at + ".connection", "expected a mapping such as {max_idle_conns: 100}, got "
                            + describe(connection));
                }
                log.warn("{}: {}.connection is ignored: llm-proxy sizes its upstream connection pool itself"
                        + " (timeouts.pool_idle sets how long idle connections are kept)", source, at);
            }
            try {
                return new ProviderConfig(name, upstreams, endpoints, methods, timeouts, whitelist, origins,
                        required, aliases, probes);
            } catch (IllegalArgumentException e) {
                // The checks above mirror the record's; this keeps any future record check readable too.
                throw fail(at, e.getMessage());
            }
        }

        private List<URI> upstreams(JsonNode provider, String at) {
            JsonNode single = provider.get("base_url");
            JsonNode many = provider.get("base_urls");
            if (single != null && many != null) {
                throw fail(at + ".base_urls", "set either base_url or base_urls, not both");
            }
            String key = at + (many != null ? ".base_urls" : ".base_url");
            JsonNode source = many != null ? many : single;
            List<JsonNode> items = list(source, key);
            if (items.isEmpty()) {
                throw fail(at + ".base_url", "required: the upstream URL, e.g. https://api.openai.com"
                        + " (or a list of URLs for failover)");
            }
            List<URI> urls = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                String itemKey = itemKey(source, key, i);
                URI url = baseUrl(text(items.get(i), itemKey, "an http:// or https:// URL"), itemKey);
                if (urls.contains(url)) {
                    throw fail(itemKey, "'" + url + "' is listed twice");
                }
                urls.add(url);
            }
            return urls;
        }

        private URI baseUrl(String text, String key) {
            String expected = "expected an absolute http:// or https:// URL such as https://api.openai.com, got '"
                    + text + "'";
            URI u;
            try {
                u = new URI(text);
            } catch (URISyntaxException e) {
                throw fail(key, expected + " (" + e.getReason() + ")");
            }
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw fail(key, expected);
            }
            if (u.getHost() == null) {
                throw fail(key, expected + " (no valid host name)");
            }
            if (u.getRawUserInfo() != null) {
                throw fail(key, "must not contain credentials, got '" + text
                        + "': the project's API key is sent in the Authorization header");
            }
            String path = u.getRawPath() == null ? "" : u.getRawPath();
            if (!path.isEmpty() && !path.equals("/") || u.getRawQuery() != null || u.getRawFragment() != null) {
                throw fail(key, "must be scheme://host[:port] only, got '" + text
                        + "': the client's request path (/v1/...) is sent to the upstream as is, so a path here"
                        + " would be ignored");
            }
            return URI.create(scheme + "://" + u.getRawAuthority());
        }

        private List<String> endpoints(JsonNode node, String key) {
            Set<String> endpoints = new LinkedHashSet<>();
            List<JsonNode> items = list(node, key);
            for (int i = 0; i < items.size(); i++) {
                String itemKey = itemKey(node, key, i);
                String e = text(items.get(i), itemKey, "a path prefix such as /v1/chat/completions");
                if (!e.startsWith("/") || e.indexOf('?') >= 0 || e.indexOf('#') >= 0 || e.indexOf('*') >= 0) {
                    throw fail(itemKey, "expected a path prefix such as /v1/chat/completions (no wildcards"
                            + " or query), got '" + e + "'");
                }
                // "/v1/models/" and "/v1/models" mean the same: prefixes match at segment boundaries.
                while (e.length() > 1 && e.endsWith("/")) {
                    e = e.substring(0, e.length() - 1);
                }
                if (!RequestPolicy.isSafePath(e)) {
                    throw fail(itemKey, "'" + e + "' is not a clean path: no '.' or '..' segments, '//',"
                            + " backslashes, encoded '/', '.' or '%', spaces or control characters");
                }
                endpoints.add(e);
            }
            return List.copyOf(endpoints);
        }

        private Set<String> methods(JsonNode node, String key) {
            Set<String> methods = new LinkedHashSet<>();
            List<JsonNode> items = list(node, key);
            for (int i = 0; i < items.size(); i++) {
                String itemKey = itemKey(node, key, i);
                String m = text(items.get(i), itemKey, "an HTTP method such as GET or POST");
                if (!isToken(m)) {
                    throw fail(itemKey, "expected an HTTP method such as GET or POST, got '" + m + "'");
                }
                methods.add(m.toUpperCase(Locale.ROOT));
            }
            return methods;
        }

        private ProviderConfig.Timeouts timeouts(JsonNode node, String key) {
            ProviderConfig.Timeouts d = ProviderConfig.Timeouts.DEFAULTS;
            if (node == null || node.isNull()) {
                return d;
            }
            if (!node.isObject()) {
                throw fail(key, "expected a mapping such as {connect: 10s, response_header: 60s}, got "
                        + describe(node));
            }
            checkKeys(node, key, TIMEOUT_KEYS);
            if (node.has("pool_idle") && node.has("idle_connection")) {
                throw fail(key + ".idle_connection", "idle_connection is the old name of pool_idle; set only one");
            }
            Duration connect = duration(node, key, "connect", d.connect());
            Duration responseHeader = duration(node, key, "response_header", d.responseHeader());
            Duration idle = duration(node, key, "idle_between_chunks", d.idleBetweenChunks());
            Duration poolIdle = duration(node, key, node.has("idle_connection") ? "idle_connection" : "pool_idle",
                    d.poolIdle());
            if (node.has("request")) {
                duration(node, key, "request", Duration.ofSeconds(1));
                log.warn("{}: {}.request is ignored: llm-proxy sets no total request limit, so long"
                        + " streams are not cut off; idle_between_chunks bounds a stalled upstream", source, key);
            }
            if (node.has("flush_interval")) {
                duration(node, key, "flush_interval", Duration.ofSeconds(1));
                log.warn("{}: {}.flush_interval is ignored: llm-proxy forwards every chunk as soon as it"
                        + " arrives", source, key);
            }
            return new ProviderConfig.Timeouts(connect, responseHeader, idle, poolIdle);
        }

        private UpstreamProbeConfig healthCheck(JsonNode node, String key) {
            if (node == null || node.isNull()) {
                return defaultProbes;
            }
            if (node.isBoolean()) {
                return defaultProbes.withEnabled(node.asBoolean());
            }
            if (!node.isObject()) {
                throw fail(key, "expected a mapping such as {path: /v1/models, interval: 10s, timeout: 2s} or"
                        + " true/false, got " + describe(node));
            }
            checkKeys(node, key, HEALTH_CHECK_KEYS);
            UpstreamProbeConfig d = defaultProbes;
            boolean enabled = bool(node.get("enabled"), key + ".enabled", true);
            String path = node.has("path") ? text(node.get("path"), key + ".path", "a path such as /v1/models")
                    : d.path();
            String method = node.has("method") ? text(node.get("method"), key + ".method", "GET or HEAD") : d.method();
            Duration interval = duration(node, key, "interval", d.interval());
            Duration timeout = duration(node, key, "timeout", d.timeout());
            int threshold = d.failureThreshold();
            JsonNode t = node.get("failure_threshold");
            if (t != null && !t.isNull()) {
                if (!t.isIntegralNumber() || t.asInt() < 1) {
                    throw fail(key + ".failure_threshold", "expected a whole number >= 1, got " + describe(t));
                }
                threshold = t.asInt();
            }
            List<UpstreamProbeConfig.StatusRange> healthy = d.healthyStatuses();
            JsonNode statuses = node.get("healthy_statuses");
            if (statuses != null && !statuses.isNull()) {
                List<JsonNode> items = list(statuses, key + ".healthy_statuses");
                List<UpstreamProbeConfig.StatusRange> ranges = new ArrayList<>();
                for (int i = 0; i < items.size(); i++) {
                    String itemKey = itemKey(statuses, key + ".healthy_statuses", i);
                    try {
                        ranges.add(UpstreamProbeConfig.StatusRange.parse(
                                scalar(items.get(i), itemKey, "a status such as 401 or a range such as 200-299")));
                    } catch (IllegalArgumentException e) {
                        throw fail(itemKey, e.getMessage());
                    }
                }
                healthy = ranges;
            }
            boolean sendKey = bool(node.get("send_api_key"), key + ".send_api_key", false);
            try {
                return new UpstreamProbeConfig(enabled, path, method, interval, timeout, threshold, healthy, sendKey);
            } catch (IllegalArgumentException e) {
                throw fail(key, e.getMessage());
            }
        }

        private boolean bool(JsonNode node, String key, boolean fallback) {
            if (node == null || node.isNull()) {
                return fallback;
            }
            if (!node.isBoolean()) {
                throw fail(key, "expected true or false, got " + describe(node));
            }
            return node.asBoolean();
        }

        private Duration duration(JsonNode parent, String parentKey, String name, Duration fallback) {
            JsonNode node = parent.get(name);
            if (node == null || node.isNull()) {
                return fallback;
            }
            String key = parentKey + "." + name;
            if (!node.isTextual() && !node.isIntegralNumber()) {
                throw fail(key, "expected a duration like 10s or 500ms, got " + describe(node));
            }
            Duration value;
            try {
                value = Durations.parse(node.asText());
            } catch (IllegalArgumentException e) {
                throw fail(key, e.getMessage());
            }
            if (value.isZero()) {
                throw fail(key, "must be greater than zero, got '" + node.asText() + "'");
            }
            return value;
        }

        private Map<String, List<String>> paramWhitelist(JsonNode node, String key) {
            Map<String, List<String>> whitelist = new LinkedHashMap<>();
            if (node == null || node.isNull()) {
                return whitelist;
            }
            if (!node.isObject()) {
                throw fail(key, "expected a mapping from JSON key to patterns, e.g. {model: [gpt-4o, \"gpt-4o-*\"]}, got "
                        + describe(node));
            }
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                String paramKey = key + "." + e.getKey();
                if (e.getKey().isEmpty()) {
                    throw fail(paramKey, "the JSON key must not be empty");
                }
                if (e.getValue() == null || e.getValue().isNull()) {
                    throw fail(paramKey, "expected a list of patterns such as [gpt-4o, \"gpt-4o-*\"]"
                            + " (or [] to forbid the parameter), got nothing");
                }
                List<JsonNode> items = list(e.getValue(), paramKey);
                List<String> patterns = new ArrayList<>();
                for (int i = 0; i < items.size(); i++) {
                    String itemKey = itemKey(e.getValue(), paramKey, i);
                    String pattern = scalar(items.get(i), itemKey, "a pattern such as gpt-4o-*");
                    try {
                        Glob.compile(pattern);
                    } catch (IllegalArgumentException ex) {
                        throw fail(itemKey, ex.getMessage());
                    }
                    patterns.add(pattern);
                }
                whitelist.put(e.getKey(), List.copyOf(patterns));
            }
            return whitelist;
        }

        private List<String> origins(JsonNode node, String key) {
            Set<String> origins = new LinkedHashSet<>();
            List<JsonNode> items = list(node, key);
            for (int i = 0; i < items.size(); i++) {
                String itemKey = itemKey(node, key, i);
                String o = text(items.get(i), itemKey, "an origin such as https://app.example.com");
                if (o.equals("*")) {
                    throw fail(itemKey, "'*' is not supported: list each origin exactly, or leave"
                            + " allowed_origins empty to allow any origin");
                }
                origins.add(origin(o, itemKey));
            }
            return List.copyOf(origins);
        }

        private String origin(String text, String key) {
            String expected = "expected an origin such as https://app.example.com (scheme://host[:port], no"
                    + " path, no trailing '/'), got '" + text + "'";
            URI u;
            try {
                u = new URI(text);
            } catch (URISyntaxException e) {
                throw fail(key, expected);
            }
            if (u.getScheme() == null || u.getHost() == null || u.getRawUserInfo() != null
                    || (u.getRawPath() != null && !u.getRawPath().isEmpty())
                    || u.getRawQuery() != null || u.getRawFragment() != null) {
                throw fail(key, expected);
            }
            // Browsers serialise an Origin in lower case; storing ours that way makes the exact
            // comparison per request work however the operator capitalised the file.
            return text.toLowerCase(Locale.ROOT);
        }

        private Set<String> headerNames(JsonNode node, String key) {
            Set<String> names = new LinkedHashSet<>();
            List<JsonNode> items = list(node, key);
            for (int i = 0; i < items.size(); i++) {
                String itemKey = itemKey(node, key, i);
                String h = text(items.get(i), itemKey, "a header name such as origin");
                if (!isToken(h)) {
                    throw fail(itemKey, "expected a header name such as origin, got '" + h + "'");
                }
                names.add(h.toLowerCase(Locale.ROOT));
            }
            return names;
        }

        private Map<String, String> aliases(JsonNode node, String key) {
            Map<String, String> aliases = new LinkedHashMap<>();
            if (node == null || node.isNull()) {
                return aliases;
            }
            if (!node.isObject()) {
                throw fail(key, "expected a mapping from alias to model, e.g. {fast: gpt-4o-mini}, got "
                        + describe(node));
            }
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                String aliasKey = key + "." + e.getKey();
                if (e.getKey().isBlank()) {
                    throw fail(aliasKey, "an alias must not be blank");
                }
                String target = scalar(e.getValue(), aliasKey, "a model name such as gpt-4o-mini");
                if (target.isBlank()) {
                    throw fail(aliasKey, "expected a model name such as gpt-4o-mini, got an empty value");
                }
                aliases.put(e.getKey(), target);
            }
            return aliases;
        }

        /**
         * An alias whose target the {@code model} whitelist refuses could never be used: every
         * request naming it would get 400. That is a contradiction in the file, so say so now.
         */
        private void checkAliasesAllowed(Map<String, String> aliases, List<String> modelPatterns, String at) {
            if (modelPatterns == null) {
                return;
            }
            List<Glob> globs = new ArrayList<>();
            modelPatterns.forEach(p -> globs.add(Glob.compile(p)));
            for (Map.Entry<String, String> alias : aliases.entrySet()) {
                if (globs.stream().noneMatch(g -> g.matches(alias.getValue()))) {
                    throw fail(at + ".model_aliases." + alias.getKey(), "the target '" + alias.getValue()
                            + "' is not allowed by param_whitelist.model [" + String.join(" ", modelPatterns)
                            + "], so the alias could never be used");
                }
            }
        }

        /** A list setting: missing or null is empty; a single value is a one-item list. */
        private List<JsonNode> list(JsonNode node, String key) {
            List<JsonNode> items = new ArrayList<>();
            if (node == null || node.isNull()) {
                return items;
            }
            if (node.isObject()) {
                throw fail(key, "expected a list such as [a, b], got " + describe(node));
            }
            if (node.isArray()) {
                node.forEach(items::add);
            } else {
                items.add(node);
            }
            return items;
        }

        /** {@code key[i]} for an item of a YAML list; just {@code key} for a single value. */
        private String itemKey(JsonNode listNode, String key, int i) {
            return listNode.isArray() ? key + "[" + i + "]" : key;
        }

        /** A string value, stripped of surrounding whitespace. */
        private String text(JsonNode node, String key, String expected) {
            if (node == null || !node.isTextual() || node.asText().isBlank()) {
                throw fail(key, "expected " + expected + ", got " + describe(node));
            }
            return node.asText().strip();
        }

        /** A string, number or boolean, as text (patterns and model names may be numbers in YAML). */
        private String scalar(JsonNode node, String key, String expected) {
            if (node == null || !(node.isTextual() || node.isNumber() || node.isBoolean())) {
                throw fail(key, "expected " + expected + ", got " + describe(node));
            }
            return node.asText();
        }

        private void checkKeys(JsonNode node, String at, List<String> known) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                if (!known.contains(e.getKey())) {
                    String key = at == null ? e.getKey() : at + "." + e.getKey();
                    String hint = closest(e.getKey(), known);
                    throw fail(key, "unknown setting" + (hint == null ? "" : " (did you mean '" + hint + "'?)")
                            + "; expected one of " + String.join(", ", known));
                }
            }
        }

        private ConfigException yamlError(JsonProcessingException e) {
            String where = "";
            JsonLocation location = e.getLocation();
            if (e.getCause() instanceof MarkedYAMLException
                    && ((MarkedYAMLException) e.getCause()).getProblemMark() != null) {
                // SnakeYAML knows where the problem is; Jackson's location is where its token began.
                Mark mark = ((MarkedYAMLException) e.getCause()).getProblemMark();
                where = "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ": ";
            } else if (location != null && location.getLineNr() > 0) {
                where = "line " + location.getLineNr() + ", column " + location.getColumnNr() + ": ";
            }
            // SnakeYAML explains on several lines: what it was doing, what it found, each followed by
            // an indented excerpt and caret. The unindented lines are the explanation; the position
            // is already in "where".
            StringBuilder why = new StringBuilder();
            String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
            for (String line : original.split("\\R")) {
                if (!line.isBlank() && !Character.isWhitespace(line.charAt(0))) {
                    why.append(why.length() == 0 ? "" : "; ").append(line.strip());
                }
            }
            if (why.length() > 300) {
                why.setLength(300);
                why.append("...");
            }
            return new ConfigException(source, null, where + "not valid YAML: " + why);
        }

        private ConfigException fail(String key, String problem) {
            return new ConfigException(source, key, problem);
        }
    }

    private static String describe(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return "nothing";
        }
        if (node.isObject()) {
            return "a mapping";
        }
        if (node.isArray()) {
            return "a list";
        }
        if (node.isTextual()) {
            return "'" + node.asText() + "'";
        }
        return node.asText();
    }

    /** The known key within edit distance 2 of {@code key}, to suggest for a typo. */
    private static String closest(String key, List<String> known) {
        String best = null;
        int bestDistance = 3;
        for (String k : known) {
            int d = editDistance(key, k);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best;
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }

    /** An RFC 9110 token: what HTTP method and header names are made of. */
    static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
