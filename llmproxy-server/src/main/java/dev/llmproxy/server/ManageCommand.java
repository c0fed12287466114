package dev.llmproxy.server;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code llm-proxy manage project …} and {@code llm-proxy manage token …}: the management API from
 * the command line (docs/cli.md). Each leaf command makes one HTTP call with {@link ManagementClient}
 * and prints a readable table, or the server's JSON with {@code --json}.
 *
 * <p>Exit codes: 0 success; 1 the server refused (its message is shown as
 * {@code error: <message> (<code>, HTTP <status>)}) or could not be reached; 2 usage errors
 * (unknown flag, missing management token, malformed URL).
 */
@Command(name = "manage",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        synopsisSubcommandLabel = "COMMAND",
        description = "Manage projects and withering tokens through a running server's management API.",
        footer = {"", "Run 'llm-proxy manage COMMAND --help' for its subcommands."})
final class ManageCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** The {@code manage} command tree for {@code context}. */
    static CommandLine commandLine(CliContext context) {
        CommandLine manage = new CommandLine(new ManageCommand());
        manage.addSubcommand(ProjectCommands.commandLine(context));
        manage.addSubcommand(TokenCommands.commandLine(context));
        manage.addSubcommand(UsageCommands.commandLine(context));
        return manage;
    }

    @Override
    public Integer call() {
        return missingSubcommand(spec);
    }

    /** A command group run without a subcommand: show what there is, and fail so scripts notice. */
    static int missingSubcommand(CommandSpec spec) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("llm-proxy: missing command after '" + spec.qualifiedName() + "'");
        spec.commandLine().usage(err);
        return Main.EXIT_USAGE;
    }

    /** The flags every {@code manage} leaf command takes. */
    static final class Options {

        static final String DEFAULT_BASE_URL = "http://localhost:8080";

        @Option(names = "--manage-api-base-url", paramLabel = "URL", defaultValue = DEFAULT_BASE_URL,
                description = "Where the server listens. Default ${DEFAULT-VALUE}.")
        String baseUrl;

        @Option(names = "--management-token", paramLabel = "TOKEN",
                description = "The server's MANAGEMENT_TOKEN. Default: env MANAGEMENT_TOKEN (preferred: flags are"
                        + " visible in the process list).")
        String managementToken;

        @Option(names = "--json", description = "Print the server's JSON answer instead of a table.")
        boolean json;
    }

    /**
     * A leaf command: builds the client from {@link Options}, runs, and turns a
     * {@link ManagementClient.Failure} into its message on stderr and exit code 1.
     */
    abstract static class Leaf implements Callable<Integer> {

        final CliContext context;

        @CommandLine.Mixin
        Options options;

        Leaf(CliContext context) {
            this.context = context;
        }

        /** The work; returns the exit code. */
        abstract int run(ManagementClient client) throws ManagementClient.Failure;

        @Override
        public final Integer call() {
            ManagementClient client = new ManagementClient(baseUrl(), managementToken());
            try {
                return run(client);
            } catch (ManagementClient.Failure e) {
                context.err().println(e.getMessage());
                return Main.EXIT_RUNTIME;
            }
        }

        /** With {@code --json}: the answer as the server sent it. */
        void printJson(ManagementClient.Answer answer) {
            context.out().println(answer.body());
        }

        private URI baseUrl() {
            String text = options.baseUrl.strip();
            try {
                URI uri = new URI(text);
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null
                        && uri.getRawQuery() == null && uri.getRawFragment() == null) {
                    return uri;
                }
            } catch (URISyntaxException e) {
                // reported below
            }
            throw new ConfigError("--manage-api-base-url: expected an http:// or https:// URL like "
                    + Options.DEFAULT_BASE_URL + ", got '" + text + "'");
        }

        private String managementToken() {
            String token = options.managementToken != null ? options.managementToken
                    : context.env().get(EnvVars.MANAGEMENT_TOKEN);
            if (token == null || token.isBlank()) {
                throw new ConfigError("no management token: pass --management-token or set MANAGEMENT_TOKEN to the"
                        + " server's MANAGEMENT_TOKEN");
            }
            String source = options.managementToken != null ? "--management-token" : EnvVars.MANAGEMENT_TOKEN;
            try {
                return ValueParsers.secret(token);
            } catch (IllegalArgumentException e) {
                throw new ConfigError(source + ": " + e.getMessage(), e);
            }
        }
    }
}
