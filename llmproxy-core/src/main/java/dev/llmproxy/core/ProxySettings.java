package dev.llmproxy.core;

import dev.llmproxy.core.route.ProviderConfig;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The frozen configuration of one {@link LlmProxy}; built and validated by {@link LlmProxy.Builder}.
 *
 * @param listenAddress            where {@link LlmProxy#start()} binds
 * @param provider                 upstream profile: URLs, allowlists, timeouts
 * @param upstreamApiKey           key sent upstream as {@code Authorization: Bearer …}; null forwards
 *                                 the client's own {@code Authorization} unchanged
 * @param pathPrefix               requests under this prefix are proxied, others passed on
 * @param maxRequestBodyBytes      larger request bodies get 413 before any upstream traffic
 * @param maxHeaderBytes           larger request header blocks get 431
 * @param maxInitialLineBytes      longer request lines get 414
 * @param clientIdleTimeout        an idle client connection (no request in flight) is closed after this
 * @param ioThreads                event loop threads; 0 means one per core
 * @param maxIdleConnectionsPerUpstream pooled idle upstream connections per event loop and upstream
 * @param eventMaxRequestBodyBytes    request body bytes kept in an instrumentation event
 * @param eventMaxResponseBodyBytes   response body bytes kept in an instrumentation event
 * @param upstreamTrustedCertificates PEM file of CA certificates trusted for https upstreams instead
 *                                    of the JDK's default trust store; null for the default
 */
public record ProxySettings(
        InetSocketAddress listenAddress,
        ProviderConfig provider,
        String upstreamApiKey,
        String pathPrefix,
        long maxRequestBodyBytes,
        int maxHeaderBytes,
        int maxInitialLineBytes,
        Duration clientIdleTimeout,
        int ioThreads,
        int maxIdleConnectionsPerUpstream,
        int eventMaxRequestBodyBytes,
        int eventMaxResponseBodyBytes,
        Path upstreamTrustedCertificates) {

    public ProxySettings {
        Objects.requireNonNull(listenAddress, "listenAddress");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(pathPrefix, "pathPrefix");
        Objects.requireNonNull(clientIdleTimeout, "clientIdleTimeout");
    }

    @Override
    public String toString() {
        // Never print the upstream key.
        return "ProxySettings[listen=" + listenAddress + ", provider=" + provider.name() + " " + provider.upstreams()
                + ", upstreamApiKey=" + (upstreamApiKey == null ? "none" : "set") + ", pathPrefix=" + pathPrefix
                + ", maxRequestBodyBytes=" + maxRequestBodyBytes + ", clientIdleTimeout=" + clientIdleTimeout
                + ", ioThreads=" + ioThreads + "]";
    }
}
