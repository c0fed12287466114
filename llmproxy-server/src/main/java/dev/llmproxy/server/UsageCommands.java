package dev.llmproxy.server;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import static dev.llmproxy.server.ManagementClient.params;
import static dev.llmproxy.server.ManagementClient.withQuery;

/**
 * {@code llm-proxy manage usage stats|recent|export}: the usage endpoints of the management API
 * (docs/usage.md) from the command line.
 */
@Command(name = "usage",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        synopsisSubcommandLabel = "COMMAND",
        description = "Usage records: statistics, the latest requests, exports.")
final class UsageCommands implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    static CommandLine commandLine(CliContext context) {
        CommandLine usage = new CommandLine(new UsageCommands());
        usage.addSubcommand(new Stats(context));
        usage.addSubcommand(new Recent(context));
        usage.addSubcommand(new Export(context));
        return usage;
    }

    @Override
    public Integer call() {
        return ManageCommand.missingSubcommand(spec);
    }

    /** Filters shared by {@code stats} and {@code export}. */
    static final class Filters {
        @Option(names = "--project-id", paramLabel = "ID", description = "Only this project.")
        String projectId;

        @Option(names = "--model", paramLabel = "MODEL", description = "Only this model (as requested).")
        String model;

        @Option(names = "--from", paramLabel = "TIME",
                description = "From this instant (inclusive): RFC 3339 like 2026-01-31T00:00:00Z, or epoch seconds.")
        String from;

        @Option(names = "--to", paramLabel = "TIME", description = "Up to this instant (exclusive).")
        String to;
    }

    @Command(name = "stats", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Totals (requests, errors, cache hits, tokens, cost, latency and TTFT percentiles),"
                    + " optionally per model or project.")
    static final class Stats extends ManageCommand.Leaf {
        @CommandLine.Mixin
        Filters filters;

        @Option(names = "--group-by", paramLabel = "model|project", description = "One row per model or project.")
        String groupBy;

        Stats(CliContext context) {
            super(context);
        }

        @Override
        int run(ManagementClient client) throws ManagementClient.Failure {
            ManagementClient.Answer a = client.call("GET", withQuery("/manage/usage/stats", params(
                    "project_id", filters.projectId, "model", filters.model, "from", filters.from, "to", filters.to,
                    "group_by", groupBy)), null);
            if (options.json) {
                printJson(a);
                return Main.EXIT_OK;
            }
            Tables t = new Tables(groupBy == null ? "" : groupBy.toUpperCase(java.util.Locale.ROOT), "REQUESTS",
                    "ERRORS", "CACHE HITS", "PROMPT", "COMPLETION", "COST USD", "TOOL CALLS", "LATENCY P50/P95/P99 MS",
                    "TTFT P50/P95/P99 MS");
            for (JsonNode g : a.json().get("groups")) {
                row(t, g.get("key").isNull() ? "(none)" : g.get("key").asText(), g);
            }
            row(t, "total", a.json().get("totals"));
            t.print(context.out());
            return Main.EXIT_OK;
        }

        private static void row(Tables t, String key, JsonNode n) {
            t.row(key, n.get("requests").asText(), n.get("errors").asText(), n.get("cache_hits").asText(),
                    n.get("prompt_tokens").asText(), n.get("completion_tokens").asText(),
                    n.get("cost_usd").decimalValue().toPlainString(), n.get("tool_calls").asText(),
                    percentiles(n.get("latency_ms")), percentiles(n.get("ttft_ms")));
        }

        private static String percentiles(JsonNode p) {
            return text(p.get("p50")) + "/" + text(p.get("p95")) + "/" + text(p.get("p99"));
        }

        private static String text(JsonNode v) {
            return v == null || v.isNull() ? "-" : v.asText();
        }
    }

    @Command(name = "recent", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "The latest usage records, newest first.")
    static final class Recent extends ManageCommand.Leaf {
        @Option(names = "--limit", paramLabel = "N", description = "How many, 1-1000. Default 20.", defaultValue = "20")
        int limit;

        @Option(names = "--project-id", paramLabel = "ID", description = "Only this project.")
        String projectId;

        Recent(CliContext context) {
            super(context);
        }

        @Override
        int run(ManagementClient client) throws ManagementClient.Failure {
            ManagementClient.Answer a = client.call("GET", withQuery("/manage/usage/recent", params("limit", limit,
                    "project_id", projectId)), null);
            if (options.json) {
                printJson(a);
                return Main.EXIT_OK;
            }
            Tables t = new Tables("TIME", "PROJECT", "METHOD", "ENDPOINT", "MODEL", "STATUS", "CACHE", "TOKENS",
                    "COST USD", "LATENCY MS", "ERROR");
            for (JsonNode r : a.json().get("records")) {
                t.row(Tables.time(r, "timestamp", "-"), Tables.text(r, "project_id", "-"), r.get("method").asText(),
                        r.get("endpoint").asText(), Tables.text(r, "model", "-"), r.get("status").asText(),
                        r.get("cache_status").asText(),
                        r.get("total_tokens").asText() + (r.get("tokens_estimated").asBoolean() ? "~" : ""),
                        r.get("cost_usd").decimalValue().toPlainString() + (r.get("cost_known").asBoolean() ? "" : "?"),
                        r.get("latency_ms").asText(), Tables.text(r, "error_code", ""));
            }
            t.print(context.out());
            return Main.EXIT_OK;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Every matching record as JSON lines or CSV, streamed to stdout or a file.")
    static final class Export extends ManageCommand.Leaf {
        @CommandLine.Mixin
        Filters filters;

        @Option(names = "--format", paramLabel = "jsonl|csv", defaultValue = "jsonl",
                description = "jsonl (default) or csv.")
        String format;

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write here instead of stdout.")
        Path output;

        Export(CliContext context) {
            super(context);
        }

        @Override
        int run(ManagementClient client) throws ManagementClient.Failure {
            String path = withQuery("/manage/usage/export", params("format", format, "project_id", filters.projectId,
                    "model", filters.model, "from", filters.from, "to", filters.to));
            if (output == null) {
                client.download(path, context.out());
                context.out().flush();
                return Main.EXIT_OK;
            }
            try (OutputStream out = Files.newOutputStream(output)) {
                long bytes = client.download(path, out);
                context.err().println("wrote " + bytes + " bytes to " + output);
            } catch (IOException e) {
                throw new ManagementClient.Failure("cannot write " + output + ": " + e.getMessage());
            }
            return Main.EXIT_OK;
        }
    }
}
