package dev.llmproxy.server;

import dev.llmproxy.core.LlmProxy;
import dev.llmproxy.core.capture.WireCaptureConfig;
import dev.llmproxy.core.events.FileEventLog;
import dev.llmproxy.eventbus.ConfigurationException;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBuses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.Inet6Address;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * {@code llm-proxy server}: reads the configuration, starts the proxy, prints where it listens and
 * runs until the process is told to stop, then drains for up to {@code SHUTDOWN_TIMEOUT}.
 */
@Command(name = "server",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "Runs the proxy: /v1/* is forwarded to the upstream provider with the key of the project whose",
            "withering token the client sends; /manage/* is the management API (MANAGEMENT_TOKEN); /health,",
            "/ready and /live answer locally. Projects, tokens and the audit log live in the database",
            "(SQLite at ./data/llm-proxy.db by default), migrated at start-up.",
            "Every flag overrides its environment variable; see docs/configuration.md for all variables."
        },
        footer = {
            "",
            "Examples:",
            "  llm-proxy server",
            "  ENCRYPTION_KEY=$(openssl rand -base64 32) llm-proxy server --listen 127.0.0.1:9000",
            "  DB_DRIVER=postgres DATABASE_URL=postgres://proxy:secret@db:5432/llmproxy llm-proxy server",
            "  llm-proxy server -c config/api_providers.yaml --provider local"
        })
final class ServerCommand implements Callable<Integer> {

    /** How long the event bus gets to flush what it holds once the proxy has stopped. */
    static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private static final Logger log = LoggerFactory.getLogger(ServerCommand.class);

    private final CliContext context;

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "Listen address: :8080, 0.0.0.0:8080, 127.0.0.1:9000, [::1]:8080; port 0 picks a free"
                    + " port. Env LISTEN_ADDR, default :8080.")
    String listen;

    /** The Go version's name for {@code --listen}, accepted so existing scripts keep working. */
    @Option(names = "--addr", paramLabel = "HOST:PORT", hidden = true)
    String addr;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Provider YAML (format in docs/configuration.md). Env API_CONFIG_PATH; default: the"
                    + " built-in OpenAI profile.")
    String config;

    @Option(names = "--provider", paramLabel = "NAME",
            description = "Provider to use from the YAML file. Env DEFAULT_API_PROVIDER; default: the file's"
                    + " default_api (openai without a file).")
    String provider;

    @Option(names = "--openai-api-url", paramLabel = "URL",
            description = "Upstream of the built-in OpenAI profile (ignored with --config). Env OPENAI_API_URL,"
                    + " default https://api.openai.com.")
    String openAiApiUrl;

    @Option(names = "--db", paramLabel = "FILE",
            description = "SQLite database file. Env DATABASE_PATH, default ./data/llm-proxy.db (DB_DRIVER=postgres"
                    + " uses DATABASE_URL instead).")
    String db;

    @Option(names = "--max-request-body-bytes", paramLabel = "SIZE",
            description = "Larger request bodies get 413: bytes or 512KiB, 10MiB, 1MB. Env MAX_REQUEST_SIZE,"
                    + " default 10MiB.")
    String maxRequestBodyBytes;

    @Option(names = "--io-threads", paramLabel = "N",
            description = "Event loop threads, 0 = one per CPU core. Env IO_THREADS, default 0.")
    String ioThreads;

    @Option(names = "--log-level", paramLabel = "LEVEL",
            description = "debug, info, warn or error. Env LOG_LEVEL, default info.")
    String logLevel;

    @Option(names = "--log-file", paramLabel = "FILE",
            description = "Also log to FILE, rotated by size (LOG_MAX_SIZE_MB, LOG_MAX_BACKUPS). Env LOG_FILE;"
                    + " default: console only.")
    String logFile;

    @Option(names = "--event-bus", paramLabel = "NAME",
            description = "Event bus backend: in-memory or redis-streams (REDIS_ADDR, REDIS_STREAM_KEY, ...)."
                    + " Env LLM_PROXY_EVENT_BUS, default in-memory.")
    String eventBus;

    @Option(names = "--file-event-log", paramLabel = "FILE",
            description = "Append every instrumentation event to FILE as one JSON line. Env FILE_EVENT_LOG;"
                    + " default: off.")
    String fileEventLog;

    ServerCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        StartupTrace.mark("server command");
        ServerConfigReader reader = new ServerConfigReader(flags(), context.env());
        Logging.apply(reader.logSettings());
        StartupTrace.mark("logging set up");
        ServerConfig config = reader.read();
        StartupTrace.mark("configuration read");
        StartupWarmUp.start(config.storage().database());
        List<String> captureWarnings = new ArrayList<>();
        WireCaptureConfig wireCapture = reader.wireCapture(config.managementToken(), captureWarnings);
        for (String warning : config.warnings()) {
            log.warn("{}", warning);
        }
        for (String warning : captureWarnings) {
            log.warn("{}", warning);
        }
        if (config.providerFile() != null) {
            log.info("provider '{}' from {}", config.provider().name(), config.providerFile());
        }
        if (config.managementToken().generated()) {
            context.out().print(config.managementToken().banner());
            context.out().flush();
        }

        EventSettings events = config.events();
        Duration shutdownTimeout = reader.shutdownTimeout();
        EmbeddedAdmin admin = EmbeddedAdmin.create(reader.adminSettings());
        StartupTrace.mark("admin UI created");
        ServerServices services = ServerServices.open(config.storage(), config.managementToken(), config.cache());
        StartupTrace.mark("services open (database, stores, token service)");
        EventBus bus;
        FileEventLog fileLog;
        LlmProxy proxy;
        try {
            bus = openEventBus(events);
            LlmProxy.Builder builder = config.proxyBuilder().requestHeadTimeout(reader.requestHeadTimeout());
            services.healthChecks().forEach(builder::healthCheck);
            if (admin != null) {
                builder.route(admin.route()); // takes /admin/*, passes everything else on
            }
            if (services.responseCache() != null) {
                builder.responseCache(services.responseCache(), config.cache());
            }
            fileLog = openFileEventLog(bus, events);
            StartupTrace.mark("event bus open");
            try {
                proxy = builder.eventBus(bus)
                        .eventBodyLimits(events.maxRequestBodyBytes(), events.maxResponseBodyBytes())
                        .tokenService(services.tokenService())
                        .auditLogger(services.audit())
                        .route(services.managementApi()::newHandler)
                        .usageWriter(services.usageWriter())
                        .metrics(config.metricsEnabled())
                        .wireCapture(wireCapture)
                        .build();
                StartupTrace.mark("proxy built");
                proxy.start();
                StartupTrace.mark("proxy listening");
            } catch (RuntimeException e) {
                closeQuietly(fileLog, bus);
                throw e;
            }
        } catch (RuntimeException e) {
            services.close();
            if (admin != null) {
                admin.close();
            }
            throw e;
        }
        if (admin != null) {
            admin.serverStarted(proxy.localAddress());
            log.info("admin UI at http://{}/admin/", display(proxy.localAddress()));
        }
        log.info("event bus: {}{}", events.busName(),
                events.fileEventLog() == null ? "" : ", file event log " + events.fileEventLog());
        context.out().println("llm-proxy listening on http://" + display(proxy.localAddress()));
        context.out().flush();

        CompletableFuture<Void> stopped = new CompletableFuture<>();
        context.shutdown().register("llm-proxy-shutdown", () -> {
            log.info("stopping: no new connections; requests in flight get up to {} s (SHUTDOWN_TIMEOUT)",
                    shutdownTimeout.toSeconds());
            try {
                proxy.stop(shutdownTimeout).join();
                // Publishing has stopped: flush what the bus holds, then let the file log finish.
                bus.close(STOP_GRACE);
                closeQuietly(fileLog, null);
                // Token usage and quota leases, the audit queue, Redis, and last the database.
                services.close();
                if (admin != null) {
                    admin.close();
                }
                log.info("stopped");
            } finally {
                stopped.complete(null);
            }
            context.shutdown().stoppedCleanly(Main.EXIT_OK);
        });
        stopped.join();
        return Main.EXIT_OK;
    }

    private static EventBus openEventBus(EventSettings events) {
        try {
            return EventBuses.load(events.busName(), events.busConfig());
        } catch (ConfigurationException e) {
            throw new ConfigError(e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new ConfigError("LLM_PROXY_EVENT_BUS: " + e.getMessage(), e);
        }
    }

    private static FileEventLog openFileEventLog(EventBus bus, EventSettings events) {
        if (events.fileEventLog() == null) {
            return null;
        }
        try {
            return FileEventLog.start(bus, events.fileEventLog());
        } catch (IOException e) {
            bus.close(Duration.ofSeconds(1));
            throw new ConfigError("FILE_EVENT_LOG: cannot open " + events.fileEventLog() + " for appending: "
                    + e.getMessage(), e);
        }
    }

    private static void closeQuietly(FileEventLog fileLog, EventBus bus) {
        try {
            if (fileLog != null) {
                fileLog.close();
            }
        } catch (IOException e) {
            log.warn("closing the file event log failed: {}", e.toString());
        }
        if (bus != null) {
            bus.close(Duration.ofSeconds(1));
        }
    }

    private ServerFlags flags() {
        if (listen != null && addr != null) {
            throw new ConfigError("--addr is the old name of --listen; give only one of them");
        }
        return new ServerFlags(listen != null ? listen : addr, config, provider, openAiApiUrl, db,
                maxRequestBodyBytes, ioThreads, logLevel, logFile, eventBus, fileEventLog);
    }

    /** {@code 0.0.0.0:8080} for all interfaces, {@code [::1]:8080} for IPv6, {@code 127.0.0.1:9000}. */
    static String display(InetSocketAddress address) {
        String host;
        if (address.getAddress() == null || address.getAddress().isAnyLocalAddress()) {
            host = "0.0.0.0";
        } else if (address.getAddress() instanceof Inet6Address) {
            String literal = address.getAddress().getHostAddress();
            int scope = literal.indexOf('%');
            host = "[" + (scope >= 0 ? literal.substring(0, scope) : literal) + "]";
        } else {
            host = address.getAddress().getHostAddress();
        }
        return host + ":" + address.getPort();
    }
}
