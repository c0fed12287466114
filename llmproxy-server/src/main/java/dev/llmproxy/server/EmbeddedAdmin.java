package dev.llmproxy.server;

import dev.llmproxy.admin.AdminUi;
import io.netty.channel.ChannelHandler;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The admin UI served by {@code llm-proxy server} at {@code /admin/} on its own port. The UI talks
 * to the management API of this very server over loopback HTTP, so it behaves exactly like the
 * standalone {@code llm-proxy admin}; the address is only known once the server is bound
 * ({@link #serverStarted}). Pages render on the UI's own small pool, never on the pool the
 * management API runs on (the UI waits for that API, so sharing could deadlock).
 */
final class EmbeddedAdmin implements AutoCloseable {

    private final ExecutorService executor;
    private final AdminUi ui;
    private volatile URI base;

    private EmbeddedAdmin(AdminSettings settings) {
        this.executor = AdminUi.newDefaultExecutor();
        this.ui = settings.apply(AdminUi.builder()).executor(executor).managementApiBaseUrl(this::base).build();
    }

    /** The embedded UI, or null when {@code ADMIN_UI_ENABLED=false}. */
    static EmbeddedAdmin create(AdminSettings settings) {
        return settings.enabled() ? new EmbeddedAdmin(settings) : null;
    }

    Supplier<ChannelHandler> route() {
        return ui::newHandler;
    }

    /** Points the UI at the bound server: its own address, or loopback when bound to all interfaces. */
    void serverStarted(InetSocketAddress address) {
        String host;
        if (address.getAddress() == null || address.getAddress().isAnyLocalAddress()) {
            host = "127.0.0.1";
        } else if (address.getAddress() instanceof java.net.Inet6Address) {
            String literal = address.getAddress().getHostAddress();
            int scope = literal.indexOf('%');
            host = "[" + (scope >= 0 ? literal.substring(0, scope) : literal) + "]";
        } else {
            host = address.getAddress().getHostAddress();
        }
        base = URI.create("http://" + host + ":" + address.getPort());
    }

    private URI base() {
        URI b = base;
        if (b == null) {
            throw new IllegalStateException("the server has not started yet");
        }
        return b;
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(Duration.ofSeconds(5).toMillis(), TimeUnit.MILLISECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
