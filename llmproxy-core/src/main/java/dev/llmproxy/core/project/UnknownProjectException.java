package dev.llmproxy.core.project;

import dev.llmproxy.core.store.StoreException;

/**
 * A token was to be created for a project that does not exist (or was deleted meanwhile). The
 * management API answers 404.
 */
public final class UnknownProjectException extends StoreException {

    private static final long serialVersionUID = 1L;

    private final String projectId;

    public UnknownProjectException(String projectId, Throwable cause) {
        super("project " + projectId + " does not exist", cause);
        this.projectId = projectId;
    }

    /** The id that matched no project. */
    public String projectId() {
        return projectId;
    }
}
