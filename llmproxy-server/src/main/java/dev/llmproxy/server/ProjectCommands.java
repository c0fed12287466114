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
import java.util.concurrent.Callable;

import static dev.llmproxy.server.ManagementClient.params;
import static dev.llmproxy.server.ManagementClient.segment;
import static dev.llmproxy.server.ManagementClient.withQuery;

/**
 * {@code llm-proxy manage project list|get|create|update|delete}. API keys are shown only as the
 * server returns them: obfuscated.
 */
@Command(name = "project",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        synopsisSubcommandLabel = "COMMAND",
        description = "Projects: named holders of an upstream API key, to which tokens belong.")
final class ProjectCommands implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    static CommandLine commandLine(CliContext context) {
        CommandLine project = new CommandLine(new ProjectCommands());
        project.addSubcommand(new ListProjects(context));
        project.addSubcommand(new GetProject(context));
        project.addSubcommand(new CreateProject(context));
        project.addSubcommand(new UpdateProject(context));
        project.addSubcommand(new DeleteProject(context));
        return project;
    }

    @Override
    public Integer call() {
        return ManageCommand.missingSubcommand(spec);
    }

    /** "ID / Name / Active / API key / Created / Updated / Deactivated" lines for one project. */
    static void printProject(PrintStream out, JsonNode p) {
        Tables.details(out,
                "ID", p.get("id").asText(),
                "Name", p.get("name").asText(),
                "Active", p.get("is_active").asBoolean() ? "yes" : "no",
                "API key", p.get("api_key").asText(),
                "Created", Tables.time(p, "created_at", "-"),
                "Updated", Tables.time(p, "updated_at", "-"),
                "Deactivated", Tables.time(p, "deactivated_at", "-"));
    }

    @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "List projects, ordered by name.")
    static final class ListProjects extends ManageCommand.Leaf {
        @Option(names = "--page", paramLabel = "N", description = "Page to show, from 1. Default 1.")
        Integer page;

        @Option(names = "--page-size", paramLabel = "N", description = "Projects per page, 1-500. Default 20.")
        Integer pageSize;

        ListProjects(CliContext context) {
            super(context);
        }

        @Override
        int run(ManagementClient client) throws ManagementClient.Failure {
            ManagementClient.Answer a = client.call("GET",
                    withQuery("/manage/projects", params("page", page, "page_size", pageSize)), null);
            if (options.json) {
                printJson(a);
                return Main.EXIT_OK;
            }
            JsonNode projects = a.json().get("projects");
            if (projects.size() > 0) {
                Tables t = new Tables("ID", "NAME", "ACTIVE", "API KEY", "CREATED", "UPDATED");
                for (JsonNode p : projects) {
                    t.row(p.get("id").asText(), p.get("name").asText(), p.get("is_active").asBoolean() ? "yes" : "no",
                            p.get("api_key").asText(), Tables.time(p, "created_at", "-"),
                            Tables.time(p, "updated_at", "-"));
                }
                t.print(context.out());
            }
            Tables.pageFooter(context.out(), a.json(), "projects");
            return Main.EXIT_OK;
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Show one project.")
    static final class GetProject extends ManageCommand.Leaf {
        @Parameters(paramLabel = "ID", description = "Project id.")
        String id;

        GetProject(CliContext context) {
            super(context);
        }

        @Override
        int run(ManagementClient client) throws ManagementClient.Failure {
            ManagementClient.Answer a = client.call("GET", "/manage/projects/" + segment(id), null);
            if (options.json) {
                printJson(a);
            } else {
                printProject(context.out(), a.json());
            }
            return Main.EXIT_OK;
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Create a project holding an upstream API key.")
    static final class CreateProject extends ManageCommand.Leaf {
        @Option(names = "--name", required = true, paramLabel = "NAME", description = "Unique project name.")
        String name;

        @Option(names = "--api-key", required = true, paramLabel = "KEY",
                description = "The upstream provider's API key (stored encrypted when the server has an"
                        + " ENCRYPTION_KEY; only ever shown obfuscated).")
        String apiKey;

        CreateProject(CliContext context) {
            super(context);
        }

        @Override
        int run(ManagementClient client) throws ManagementClient.Failure {
            ObjectNode body = JsonNodeFactory.instance.objectNode().put("name", name).put("api_key", apiKey);
            ManagementClient.Answer a = client.call("POST", "/manage/projects", body);
            if (options.json) {
                printJson(a);
            } else {
                context.out().println("Created project " + a.json().get("name").asText() + ".");
                printProject(context.out(), a.json());
            }
            return Main.EXIT_OK;
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Rename a project, replace its API key, or (de)activate it.")
    static final class UpdateProject extends ManageCommand.Leaf {
        @Parameters(paramLabel = "ID", description = "Project id.")
        String id;

        @Option(names = "--name", paramLabel = "NAME", description = "New name.")
        String name;

        @Option(names = "--api-key", paramLabel = "KEY", description = "New upstream API key.")
        String apiKey;

        @Option(names = "--active", paramLabel = "true|false", arity = "1",
                description = "Activate or deactivate. Tokens of an inactive project are refused (403).")
        Boolean active;

        @Option(names = "--revoke-tokens",
                description = "With --active false: also revoke every token of the project.")
        boolean revokeTokens;

        UpdateProject(CliContext context) {
            super(context);
        }

        @Override
        int run(ManagementClient client) throws ManagementClient.Failure {
            if (name == null && apiKey == null && active == null) {
                throw new ConfigError("manage project update: nothing to update; give --name, --api-key or --active");
            }
            if (revokeTokens && !Boolean.FALSE.equals(active)) {
                throw new ConfigError("manage project update: --revoke-tokens needs --active false");
            }
            ObjectNode body = JsonNodeFactory.instance.objectNode();
            if (name != null) {
                body.put("name", name);
            }
            if (apiKey != null) {
                body.put("api_key", apiKey);
            }
            if (active != null) {
                body.put("is_active", active);
            }
            if (revokeTokens) {
                body.put("revoke_tokens", true);
            }
            ManagementClient.Answer a = client.call("PATCH", "/manage/projects/" + segment(id), body);
            if (options.json) {
                printJson(a);
                return Main.EXIT_OK;
            }
            context.out().println("Updated project " + a.json().get("name").asText() + "."
                    + (a.json().has("tokens_revoked") ? " Tokens revoked: " + a.json().get("tokens_revoked").asInt()
                    + "." : ""));
            printProject(context.out(), a.json());
            return Main.EXIT_OK;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Delete a project and all its tokens (audit records stay).")
    static final class DeleteProject extends ManageCommand.Leaf {
        @Parameters(paramLabel = "ID", description = "Project id.")
        String id;

        DeleteProject(CliContext context) {
            super(context);
        }

        @Override
        int run(ManagementClient client) throws ManagementClient.Failure {
            ManagementClient.Answer a = client.call("DELETE", "/manage/projects/" + segment(id), null);
            if (options.json) {
                printJson(a);
            } else {
                context.out().println("Deleted project " + a.json().get("id").asText() + " and its tokens.");
            }
            return Main.EXIT_OK;
        }
    }
}
