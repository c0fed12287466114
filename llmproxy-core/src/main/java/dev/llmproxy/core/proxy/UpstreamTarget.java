package dev.llmproxy.core.proxy;

import java.net.URI;
import java.util.Locale;

/**
 * One upstream base URL, pre-parsed for the request path: scheme, host, port and the
 * {@code Host} header value, and its {@link CircuitBreaker}: an upstream that keeps failing is
 * skipped so requests go straight to a healthy one.
 */
final class UpstreamTarget {

    final URI uri;
    final String host;
    final int port;
    final boolean secure;
    final String hostHeader;
    /** Pool key part: equal targets share pooled connections. */
    final String key;
    /** IP address hosts get no SNI (RFC 6066 §3). */
    final boolean ipLiteral;

    /** Passive health: refused connections, 5xx answers and timeouts open it. */
    final CircuitBreaker breaker = new CircuitBreaker();
    /** Active health: the last probe's outcome (untouched while probes are off). */
    final ProbeState probe = new ProbeState();
    /** Bounded metric label: the configured endpoint as host:port. */
    final String label;

    UpstreamTarget(URI uri) {
        this.uri = uri;
        this.secure = "https".equals(uri.getScheme().toLowerCase(Locale.ROOT));
        this.host = uri.getHost();
        int defaultPort = secure ? 443 : 80;
        this.port = uri.getPort() == -1 ? defaultPort : uri.getPort();
        String hostForHeader = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        this.hostHeader = port == defaultPort ? hostForHeader : hostForHeader + ":" + port;
        this.key = (secure ? "https://" : "http://") + hostHeader;
        this.ipLiteral = host.contains(":") || host.matches("[0-9.]+");
        this.label = hostForHeader + ":" + port;
    }

    @Override
    public String toString() {
        return key;
    }
}
