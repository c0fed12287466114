package dev.llmproxy.server;

import dev.llmproxy.core.cache.ResponseCacheConfig;

import dev.llmproxy.core.LlmProxy;
import dev.llmproxy.core.route.ProviderConfig;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Everything {@code llm-proxy server} was configured with, validated and resolved; produced by
 * {@link ServerConfigReader} from flags and environment variables, and mapped onto the library's
 * {@link LlmProxy.Builder} by {@link #proxyBuilder()}. {@link #toString()} never shows secrets.
 *
 * @param listen              where the proxy listens ({@code LISTEN_ADDR})
 * @param provider            the upstream profile (from {@code API_CONFIG_PATH}, else the built-in
 *                            OpenAI profile at {@code OPENAI_API_URL})
 * @param providerFile        the provider file it came from, or null for the built-in profile
 * @param maxRequestBodyBytes larger request bodies get 413 ({@code MAX_REQUEST_SIZE})
 * @param ioThreads           event loop threads, 0 = one per core ({@code IO_THREADS})
 * @param managementToken     the management API secret, configured or generated
 * @param logging             log level and file
 * @param events              event bus, file event log and event body caps
 * @param storage             database, encryption, audit, token cache and Redis link
 * @param cache               the response cache, or null when disabled ({@code HTTP_CACHE_ENABLED=false})
 * @param metricsEnabled      serve {@code /metrics} and {@code /metrics/prometheus} ({@code ENABLE_METRICS})
 * @param warnings            things the operator should know about the configuration, logged at
 *                            start-up (never containing secrets)
 */
public record ServerConfig(
        InetSocketAddress listen,
        ProviderConfig provider,
        Path providerFile,
        long maxRequestBodyBytes,
        int ioThreads,
        ManagementToken managementToken,
        LogSettings logging,
        EventSettings events,
        StorageSettings storage,
        ResponseCacheConfig cache,
        boolean metricsEnabled,
        List<String> warnings) {

    public ServerConfig {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(managementToken, "managementToken");
        Objects.requireNonNull(logging, "logging");
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(storage, "storage");
        warnings = List.copyOf(warnings);
    }

    /**
     * A proxy builder carrying these settings. The server adds its token service, audit logger and
     * management API (see {@link ServerServices}); upstream keys come from projects.
     */
    public LlmProxy.Builder proxyBuilder() {
        return LlmProxy.builder()
                .listen(listen)
                .provider(provider)
                .maxRequestBodyBytes(maxRequestBodyBytes)
                .ioThreads(ioThreads);
    }

    @Override
    public String toString() {
        return "ServerConfig[listen=" + listen + ", provider=" + provider.name() + " " + provider.upstreams()
                + ", providerFile=" + (providerFile == null ? "built-in" : providerFile)
                + ", maxRequestBodyBytes=" + maxRequestBodyBytes + ", ioThreads=" + ioThreads
                + ", managementToken=" + managementToken + ", logging=" + logging + ", eventBus=" + events.busName()
                + ", fileEventLog=" + events.fileEventLog() + ", database=" + storage.database()
                + ", encryption=" + storage.cipher() + ", redis=" + storage.redis() + "]";
    }
}
