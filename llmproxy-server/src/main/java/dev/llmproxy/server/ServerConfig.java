package dev.llmproxy.server;

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
 * @param upstreamApiKey      the key sent upstream ({@code OPENAI_API_KEY}), or null to forward
 *                            the client's own {@code Authorization}
 * @param maxRequestBodyBytes larger request bodies get 413 ({@code MAX_REQUEST_SIZE})
 * @param ioThreads           event loop threads, 0 = twice the cores ({@code IO_THREADS})
 * @param managementToken     the management API secret, configured or generated
 * @param logging             log level and file
 * @param events              event bus, file event log and event body caps
 * @param warnings            things the operator should know about the configuration, logged at
 *                            start-up (never containing secrets)
 */
public record ServerConfig(
        InetSocketAddress listen,
        ProviderConfig provider,
        Path providerFile,
        String upstreamApiKey,
        long maxRequestBodyBytes,
        int ioThreads,
        ManagementToken managementToken,
        LogSettings logging,
        EventSettings events,
        List<String> warnings) {

    public ServerConfig {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(managementToken, "managementToken");
        Objects.requireNonNull(logging, "logging");
        Objects.requireNonNull(events, "events");
        warnings = List.copyOf(warnings);
    }

    /** A proxy builder carrying these settings. */
    public LlmProxy.Builder proxyBuilder() {
        return LlmProxy.builder()
                .listen(listen)
                .provider(provider)
                .upstreamApiKey(upstreamApiKey)
                .maxRequestBodyBytes(maxRequestBodyBytes)
                .ioThreads(ioThreads);
    }

    @Override
    public String toString() {
        return "ServerConfig[listen=" + listen + ", provider=" + provider.name() + " " + provider.upstreams()
                + ", providerFile=" + (providerFile == null ? "built-in" : providerFile)
                + ", upstreamApiKey=" + (upstreamApiKey == null ? "none" : "set")
                + ", maxRequestBodyBytes=" + maxRequestBodyBytes + ", ioThreads=" + ioThreads
                + ", managementToken=" + managementToken + ", logging=" + logging + ", eventBus=" + events.busName()
                + ", fileEventLog=" + events.fileEventLog() + "]";
    }
}
