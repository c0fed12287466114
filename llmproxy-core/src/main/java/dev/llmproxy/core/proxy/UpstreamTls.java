package dev.llmproxy.core.proxy;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import javax.net.ssl.SSLException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The client TLS context of upstream connections and health probes, built at most once and only
 * when needed. Building it loads the JDK's TLS stack and its CA certificates: a few hundred
 * classes and a good share of the server's start-up, so
 *
 * <ul>
 *   <li>with a PEM file of trusted certificates it is built at once, so that a bad file fails the
 *       start with a message naming it;</li>
 *   <li>with the JDK's CA certificates and an {@code https} upstream it is built on a background
 *       thread ({@code llmproxy-tls-init}) while the server goes on starting, and the first TLS
 *       connection waits for it if it comes first;</li>
 *   <li>with only {@code http} upstreams it is never built.</li>
 * </ul>
 * Thread-safe.
 */
final class UpstreamTls {

    private final Path trustedCertificates;
    private volatile CompletableFuture<SslContext> context;

    private UpstreamTls(Path trustedCertificates, CompletableFuture<SslContext> context) {
        this.trustedCertificates = trustedCertificates;
        this.context = context;
    }

    /**
     * @throws IllegalArgumentException when {@code trustedCertificates} cannot be used
     */
    static UpstreamTls forTargets(UpstreamTarget[] targets, Path trustedCertificates) {
        if (trustedCertificates != null) {
            return new UpstreamTls(trustedCertificates, CompletableFuture.completedFuture(build(trustedCertificates)));
        }
        boolean anySecure = false;
        for (UpstreamTarget t : targets) {
            anySecure |= t.secure;
        }
        if (!anySecure) {
            return new UpstreamTls(null, null);
        }
        CompletableFuture<SslContext> future = new CompletableFuture<>();
        Thread init = new Thread(() -> {
            try {
                future.complete(build(null));
            } catch (RuntimeException | LinkageError e) {
                future.completeExceptionally(e);
            }
        }, "llmproxy-tls-init");
        init.setDaemon(true);
        init.start();
        return new UpstreamTls(null, future);
    }

    /**
     * The context, waiting for the background build if it has not finished yet.
     *
     * @throws IllegalStateException when it could not be built
     */
    SslContext get() {
        CompletableFuture<SslContext> c = context;
        if (c == null) {
            synchronized (this) {
                c = context;
                if (c == null) {
                    // Only http upstreams were configured; not reached by the pool or the probes.
                    c = CompletableFuture.completedFuture(build(trustedCertificates));
                    context = c;
                }
            }
        }
        try {
            return c.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException(cause.getMessage(), cause);
        }
    }

    private static SslContext build(Path trustedCertificates) {
        try {
            // The JDK's CA certificates unless a PEM file is configured; hostname verification is
            // enabled per engine in UpstreamPool because it needs the peer host.
            SslContextBuilder b = SslContextBuilder.forClient();
            if (trustedCertificates != null) {
                b.trustManager(trustedCertificates.toFile());
            }
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot initialise TLS for upstream connections"
                    + (trustedCertificates != null ? " with trusted certificates " + trustedCertificates : "")
                    + ": " + e.getMessage(), e);
        }
    }
}
