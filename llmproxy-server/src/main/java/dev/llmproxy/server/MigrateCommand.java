package dev.llmproxy.server;

import dev.llmproxy.core.project.ApiKeyCipher;
import dev.llmproxy.core.store.Database;
import dev.llmproxy.core.store.DatabaseConfig;
import dev.llmproxy.core.store.JdbcProjectStore;
import dev.llmproxy.core.store.Migration;
import dev.llmproxy.core.store.MigrationStatus;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code llm-proxy migrate up|status|encrypt}: the database's schema and at-rest encryption,
 * without starting a server. The database is chosen by the same variables as the server's
 * ({@code DB_DRIVER}, {@code DATABASE_PATH} or {@code --db}, {@code DATABASE_URL}); the server
 * also applies pending migrations itself at start-up, so {@code up} is for operators who want to
 * migrate as a separate deployment step.
 *
 * <p>Logging is turned down to warnings: the output is the command's answer. Exit codes: 0 done;
 * 1 the database cannot be reached, a migration failed, or {@code status} found a problem
 * (a changed or unknown migration); 2 configuration errors.
 */
@Command(name = "migrate",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        synopsisSubcommandLabel = "COMMAND",
        description = "Database schema migrations and encryption of stored API keys.")
final class MigrateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    static CommandLine commandLine(CliContext context) {
        CommandLine migrate = new CommandLine(new MigrateCommand());
        migrate.addSubcommand(new Up(context));
        migrate.addSubcommand(new Status(context));
        migrate.addSubcommand(new Encrypt(context));
        return migrate;
    }

    @Override
    public Integer call() {
        return ManageCommand.missingSubcommand(spec);
    }

    /** Opens the configured database without migrating it. */
    abstract static class DatabaseCommand implements Callable<Integer> {

        final CliContext context;

        @Option(names = "--db", paramLabel = "FILE",
                description = "SQLite database file. Env DATABASE_PATH, default ./data/llm-proxy.db.")
        String db;

        DatabaseCommand(CliContext context) {
            this.context = context;
        }

        abstract int run(Database database, ServerConfigReader reader);

        @Override
        public final Integer call() {
            ServerConfigReader reader = new ServerConfigReader(ServerFlags.dbOnly(db), context.env());
            Logging.apply(new LogSettings(LogSettings.Level.WARN, null, LogSettings.DEFAULT_MAX_SIZE_MB,
                    LogSettings.DEFAULT_MAX_BACKUPS));
            List<String> warnings = new ArrayList<>();
            DatabaseConfig config = reader.database(warnings).toBuilder().migrateOnOpen(false).build();
            warnings.forEach(w -> context.err().println("warning: " + w));
            try (Database database = Database.open(config)) {
                return run(database, reader);
            }
        }
    }

    @Command(name = "up", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Apply pending migrations.")
    static final class Up extends DatabaseCommand {
        Up(CliContext context) {
            super(context);
        }

        @Override
        int run(Database database, ServerConfigReader reader) {
            List<Migration> applied = database.migrations().up();
            PrintStream out = context.out();
            for (Migration m : applied) {
                out.println("Applied V" + m.version() + " " + m.description());
            }
            List<Migration> all = database.migrations().available();
            int version = all.isEmpty() ? 0 : all.get(all.size() - 1).version();
            out.println(applied.isEmpty() ? "Schema is up to date (version " + version + ")."
                    : "Schema is now at version " + version + ".");
            return Main.EXIT_OK;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Show applied and pending migrations.")
    static final class Status extends DatabaseCommand {
        Status(CliContext context) {
            super(context);
        }

        @Override
        int run(Database database, ServerConfigReader reader) {
            List<MigrationStatus> statuses = database.migrations().status();
            Tables t = new Tables("VERSION", "DESCRIPTION", "STATE", "APPLIED AT");
            boolean problem = false;
            int pending = 0;
            for (MigrationStatus s : statuses) {
                t.row("V" + s.version(), s.description(), s.state().name().toLowerCase(Locale.ROOT),
                        s.appliedAt() == null ? "-" : s.appliedAt().toString());
                problem |= s.isProblem();
                pending += s.state() == MigrationStatus.State.PENDING ? 1 : 0;
            }
            PrintStream out = context.out();
            out.println("Database: " + database.config());
            t.print(out);
            out.println(problem ? "Problem: a migration was changed after it was applied, or the database was"
                    + " migrated by a newer llm-proxy." : pending == 0 ? "Up to date."
                    : pending + " pending; run 'llm-proxy migrate up' (the server also applies them at start-up).");
            return problem ? Main.EXIT_RUNTIME : Main.EXIT_OK;
        }
    }

    @Command(name = "encrypt", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Encrypt project API keys still stored in plaintext, with ENCRYPTION_KEY.")
    static final class Encrypt extends DatabaseCommand {
        Encrypt(CliContext context) {
            super(context);
        }

        @Override
        int run(Database database, ServerConfigReader reader) {
            ApiKeyCipher cipher = reader.cipher();
            if (!cipher.isEnabled()) {
                throw new ConfigError("ENCRYPTION_KEY is not set: 'migrate encrypt' encrypts stored API keys with it;"
                        + " set it to the key the server runs with (e.g. generated by 'openssl rand -base64 32')");
            }
            long pending = database.migrations().status().stream()
                    .filter(s -> s.state() != MigrationStatus.State.APPLIED).count();
            if (pending > 0) {
                context.err().println("error: the schema is not up to date; run 'llm-proxy migrate up' first");
                return Main.EXIT_RUNTIME;
            }
            int converted = new JdbcProjectStore(database, cipher).encryptPlaintextKeys(cipher);
            context.out().println("Encrypted " + converted + " plaintext API key" + (converted == 1 ? "" : "s")
                    + ". Withering tokens are always stored as SHA-256 hashes; nothing to do for them.");
            return Main.EXIT_OK;
        }
    }
}
