package dev.llmproxy.server;

import dev.llmproxy.dispatch.Dispatcher;
import dev.llmproxy.dispatch.DispatcherConfig;
import dev.llmproxy.dispatch.DispatcherHealthServer;
import dev.llmproxy.dispatch.DispatcherMetrics;
import dev.llmproxy.dispatch.DispatcherService;
import dev.llmproxy.dispatch.Dispatchers;
import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.ConfigurationException;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBusConfig;
import dev.llmproxy.eventbus.EventBuses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code llm-proxy dispatcher}: reads instrumentation events from the event bus and ships them to
 * one backend ({@code file}, {@code lunary}, {@code helicone}, {@code langfuse}, or a plugin's)
 * with a {@link DispatcherService}, until SIGINT/SIGTERM; then it flushes what it holds, acknowledges
 * what the backend accepted and exits 0.
 *
 * <p><b>Bus.</b> The same variables as the server: {@code LLM_PROXY_EVENT_BUS} ({@code in-memory}
 * by default, which only makes sense when embedded: a standalone dispatcher on it receives
 * nothing, and says so), {@code REDIS_ADDR}, {@code REDIS_STREAM_KEY} and the other
 * {@link EventBusConfig#KEYS}. Each service joins its own consumer group,
 * {@code dispatcher-<service>} unless {@code --group} says otherwise: two services with different
 * groups each get every event; several processes with one group share them.
 *
 * <p><b>Backend settings</b> become the dispatcher's {@link ComponentConfig}: {@code --endpoint}
 * (env {@code LLM_PROXY_ENDPOINT}) → {@code endpoint}, {@code --api-key} (env
 * {@code LLM_PROXY_API_KEY}) → {@code api_key}, {@code --file} → {@code file}, {@code --max-file-mb},
 * {@code --max-files}, and {@code --option KEY=VALUE} for any other key (plugins' own settings).
 * The key is never printed or logged. {@code --plugins PATH} (a jar, or a directory of jars) adds
 * dispatcher and event bus plugins found by {@link java.util.ServiceLoader}.
 *
 * <p><b>Background.</b> {@code --detach} starts the same Java command line again without
 * {@code --detach} (in a new session via {@code setsid} where available), with stdin from
 * {@code /dev/null} and stdout and stderr appended to {@code --log-file}
 * ({@code ./data/dispatcher-<service>.log}); writes the child's pid to {@code --pid-file}
 * ({@code ./data/dispatcher-<service>.pid}), prints it and exits 0; or exits 1 if the child dies
 * during its first {@value #DETACH_STARTUP_CHECK_MILLIS} ms. Configuration is checked before
 * detaching, so mistakes still exit 2 in the foreground. The running process deletes its pid file
 * when it stops cleanly. Stop it with {@code kill $(cat ./data/dispatcher-<service>.pid)}.
 *
 * <p><b>Health.</b> {@code --health-listen HOST:PORT} serves {@code GET /health}
 * ({@link DispatcherHealthServer}) and {@code GET /metrics} (Prometheus, {@link DispatcherMetrics}).
 *
 * <p>Exit codes: 0 stopped cleanly (or detached), 2 configuration error (one line on stderr naming
 * the flag or variable), 1 runtime failure.
 */
@Command(name = "dispatcher",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "Ships instrumentation events from the event bus to an observability backend: file (JSONL), lunary,"
                    + " helicone, langfuse, or a plugin's. Runs until SIGINT/SIGTERM, then flushes and acknowledges.",
            "Reads the bus from the same variables as the server: LLM_PROXY_EVENT_BUS, REDIS_ADDR, REDIS_STREAM_KEY, ..."
        },
        footer = {
            "",
            "Examples:",
            "  export LLM_PROXY_EVENT_BUS=redis-streams REDIS_ADDR=localhost:6379",
            "  llm-proxy dispatcher --service file --file ./data/events.jsonl",
            "  LLM_PROXY_API_KEY=$LUNARY_KEY llm-proxy dispatcher --service lunary",
            "  llm-proxy dispatcher --service langfuse --api-key pk-lf-...:sk-lf-...",
            "  llm-proxy dispatcher --service helicone --detach --health-listen :9091",
            "  llm-proxy dispatcher --service webhook --plugins ./plugins \\",
            "      --endpoint https://hooks.example.com/llm",
            "",
            "See docs/dispatchers.md for each backend's settings and delivery guarantees."
        })
final class DispatcherCommand implements Callable<Integer> {

    static final String LLM_PROXY_API_KEY = "LLM_PROXY_API_KEY";
    static final String LLM_PROXY_ENDPOINT = "LLM_PROXY_ENDPOINT";
    /** How long a detaching launcher watches its child for an early death. */
    static final long DETACH_STARTUP_CHECK_MILLIS = 1500;
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    static final int DEFAULT_BUFFER = 1000;

    private static final Logger log = LoggerFactory.getLogger(DispatcherCommand.class);

    /** Opens the event bus; tests substitute one that hands out a bus they publish to. */
    @FunctionalInterface
    interface BusFactory {
        EventBus open(String name, ComponentConfig config);

        /** With {@code --plugins}: event bus plugins in those jars are found too. */
        default EventBus open(String name, ComponentConfig config, ClassLoader plugins) {
            return open(name, config);
        }
    }

    /** {@link EventBuses}, with the plugin class loader when there is one. */
    private static final BusFactory SERVICE_LOADER_BUSES = new BusFactory() {
        @Override
        public EventBus open(String name, ComponentConfig config) {
            return EventBuses.load(name, config);
        }

        @Override
        public EventBus open(String name, ComponentConfig config, ClassLoader plugins) {
            return EventBuses.load(name, config, plugins);
        }
    };

    private final CliContext context;
    private final BusFactory buses;

    @Option(names = "--service", required = true, paramLabel = "NAME",
            description = "Backend: file, lunary, helicone, langfuse, or a plugin's name.")
    String service;

    @Option(names = "--endpoint", paramLabel = "URL",
            description = "Backend URL (a bare host gets the backend's ingestion path), or the file for --service file."
                    + " Env LLM_PROXY_ENDPOINT; default: the backend's public cloud.")
    String endpoint;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Backend key (langfuse: PUBLIC:SECRET). Prefer env LLM_PROXY_API_KEY: flags are visible in the"
                    + " process list. Never logged.")
    String apiKey;

    @Option(names = "--file", paramLabel = "PATH", description = "JSONL file of --service file.")
    String file;

    @Option(names = "--max-file-mb", paramLabel = "N",
            description = "file: rotate before the file grows past N MiB; 0 = never. Default 100.")
    String maxFileMb;

    @Option(names = "--max-files", paramLabel = "N", description = "file: rotated files kept. Default 5.")
    String maxFiles;

    @Option(names = {"-o", "--option"}, paramLabel = "KEY=VALUE",
            description = "Any other backend setting, e.g. -o request_timeout=10s, -o max_concurrency=16; repeatable."
                    + " Overrides the flags above.")
    List<String> options = new ArrayList<>();

    @Option(names = "--batch-size", paramLabel = "N", description = "Events per backend call (1-10000). Default 100.")
    String batchSize;

    @Option(names = "--flush-interval", paramLabel = "DURATION",
            description = "Send a partial batch once its first event waited this long (500ms, 5s). Default 5s.")
    String flushInterval;

    @Option(names = "--max-retry-age", paramLabel = "DURATION",
            description = "Give up an event failing transiently for longer than this; 0 = retry forever. Default 1h.")
    String maxRetryAge;

    @Option(names = "--buffer", paramLabel = "N",
            description = "Event bus buffer (OBSERVABILITY_BUFFER_SIZE: the in-memory bus's queue). Default 1000.")
    String buffer;

    @Option(names = "--event-bus", paramLabel = "NAME",
            description = "in-memory or redis-streams. Env LLM_PROXY_EVENT_BUS, default in-memory (sees nothing when"
                    + " run as its own process).")
    String eventBus;

    @Option(names = "--group", paramLabel = "NAME",
            description = "Consumer group. Default dispatcher-<service>: one group per backend gets every event.")
    String group;

    @Option(names = "--consumer", paramLabel = "NAME",
            description = "Consumer name in the group, stable across restarts so a restart resumes its own pending"
                    + " events at once. Env REDIS_CONSUMER_NAME; default generated.")
    String consumer;

    @Option(names = "--plugins", paramLabel = "PATH",
            description = "A dispatcher or event bus plugin jar, or a directory of jars; repeatable.")
    List<String> plugins = new ArrayList<>();

    @Option(names = "--health-listen", paramLabel = "HOST:PORT",
            description = "Serve GET /health (counters, pending, lag) and GET /metrics (Prometheus) on this address."
                    + " Default: off.")
    String healthListen;

    @Option(names = "--detach", description = "Run in the background: pid file, log file, exit at once.")
    boolean detach;

    @Option(names = "--log-file", paramLabel = "FILE",
            description = "With --detach: where output goes. Default ./data/dispatcher-<service>.log.")
    String logFile;

    @Option(names = "--pid-file", paramLabel = "FILE",
            description = "Write the process id here, removed on a clean stop. Default with --detach:"
                    + " ./data/dispatcher-<service>.pid.")
    String pidFile;

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "debug, info, warn or error. Env LOG_LEVEL.")
    String logLevel;

    DispatcherCommand(CliContext context) {
        this(context, SERVICE_LOADER_BUSES);
    }

    DispatcherCommand(CliContext context, BusFactory buses) {
        this.context = context;
        this.buses = buses;
    }

    /** Everything the command needs, checked. */
    record Settings(String service, ComponentConfig dispatcherConfig, Map<String, String> keyOrigins, String busName,
                    String busNameOrigin, ComponentConfig busConfig, String group, String consumer, int batchSize,
                    Duration flushInterval, Duration maxRetryAge, InetSocketAddress health, List<Path> plugins,
                    Path logFile, Path pidFile, LogSettings.Level logLevel) {
    }

    @Override
    public Integer call() {
        try {
            Settings s = settings();
            URLClassLoader plugins = pluginLoader(s.plugins());
            ClassLoader loader = plugins != null ? plugins : Dispatchers.class.getClassLoader();
            // Create (and for --detach close again) the dispatcher now, so a bad setting exits 2 here.
            Dispatcher dispatcher = createDispatcher(s, loader);
            if (detach) {
                dispatcher.close();
                return detach(s);
            }
            Logging.apply(new LogSettings(s.logLevel(), null, LogSettings.DEFAULT_MAX_SIZE_MB,
                    LogSettings.DEFAULT_MAX_BACKUPS));
            return run(s, dispatcher, plugins);
        } catch (ConfigError e) {
            context.err().println("llm-proxy: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
    }

    private int run(Settings s, Dispatcher dispatcher, URLClassLoader plugins) {
        EventBus bus;
        try {
            bus = plugins == null ? buses.open(s.busName(), s.busConfig())
                    : buses.open(s.busName(), s.busConfig(), plugins);
        } catch (ConfigurationException e) {
            dispatcher.close();
            throw new ConfigError(e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            dispatcher.close();
            throw new ConfigError(s.busNameOrigin() + ": " + e.getMessage(), e);
        }
        if (s.busName().toLowerCase(Locale.ROOT).contains("memory")) {
            context.err().println("llm-proxy: warning: event bus '" + s.busName() + "' lives inside this process, so a"
                    + " dispatcher started on its own receives no events; set LLM_PROXY_EVENT_BUS=redis-streams"
                    + " (and REDIS_ADDR) to read the proxy's events");
        }
        DispatcherService service = DispatcherService.builder().name(s.service()).bus(bus).dispatcher(dispatcher)
                .group(s.group()).consumer(s.consumer()).batchSize(s.batchSize()).flushInterval(s.flushInterval())
                .maxRetryAge(s.maxRetryAge()).build();
        try {
            service.start();
        } catch (RuntimeException e) {
            dispatcher.close();
            bus.close(Duration.ofSeconds(1));
            throw e;
        }
        DispatcherHealthServer health = null;
        try {
            if (s.health() != null) {
                health = DispatcherHealthServer.start(s.health(), service, new DispatcherMetrics(service)::scrape);
            }
        } catch (IOException e) {
            abort(service, bus, null);
            throw new ConfigError("--health-listen: cannot listen on " + healthListen + ": " + e.getMessage(), e);
        }
        try {
            if (s.pidFile() != null) {
                writePidFile(s.pidFile(), ProcessHandle.current().pid());
            }
        } catch (IOException e) {
            abort(service, bus, health);
            throw new ConfigError("--pid-file: cannot write " + s.pidFile() + ": " + e.getMessage(), e);
        }
        context.out().println("dispatcher '" + s.service() + "' running: event bus " + s.busName() + ", group "
                + service.group() + ", consumer " + service.consumer()
                + (health == null ? "" : ", health on http://" + ServerCommand.display(health.address()) + "/health"));
        context.out().flush();

        DispatcherHealthServer healthServer = health;
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        context.shutdown().register("llm-proxy-dispatcher-shutdown", () -> {
            log.info("stopping: sending what is held, for up to {} s", STOP_TIMEOUT.toSeconds());
            try {
                service.stop(STOP_TIMEOUT);
                if (healthServer != null) {
                    healthServer.close();
                }
                bus.close(Duration.ofSeconds(5));
                deletePidFile(s.pidFile());
                closeQuietly(plugins);
                log.info("stopped");
            } finally {
                stopped.complete(null);
            }
        });
        stopped.join();
        return Main.EXIT_OK;
    }

    private static void abort(DispatcherService service, EventBus bus, DispatcherHealthServer health) {
        if (health != null) {
            health.close();
        }
        service.stop(Duration.ofSeconds(1));
        bus.close(Duration.ofSeconds(1));
    }

    // ---- settings -------------------------------------------------------------------------

    Settings settings() {
        ConfigSource source = new ConfigSource(context.env());
        if (!service.matches("[A-Za-z0-9._-]{1,100}")) {
            throw new ConfigError("--service: expected a name of letters, digits, '.', '_' or '-', got '" + service + "'");
        }
        String name = service.toLowerCase(Locale.ROOT);

        Map<String, String> config = new LinkedHashMap<>();
        Map<String, String> origins = new HashMap<>();
        source.get("--endpoint", endpoint, LLM_PROXY_ENDPOINT).ifPresent(raw -> put(config, origins,
                DispatcherConfig.ENDPOINT, raw.value().strip(), raw.name()));
        source.get("--api-key", apiKey, LLM_PROXY_API_KEY).ifPresent(raw -> put(config, origins,
                DispatcherConfig.API_KEY, raw.parse(ValueParsers::secret), raw.name()));
        if (file != null) {
            put(config, origins, DispatcherConfig.FILE, nonBlank("--file", file), "--file");
        }
        if (maxFileMb != null) {
            put(config, origins, DispatcherConfig.MAX_FILE_MB,
                    Integer.toString(parse("--max-file-mb", maxFileMb, t -> ValueParsers.intInRange(t, 0, 1_000_000))),
                    "--max-file-mb");
        }
        if (maxFiles != null) {
            put(config, origins, DispatcherConfig.MAX_FILES,
                    Integer.toString(parse("--max-files", maxFiles, t -> ValueParsers.intInRange(t, 1, 1000))), "--max-files");
        }
        for (String option : options) {
            int eq = option.indexOf('=');
            if (eq <= 0) {
                throw new ConfigError("--option: expected KEY=VALUE, got '" + option.split("=", 2)[0] + "...'");
            }
            String key = option.substring(0, eq).strip();
            put(config, origins, key, option.substring(eq + 1), "--option " + key);
        }

        Optional<ConfigSource.Raw> busRaw = source.get("--event-bus", eventBus, EnvVars.LLM_PROXY_EVENT_BUS);
        String busName = busRaw.map(r -> r.value().strip()).orElse(EventSettings.DEFAULT_BUS);
        String busOrigin = busRaw.map(ConfigSource.Raw::name).orElse(EnvVars.LLM_PROXY_EVENT_BUS);
        Map<String, String> busSettings = new HashMap<>();
        for (String key : EventBusConfig.KEYS) {
            source.env(key).ifPresent(raw -> busSettings.put(key, raw.value()));
        }
        if (buffer != null) {
            busSettings.put(EventBusConfig.OBSERVABILITY_BUFFER_SIZE,
                    Integer.toString(parse("--buffer", buffer, t -> ValueParsers.intInRange(t, 1, 10_000_000))));
        } else {
            busSettings.putIfAbsent(EventBusConfig.OBSERVABILITY_BUFFER_SIZE, String.valueOf(DEFAULT_BUFFER));
        }

        int batch = batchSize == null ? DispatcherService.DEFAULT_BATCH_SIZE
                : parse("--batch-size", batchSize, t -> ValueParsers.intInRange(t, 1, 10_000));
        Duration flush = duration("--flush-interval", flushInterval, DispatcherService.DEFAULT_FLUSH_INTERVAL);
        Duration retryAge = duration("--max-retry-age", maxRetryAge, DispatcherService.DEFAULT_MAX_RETRY_AGE);
        String groupName = group == null ? null : name("--group", group);
        String consumerName = consumer == null ? null : name("--consumer", consumer);
        InetSocketAddress health = healthListen == null ? null
                : parse("--health-listen", healthListen, ValueParsers::listenAddress);

        List<Path> pluginJars = new ArrayList<>();
        for (String p : plugins) {
            pluginJars.addAll(pluginJars(p));
        }
        Path log = Path.of(logFile != null ? nonBlank("--log-file", logFile) : "./data/dispatcher-" + name + ".log");
        Path pid = pidFile != null ? Path.of(nonBlank("--pid-file", pidFile))
                : detach ? Path.of("./data/dispatcher-" + name + ".pid") : null;
        LogSettings.Level level = source.get("--log-level", logLevel, "LOG_LEVEL")
                .map(raw -> raw.parse(LogSettings.Level::parse)).orElse(LogSettings.Level.INFO);

        return new Settings(name, ComponentConfig.of(config), origins, busName, busOrigin,
                ComponentConfig.of(busSettings), groupName, consumerName, batch, flush, retryAge, health, pluginJars,
                log, pid, level);
    }

    private static void put(Map<String, String> config, Map<String, String> origins, String key, String value,
                            String origin) {
        config.put(key, value);
        origins.put(key, origin);
    }

    private static <T> T parse(String flag, String text, java.util.function.Function<String, T> parser) {
        return new ConfigSource.Raw(flag, text).parse(parser);
    }

    private static String nonBlank(String flag, String value) {
        if (value.isBlank()) {
            throw new ConfigError(flag + ": expected a value, got an empty one");
        }
        return value.strip();
    }

    private static String name(String flag, String value) {
        String v = value.strip();
        if (v.isEmpty() || v.length() > 200) {
            throw new ConfigError(flag + ": expected 1 to 200 characters, got '" + value + "'");
        }
        return v;
    }

    private static Duration duration(String flag, String text, Duration defaultValue) {
        if (text == null) {
            return defaultValue;
        }
        try {
            return ComponentConfig.of(Map.of(flag, text)).duration(flag, defaultValue);
        } catch (ConfigurationException e) {
            throw new ConfigError(e.getMessage(), e);
        }
    }

    private static List<Path> pluginJars(String spec) {
        Path p = Path.of(nonBlank("--plugins", spec));
        if (Files.isRegularFile(p)) {
            return List.of(p);
        }
        if (!Files.isDirectory(p)) {
            throw new ConfigError("--plugins: no such jar or directory: " + p);
        }
        try (Stream<Path> files = Files.list(p)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().toList();
        } catch (IOException e) {
            throw new ConfigError("--plugins: cannot list " + p + ": " + e.getMessage(), e);
        }
    }

    private static URLClassLoader pluginLoader(List<Path> jars) {
        if (jars.isEmpty()) {
            return null;
        }
        URL[] urls = new URL[jars.size()];
        for (int i = 0; i < jars.size(); i++) {
            try {
                urls[i] = jars.get(i).toUri().toURL();
            } catch (MalformedURLException e) {
                throw new ConfigError("--plugins: not a usable path: " + jars.get(i), e);
            }
        }
        // Parent: the loader of the dispatcher API, so plugins see the same Dispatcher types.
        return new URLClassLoader("dispatcher-plugins", urls, Dispatchers.class.getClassLoader());
    }

    private static Dispatcher createDispatcher(Settings s, ClassLoader loader) {
        try {
            return Dispatchers.load(s.service(), s.dispatcherConfig(), loader);
        } catch (ConfigurationException e) {
            String origin = e.key() == null ? null : s.keyOrigins().get(e.key());
            String message = e.getMessage();
            if (origin != null && message.startsWith(e.key() + ":")) {
                message = origin + message.substring(e.key().length());
            }
            throw new ConfigError(message, e);
        } catch (IllegalArgumentException e) {
            throw new ConfigError("--service: " + e.getMessage(), e);
        }
    }

    // ---- pid file and detaching ---------------------------------------------------------------

    private static void writePidFile(Path pidFile, long pid) throws IOException {
        Path parent = pidFile.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(pidFile, pid + "\n");
    }

    /** Deletes the pid file if it still names this process (a newer instance may have replaced it). */
    private static void deletePidFile(Path pidFile) {
        if (pidFile == null) {
            return;
        }
        try {
            if (Files.exists(pidFile)
                    && Files.readString(pidFile).strip().equals(String.valueOf(ProcessHandle.current().pid()))) {
                Files.delete(pidFile);
            }
        } catch (IOException e) {
            log.warn("cannot delete pid file {}: {}", pidFile, e.toString());
        }
    }

    private int detach(Settings s) {
        List<String> command = relaunchCommand()
                .orElseThrow(() -> new IllegalStateException("--detach: the Java command line of this process is not"
                        + " available on this platform; run the dispatcher in the foreground under a process manager"));
        List<String> args = withoutDetach(command, s.pidFile());
        if (new File("/usr/bin/setsid").canExecute()) {
            args.add(0, "/usr/bin/setsid"); // own session: a closing terminal's SIGHUP does not reach it
        } else if (new File("/bin/setsid").canExecute()) {
            args.add(0, "/bin/setsid");
        }
        try {
            for (Path p : List.of(s.logFile(), s.pidFile())) {
                Path parent = p.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
            }
            File nul = new File(File.separatorChar == '\\' ? "NUL" : "/dev/null");
            Process child = new ProcessBuilder(args)
                    .redirectInput(ProcessBuilder.Redirect.from(nul))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(s.logFile().toFile()))
                    .start();
            writePidFile(s.pidFile(), child.pid());
            if (child.waitFor(DETACH_STARTUP_CHECK_MILLIS, TimeUnit.MILLISECONDS)) {
                Files.deleteIfExists(s.pidFile());
                context.err().println("llm-proxy: the dispatcher exited during start-up with code " + child.exitValue()
                        + "; see " + s.logFile());
                return Main.EXIT_RUNTIME;
            }
            context.out().println("dispatcher '" + s.service() + "' started in the background: pid " + child.pid()
                    + ", log " + s.logFile() + ", pid file " + s.pidFile());
            context.out().flush();
            return Main.EXIT_OK;
        } catch (IOException e) {
            throw new UncheckedIOException("--detach: cannot start the background process: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Main.EXIT_RUNTIME;
        }
    }

    /**
     * This process's command line: from the operating system when it tells
     * ({@link ProcessHandle.Info}, or {@code /proc/self/cmdline} on Linux, which the JDK does not
     * read past 4 KiB), otherwise rebuilt from {@code java.home}, the JVM arguments, the class path
     * and {@code sun.java.command} (which loses quoting of arguments with spaces).
     */
    static Optional<List<String>> relaunchCommand() {
        ProcessHandle.Info info = ProcessHandle.current().info();
        if (info.command().isPresent() && info.arguments().isPresent()) {
            List<String> cmd = new ArrayList<>();
            cmd.add(info.command().get());
            cmd.addAll(Arrays.asList(info.arguments().get()));
            return Optional.of(cmd);
        }
        Path procCmdline = Path.of("/proc/self/cmdline");
        if (Files.isReadable(procCmdline)) {
            try {
                String raw = new String(Files.readAllBytes(procCmdline), java.nio.charset.StandardCharsets.UTF_8);
                List<String> cmd = new ArrayList<>(Arrays.asList(raw.split("\0")));
                if (!cmd.isEmpty() && !cmd.get(0).isEmpty()) {
                    info.command().ifPresent(exe -> cmd.set(0, exe)); // absolute path of the java binary
                    return Optional.of(cmd);
                }
            } catch (IOException e) {
                log.debug("cannot read {}: {}", procCmdline, e.toString());
            }
        }
        String main = System.getProperty("sun.java.command");
        if (main == null || main.isBlank()) {
            return Optional.empty();
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        List<String> mainAndArgs = Arrays.asList(main.strip().split(" +"));
        if (!mainAndArgs.get(0).endsWith(".jar")) {
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
        } else {
            cmd.add("-jar");
        }
        cmd.addAll(mainAndArgs);
        return Optional.of(cmd);
    }

    /** {@code command} without {@code --detach}, and with {@code --pid-file} so the child cleans it up. */
    static List<String> withoutDetach(List<String> command, Path pidFile) {
        List<String> out = new ArrayList<>(command.size() + 2);
        boolean hasPidFile = false;
        for (String arg : command) {
            if (arg.equals("--detach") || arg.startsWith("--detach=")) {
                continue;
            }
            hasPidFile |= arg.equals("--pid-file") || arg.startsWith("--pid-file=");
            out.add(arg);
        }
        if (!hasPidFile) {
            out.add("--pid-file");
            out.add(pidFile.toString());
        }
        return out;
    }

    private static void closeQuietly(URLClassLoader loader) {
        if (loader == null) {
            return;
        }
        try {
            loader.close();
        } catch (IOException e) {
            log.debug("closing the plugin class loader: {}", e.toString());
        }
    }
}
