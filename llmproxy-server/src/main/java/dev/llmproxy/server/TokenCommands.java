package dev.llmproxy.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.time.Instant;
import java.util.concurrent.Callable;

import static dev.llmproxy.server.ManagementClient.params;
import static dev.llmproxy.server.ManagementClient.segment;
import static dev.llmproxy.server.ManagementClient.withQuery;

/**
 * {@code llm-proxy manage token generate|list|get|revoke}. The token string is printed once, by
 * {@code generate}; the server keeps only its hash, so it cannot be shown again.
 */
@Command(name = "token",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        synopsisSubcommandLabel = "COMMAND",
        description = "Withering tokens: what clients send as 'Authorization: Bearer sk-...'.")
final class TokenCommands implements Callable<Integer> {

    /** The Go CLI's default lifetime: one day. */
    static final int DEFAULT_DURATION_MINUTES = 1440;

    @Spec
    CommandSpec spec;

    static CommandLine commandLine(CliContext context) {
        CommandLine token = new CommandLine(new TokenCommands());
        token.addSubcommand(new GenerateToken(context));
        token.addSubcommand(new ListTokens(context));
        token.addSubcommand(new GetToken(context));
        token.addSubcommand(new RevokeToken(context));
        return token;
    }

    @Override
    public Integer call() {
        return ManageCommand.missingSubcommand(spec);
    }

    /** {@code active}, {@code revoked} or {@code expired}. */
    static String status(JsonNode t) {
        if (!t.get("is_active").asBoolean()) {
            return "revoked";
        }
        JsonNode expires = t.get("expires_at");
        if (expires != null && !expires.isNull() && !Instant.parse(expires.asText()).isAfter(Instant.now())) {
            return "expired";
        }
        return "active";
    }

    static void printToken(PrintStream out, JsonNode t) {
        Tables.details(out,
                "ID", t.get("id").asText(),
                "Project", t.get("project_id").asText(),
                "Status", status(t),
                "Expires", Tables.time(t, "expires_at", "never"),
                "Requests", t.get("request_count").asText() + " of " + Tables.text(t, "max_requests", "unlimited"),
                "Rate limit", t.get("rate_limit_rpm").isNull() ? "none" : t.get("rate_limit_rpm").asText() + "/min",
                "Cache hits", t.get("cache_hit_count").asText(),
                "Created", Tables.time(t, "created_at", "-"),
                "Last used", Tables.time(t, "last_used_at", "never"),
                "Revoked", Tables.time(t, "revoked_at", "-"));
    }

    @Command(name = "generate", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Create a token for a project; the token is shown once.")
    static final class GenerateToken extends ManageCommand.Leaf {
        @Option(names = "--project-id", required = true, paramLabel = "ID", description = "The project.")
        String projectId;

        @Option(names = "--duration-minutes", paramLabel = "N", defaultValue = "" + DEFAULT_DURATION_MINUTES,
                description = "Lifetime, 1-525600 minutes (365 days). Default ${DEFAULT-VALUE} (one day).")
        long durationMinutes;

        @Option(names = "--max-requests", paramLabel = "N", description = "Lifetime request quota. Default unlimited.")
        Long maxRequests;

        @Option(names = "--rate-limit-rpm", paramLabel = "N", description = "Requests per minute. Default no limit.")
        Long rateLimitRpm;

        GenerateToken(CliContext context) {
            super(context);
        }

        @Override
        int run(ManagementClient client) throws ManagementClient.Failure {
            ObjectNode body = JsonNodeFactory.instance.objectNode().put("project_id", projectId)
                    .put("duration_minutes", durationMinutes);
            if (maxRequests != null) {
                body.put("max_requests", maxRequests);
            }
            if (rateLimitRpm != null) {
                body.put("rate_limit_rpm", rateLimitRpm);
            }
            ManagementClient.Answer a = client.call("POST", "/manage/tokens", body);
            if (options.json) {
                printJson(a);
                return Main.EXIT_OK;
            }
            PrintStream out = context.out();
            out.println("Token (shown only this once; store it now):");
            out.println();
            out.println("  " + a.json().get("token").asText());
            out.println();
            printToken(out, a.json());
            return Main.EXIT_OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "List tokens, newest first.")
    static final class ListTokens extends ManageCommand.Leaf {
        @Option(names = "--project-id", paramLabel = "ID", description = "Only this project's tokens.")
        String projectId;

        @Option(names = "--active-only", description = "Only tokens that are neither revoked nor expired.")
        boolean activeOnly;

        @Option(names = "--page", paramLabel = "N", description = "Page to show, from 1. Default 1.")
        Integer page;

        @Option(names = "--page-size", paramLabel = "N", description = "Tokens per page, 1-500. Default 20.")
        Integer pageSize;

        ListTokens(CliContext context) {
            super(context);
        }

        @Override
        int run(ManagementClient client) throws ManagementClient.Failure {
            ManagementClient.Answer a = client.call("GET", withQuery("/manage/tokens", params("project_id", projectId,
                    "active_only", activeOnly ? "true" : null, "page", page, "page_size", pageSize)), null);
            if (options.json) {
                printJson(a);
                return Main.EXIT_OK;
            }
            JsonNode tokens = a.json().get("tokens");
            if (tokens.size() > 0) {
                Tables t = new Tables("ID", "PROJECT", "STATUS", "REQUESTS", "MAX", "RPM", "EXPIRES", "LAST USED");
                for (JsonNode tok : tokens) {
                    t.row(tok.get("id").asText(), tok.get("project_id").asText(), status(tok),
                            tok.get("request_count").asText(), Tables.text(tok, "max_requests", "-"),
                            Tables.text(tok, "rate_limit_rpm", "-"), Tables.time(tok, "expires_at", "never"),
                            Tables.time(tok, "last_used_at", "never"));
                }
                t.print(context.out());
            }
            Tables.pageFooter(context.out(), a.json(), "tokens");
            return Main.EXIT_OK;
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Show one token (never its secret).")
    static final class GetToken extends ManageCommand.Leaf {
        @Parameters(paramLabel = "ID", description = "Token id (not the token itself).")
        String id;

        GetToken(CliContext context) {
            super(context);
        }

        @Override
        int run(ManagementClient client) throws ManagementClient.Failure {
            ManagementClient.Answer a = client.call("GET", "/manage/tokens/" + segment(id), null);
            if (options.json) {
                printJson(a);
            } else {
                printToken(context.out(), a.json());
            }
            return Main.EXIT_OK;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Revoke a token; the next request with it gets 401 token_inactive.")
    static final class RevokeToken extends ManageCommand.Leaf {
        @Parameters(paramLabel = "ID", description = "Token id (not the token itself).")
        String id;

        RevokeToken(CliContext context) {
            super(context);
        }

        @Override
        int run(ManagementClient client) throws ManagementClient.Failure {
            ManagementClient.Answer a = client.call("DELETE", "/manage/tokens/" + segment(id), null);
            if (options.json) {
                printJson(a);
            } else {
                context.out().println("Revoked token " + a.json().get("id").asText() + ".");
            }
            return Main.EXIT_OK;
        }
    }
}
