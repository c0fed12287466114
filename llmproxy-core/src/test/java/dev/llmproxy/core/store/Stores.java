package dev.llmproxy.core.store;

import dev.llmproxy.core.audit.AuditStore;
import dev.llmproxy.core.auth.TokenStore;
import dev.llmproxy.core.project.ProjectStore;

/** One backend's three stores, sharing one database (or one in-memory state), for contract tests. */
public record Stores(ProjectStore projects, TokenStore tokens, AuditStore audit) {

    /** Fresh in-memory stores on {@code clock}. */
    public static Stores inMemory(MutableClock clock) {
        InMemoryProjectStore projects = new InMemoryProjectStore(clock);
        return new Stores(projects, new InMemoryTokenStore(projects, clock), new InMemoryAuditStore());
    }
}
