package dev.llmproxy.core.cache;

import java.util.Objects;

/**
 * Whose entries a cache key belongs to: the first segment of every key after the prefix.
 *
 * <p>By default every key is scoped to the project that made the request ({@link #project}), so
 * one project never receives another project's cached answer — the original system shared one
 * key space across all projects. Sharing is an explicit operator decision: projects that should
 * see each other's entries use the same {@link #shared} scope.
 *
 * <p>The rendered segment is injective and free of {@code :}: a project scope is the project id
 * with every character outside {@code [A-Za-z0-9_-]} percent-encoded (a UUID stays as it is), a
 * shared scope is {@code shared.} followed by its encoded name. As a project scope never contains
 * {@code .}, a project can never name itself into a shared scope, and one scope's key prefix never
 * matches another scope's keys. Immutable and thread-safe.
 */
public final class CacheScope {

    /** Longest rendered segment kept verbatim; longer ones are shortened with a hash. */
    static final int MAX_SEGMENT = 96;

    private final String segment;
    private final boolean shared;

    private CacheScope(String segment, boolean shared) {
        this.segment = segment;
        this.shared = shared;
    }

    /** The scope of one project: its entries are visible to that project only. */
    public static CacheScope project(String projectId) {
        Objects.requireNonNull(projectId, "projectId");
        if (projectId.isEmpty()) {
            throw new IllegalArgumentException("projectId must not be empty");
        }
        return new CacheScope(CacheKeys.bound(encode(projectId), MAX_SEGMENT), false);
    }

    /**
     * A scope shared by every project the operator assigns to it (cross-project reuse of answers,
     * e.g. for identical public prompts). Never the default.
     */
    public static CacheScope shared(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("shared scope name must not be empty");
        }
        return new CacheScope(CacheKeys.bound("shared." + encode(name), MAX_SEGMENT), true);
    }

    /** The key segment, e.g. {@code 3f2c…-…} or {@code shared.public-prompts}. */
    public String segment() {
        return segment;
    }

    /** True for a {@link #shared} scope. */
    public boolean isShared() {
        return shared;
    }

    private static String encode(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (byte x : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            char c = (char) (x & 0xff);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_';
            if (plain) {
                b.append(c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit((c >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CacheScope other && other.segment.equals(segment);
    }

    @Override
    public int hashCode() {
        return segment.hashCode();
    }

    @Override
    public String toString() {
        return segment;
    }
}
