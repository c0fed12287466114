package dev.llmproxy.core.project;

import dev.llmproxy.core.store.StoreException;

/**
 * Another project already has this name (names are unique). The management API answers 409.
 */
public final class DuplicateNameException extends StoreException {

    private static final long serialVersionUID = 1L;

    private final String name;

    public DuplicateNameException(String name, Throwable cause) {
        super("a project named '" + name + "' already exists", cause);
        this.name = name;
    }

    /** The name that is taken. */
    public String name() {
        return name;
    }
}
