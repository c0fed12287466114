package dev.llmproxy.core.project;

/**
 * What it takes to create a project; the store assigns id, timestamps and {@code isActive=true}.
 *
 * @param name   unique, not blank, at most {@value ProjectNames#MAX_LENGTH} characters; stored verbatim
 * @param apiKey the plaintext upstream key (see {@link ApiKeys#requireUsable(String)})
 */
public record NewProject(String name, String apiKey) {

    public NewProject {
        name = ProjectNames.require(name);
        apiKey = ApiKeys.requireUsable(apiKey);
    }

    @Override
    public String toString() {
        return "NewProject[name=" + name + ", apiKey=[redacted]]";
    }
}
