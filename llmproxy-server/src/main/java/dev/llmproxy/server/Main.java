package dev.llmproxy.server;

import dev.llmproxy.core.LlmProxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * The {@code llm-proxy} command line. Subcommands are added in {@link #run}: {@code server},
 * {@code manage} (projects and tokens through a server's management API) and {@code migrate}
 * (schema and at-rest encryption).
 *
 * <p>Exit codes: {@value #EXIT_OK} success, {@value #EXIT_USAGE} usage or configuration error
 * (unknown flag, malformed value, missing file: one line on stderr naming the flag or variable, no
 * stack trace), {@value #EXIT_RUNTIME} runtime failure (e.g. the listen address is taken).
 */
@Command(name = "llm-proxy",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        synopsisSubcommandLabel = "COMMAND",
        usageHelpAutoWidth = true,
        description = "LLM API gateway: an OpenAI-compatible streaming proxy with per-project withering tokens.",
        footer = {"", "Run 'llm-proxy COMMAND --help' for a command's flags."})
public final class Main implements Callable<Integer> {

    public static final int EXIT_OK = 0;
    public static final int EXIT_RUNTIME = 1;
    public static final int EXIT_USAGE = 2;

    private static final Logger log = LoggerFactory.getLogger(Main.class);

    /** The commands by name, in the order the help lists them. */
    private static final Map<String, Function<CliContext, Object>> COMMANDS = commands();

    private static Map<String, Function<CliContext, Object>> commands() {
        Map<String, Function<CliContext, Object>> c = new LinkedHashMap<>();
        c.put("server", ServerCommand::new);
        c.put("dispatcher", DispatcherCommand::new);
        c.put("manage", ManageCommand::commandLine);
        c.put("migrate", MigrateCommand::commandLine);
        c.put("capture", CaptureCommand::commandLine);
        c.put("admin", AdminCommand::new);
        c.put("benchmark", BenchmarkCommand::new);
        return Collections.unmodifiableMap(c);
    }

    @Spec
    CommandSpec spec;

    private final CliContext context;

    private Main(CliContext context) {
        this.context = context;
    }

    public static void main(String[] args) {
        processDefaults();
        System.exit(run(CliContext.system(), args));
    }

    /** The JVM-wide property this process sets for itself, unless given on the command line. */
    static final String NETTY_JFR = "io.netty.jfr.enabled";

    /**
     * JVM-wide defaults of the {@code llm-proxy} process (not of the library, which leaves them to
     * its host), set before anything reads them.
     *
     * <p>{@value #NETTY_JFR}{@code =false}: Netty's buffer allocator declares JFR events (all
     * disabled in JFR's own settings), and the first buffer it allocates registers them with the
     * JDK's Flight Recorder, which on JDK 17 generates and loads a class per event type: about
     * 100 ms on the event loop, in the middle of the first request (docs/performance.md#start-up).
     * {@code -Dio.netty.jfr.enabled=true} brings them back for whoever records them.
     */
    static void processDefaults() {
        if (System.getProperty(NETTY_JFR) == null) {
            System.setProperty(NETTY_JFR, "false");
        }
    }

    /** Runs the command line in {@code context} and returns the exit code. */
    static int run(CliContext context, String... args) {
        StartupTrace.mark("main");
        CommandLine cli = new CommandLine(new Main(context));
        // Picocli reflects over every command it is given, and some commands' classes pull in
        // Jackson, the HTTP client and more: when the first argument names a command, only that
        // one is built (a few hundred ms less before 'server' starts). The others are only needed
        // for the top-level help and error messages, where nothing names a command.
        Function<CliContext, Object> named = args.length > 0 ? COMMANDS.get(args[0]) : null;
        if (named != null) {
            cli.addSubcommand(named.apply(context));
        } else {
            COMMANDS.values().forEach(command -> cli.addSubcommand(command.apply(context)));
        }
        cli.setOut(new PrintWriter(context.out(), true));
        cli.setErr(new PrintWriter(context.err(), true));
        cli.setParameterExceptionHandler(Main::usageError);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> failure(context.err(), e));
        StartupTrace.mark("command line built");
        return cli.execute(args);
    }

    /** {@code llm-proxy} without a command: show what there is, and fail so scripts notice. */
    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        err.println("llm-proxy: missing command");
        spec.commandLine().usage(err);
        return EXIT_USAGE;
    }

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println("llm-proxy: " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for more information.");
        return EXIT_USAGE;
    }

    private static int failure(PrintStream err, Exception e) {
        if (e instanceof ConfigError) {
            err.println("llm-proxy: " + e.getMessage());
            return EXIT_USAGE;
        }
        String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
        log.error("{}", message);
        log.debug("failure details", e);
        err.println("llm-proxy: " + message);
        return EXIT_RUNTIME;
    }

    /** {@code --version}: the proxy library's version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"llm-proxy " + LlmProxy.VERSION,
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
        }
    }
}
