package dev.llmproxy.core.cache;

import java.util.Objects;

/**
 * The identity of one cached response, in a readable form that is also its storage key:
 *
 * <pre>
 * llmproxy:cache:&lt;scope&gt;:POST:/v1/chat/completions:accept-application/json:body-&lt;sha256&gt;
 * llmproxy:cache:&lt;scope&gt;:GET:/v1/models?limit=5:accept-*&#47;*:enc-br,gzip
 * </pre>
 *
 * Built by {@link CacheKeys#forRequest}; see there for what goes in and how it is normalised.
 * {@link #toString()} is the key itself (it is what {@code X-PROXY-CACHE-KEY} shows and what
 * {@code POST /manage/cache/purge} accepts). A key never contains a token, an upstream key or any
 * other secret: only the scope, method, path and query, a few content-negotiation headers and a
 * hash of the body. Immutable and thread-safe.
 */
public final class CacheKey {

    private final String value;
    private final CacheScope scope;

    CacheKey(String value, CacheScope scope) {
        this.value = Objects.requireNonNull(value, "value");
        this.scope = Objects.requireNonNull(scope, "scope");
    }

    /** The full key, including the configured prefix. */
    public String value() {
        return value;
    }

    /** The scope the key belongs to. */
    public CacheScope scope() {
        return scope;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CacheKey other && other.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    /** The readable key, e.g. <code>llmproxy:cache:&lt;project&gt;:GET:/v1/models:accept-*&#47;*</code>. */
    @Override
    public String toString() {
        return value;
    }
}
