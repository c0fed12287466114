package dev.llmproxy.server;

import dev.llmproxy.admin.AdminServer;
import dev.llmproxy.admin.AdminUi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * {@code llm-proxy admin}: the admin web UI on its own port, as a client of a server's management
 * API. Operators log in with that server's management token; this process keeps no data.
 */
@Command(name = "admin",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "Serves the admin web UI at http://HOST:PORT/admin/ for the llm-proxy server at --manage-api-base-url."
                    + " Log in with that server's MANAGEMENT_TOKEN. Sessions live in this process"
                    + " (ADMIN_SESSION_IDLE_TIMEOUT, ADMIN_SESSION_MAX_LIFETIME); see docs/admin-ui.md.",
            "The same UI is served by 'llm-proxy server' itself at /admin/ (ADMIN_UI_ENABLED)."
        },
        footer = {"", "Example:", "  llm-proxy admin --listen 127.0.0.1:8081 --manage-api-base-url http://127.0.0.1:8080"})
final class AdminCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(AdminCommand.class);

    private final CliContext context;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = ":8081",
            description = "Where the UI listens: :8081, 127.0.0.1:8081; port 0 picks a free port. Default ${DEFAULT-VALUE}.")
    String listen;

    @Option(names = "--manage-api-base-url", paramLabel = "URL", defaultValue = ManageCommand.Options.DEFAULT_BASE_URL,
            description = "The llm-proxy server whose management API the UI uses. Default ${DEFAULT-VALUE}.")
    String baseUrl;

    AdminCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        ServerConfigReader reader = new ServerConfigReader(ServerFlags.NONE, context.env());
        Logging.apply(reader.logSettings());
        InetSocketAddress address;
        try {
            address = ValueParsers.listenAddress(listen);
        } catch (IllegalArgumentException e) {
            throw new ConfigError("--listen: " + e.getMessage(), e);
        }
        URI base;
        try {
            base = ValueParsers.baseUrl(baseUrl);
        } catch (IllegalArgumentException e) {
            throw new ConfigError("--manage-api-base-url: " + e.getMessage(), e);
        }
        AdminSettings settings = reader.adminSettings();
        ExecutorService executor = AdminUi.newDefaultExecutor();
        AdminServer server;
        try {
            AdminUi ui = settings.apply(AdminUi.builder()).executor(executor).managementApiBaseUrl(base).build();
            server = AdminServer.start(ui, address);
        } catch (RuntimeException e) {
            executor.shutdownNow();
            throw e;
        }
        log.info("admin UI for {} listening on {}", base, ServerCommand.display(server.localAddress()));
        context.out().println("llm-proxy admin listening on http://" + ServerCommand.display(server.localAddress())
                + "/admin/ (management API " + base + ")");
        context.out().flush();
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        context.shutdown().register("llm-proxy-admin-shutdown", () -> {
            try {
                server.close();
                executor.shutdownNow();
                log.info("stopped");
            } finally {
                stopped.complete(null);
            }
            context.shutdown().stoppedCleanly(Main.EXIT_OK);
        });
        stopped.join();
        return Main.EXIT_OK;
    }
}
