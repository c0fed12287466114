package dev.llmproxy.core.proxy;

import java.net.URI;
import java.util.Locale;

/**
 * One upstream base URL, pre-parsed for the request path: scheme, host, port and the
 * {@code Host} header value. Carries a passive health mark: after a connect failure the target is
 * skipped for {@link #COOL_DOWN_NANOS} so later requests go straight to a healthy one.
 */
final class UpstreamTarget {

    /** How long a target that refused a connection is avoided. */
    static final long COOL_DOWN_NANOS = 5_000_000_000L;

    final URI uri;
    final String host;
    final int port;
    final boolean secure;
    final String hostHeader;
    /** Pool key part: equal targets share pooled connections. */
    final String key;
    /** IP address hosts get no SNI (RFC 6066 §3). */
    final boolean ipLiteral;

    // Written from any event loop; a stale read only means one extra attempt on a dead target.
    private volatile long downUntilNanos;

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
    }

    boolean isHealthy(long nowNanos) {
        return nowNanos - downUntilNanos >= 0;
    }

    void markDown(long nowNanos) {
        downUntilNanos = nowNanos + COOL_DOWN_NANOS;
    }

    void markUp() {
        if (downUntilNanos != 0) {
            downUntilNanos = 0;
        }
    }

    @Override
    public String toString() {
        return key;
    }
}
