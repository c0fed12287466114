package dev.llmproxy.core.route;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One upstream provider profile: where requests go and which requests are allowed to go there.
 * Immutable; built from the provider YAML ({@code API_CONFIG_PATH}, see {@link ProviderConfigLoader})
 * or from the built-in OpenAI profile ({@link #openAi(URI)}).
 *
 * @param name             provider name, e.g. {@code openai}
 * @param upstreams        base URLs ({@code http} or {@code https}, no path); the first healthy one
 *                         is used and a connect failure moves on to the next
 * @param allowedEndpoints path prefixes matched at a segment boundary; empty allows every path
 * @param allowedMethods   upper-case method names; empty allows every method
 * @param timeouts         upstream timeouts
 * @param paramWhitelist   top-level JSON key to glob patterns its value must match
 * @param allowedOrigins   exact Origin strings allowed; empty allows any origin
 * @param requiredHeaders  lower-case header names a request must carry; a missing {@code origin}
 *                         answers 400 {@code origin_required}, any other 400 {@code bad_request}
 * @param modelAliases     model name rewrites applied to the request body (one step, no chains)
 * @param healthCheck      active probes of the upstreams ({@code health_check:}); off unless set
 */
public record ProviderConfig(
        String name,
        List<URI> upstreams,
        List<String> allowedEndpoints,
        Set<String> allowedMethods,
        Timeouts timeouts,
        Map<String, List<String>> paramWhitelist,
        List<String> allowedOrigins,
        Set<String> requiredHeaders,
        Map<String, String> modelAliases,
        UpstreamProbeConfig healthCheck) {

    /** OpenAI's public API. */
    public static final URI DEFAULT_OPENAI_URL = URI.create("https://api.openai.com");

    /** Endpoints of the built-in OpenAI profile. */
    public static final List<String> OPENAI_ENDPOINTS = List.of(
            "/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/models",
            "/v1/responses", "/v1/files", "/v1/images", "/v1/audio", "/v1/moderations",
            "/v1/threads", "/v1/assistants", "/v1/batches", "/v1/fine_tuning", "/v1/uploads",
            "/v1/vector_stores");

    public ProviderConfig {
        Objects.requireNonNull(name, "name");
        upstreams = List.copyOf(upstreams);
        if (upstreams.isEmpty()) {
            throw new IllegalArgumentException("provider '" + name + "' needs at least one base_url");
        }
        for (URI u : upstreams) {
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null) {
                throw new IllegalArgumentException("provider '" + name + "': base_url '" + u
                        + "' must be an absolute http:// or https:// URL");
            }
        }
        allowedEndpoints = List.copyOf(allowedEndpoints);
        allowedMethods = allowedMethods.stream().map(m -> m.toUpperCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        Objects.requireNonNull(timeouts, "timeouts");
        paramWhitelist = Map.copyOf(paramWhitelist);
        allowedOrigins = List.copyOf(allowedOrigins);
        requiredHeaders = requiredHeaders.stream().map(h -> h.toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        modelAliases = Map.copyOf(modelAliases);
        Objects.requireNonNull(healthCheck, "healthCheck");
    }

    /** A profile without active health probes. */
    public ProviderConfig(String name, List<URI> upstreams, List<String> allowedEndpoints, Set<String> allowedMethods,
                          Timeouts timeouts, Map<String, List<String>> paramWhitelist, List<String> allowedOrigins,
                          Set<String> requiredHeaders, Map<String, String> modelAliases) {
        this(name, upstreams, allowedEndpoints, allowedMethods, timeouts, paramWhitelist, allowedOrigins,
                requiredHeaders, modelAliases, UpstreamProbeConfig.DISABLED);
    }

    /** The built-in OpenAI profile pointed at {@code baseUrl} (SPEC S2: {@code OPENAI_API_URL}). */
    public static ProviderConfig openAi(URI baseUrl) {
        return new ProviderConfig("openai", List.of(baseUrl), OPENAI_ENDPOINTS,
                Set.of("GET", "POST", "DELETE"), Timeouts.DEFAULTS, Map.of(), List.of(), Set.of(), Map.of());
    }

    /** A copy of this profile with other upstream URLs (used by tests and the CLI). */
    public ProviderConfig withUpstreams(List<URI> newUpstreams) {
        return new ProviderConfig(name, newUpstreams, allowedEndpoints, allowedMethods, timeouts,
                paramWhitelist, allowedOrigins, requiredHeaders, modelAliases, healthCheck);
    }

    /** A copy of this profile with other timeouts. */
    public ProviderConfig withTimeouts(Timeouts newTimeouts) {
        return new ProviderConfig(name, upstreams, allowedEndpoints, allowedMethods, newTimeouts,
                paramWhitelist, allowedOrigins, requiredHeaders, modelAliases, healthCheck);
    }

    /** A copy of this profile with other active health probe settings. */
    public ProviderConfig withHealthCheck(UpstreamProbeConfig probes) {
        return new ProviderConfig(name, upstreams, allowedEndpoints, allowedMethods, timeouts,
                paramWhitelist, allowedOrigins, requiredHeaders, modelAliases, probes);
    }

    /**
     * Upstream timeouts. There is deliberately no total-request limit: a long generation streams
     * for as long as chunks keep arriving.
     *
     * @param connect           TCP (and TLS) connect
     * @param responseHeader    from the request being fully written to the response head arriving
     * @param idleBetweenChunks longest silence allowed while a response body is streaming
     * @param poolIdle          how long an unused keep-alive connection stays in the pool
     */
    public record Timeouts(Duration connect, Duration responseHeader, Duration idleBetweenChunks,
                           Duration poolIdle) {
        public static final Timeouts DEFAULTS = new Timeouts(Duration.ofSeconds(10),
                Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(60));

        public Timeouts {
            requirePositive("connect", connect);
            requirePositive("response_header", responseHeader);
            requirePositive("idle_between_chunks", idleBetweenChunks);
            requirePositive("pool_idle", poolIdle);
        }

        private static void requirePositive(String what, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeout " + what + " must be a positive duration, got " + d);
            }
        }
    }
}
