package dev.llmproxy.core.project;

/** The one rule for project names, shared by {@link NewProject} and {@link ProjectUpdate}. */
final class ProjectNames {

    /** Longest accepted name; keeps list pages and the unique index small. */
    static final int MAX_LENGTH = 255;

    private ProjectNames() {
    }

    static String require(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("project name must not be empty");
        }
        if (name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(
                    "project name must be at most " + MAX_LENGTH + " characters, got " + name.length());
        }
        return name;
    }
}
