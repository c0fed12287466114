package dev.llmproxy.core.store;

/**
 * Which slice of a list to return: page {@code page} (1-based) of {@code pageSize} items.
 *
 * <p>Validated on construction so a bad value never reaches SQL: the original Go server divided by
 * a {@code page_size} of 0 and dropped the connection. The messages name the query parameters of
 * the management API ({@code page}, {@code page_size}) so they can be returned to the client as
 * they are.
 *
 * @param page     1-based page number; any value from 1 up (a page past the end is simply empty)
 * @param pageSize items per page, 1 to {@value #MAX_PAGE_SIZE}
 */
public record PageRequest(int page, int pageSize) {

    /** Page size used when the client gives none. */
    public static final int DEFAULT_PAGE_SIZE = 20;

    /** Largest page a client may ask for; bounds the memory and time one request can take. */
    public static final int MAX_PAGE_SIZE = 500;

    public PageRequest {
        if (page < 1) {
            throw new IllegalArgumentException("page must be 1 or greater, got " + page);
        }
        if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
            throw new IllegalArgumentException(
                    "page_size must be between 1 and " + MAX_PAGE_SIZE + ", got " + pageSize);
        }
    }

    /** The first page of {@code pageSize} items. */
    public static PageRequest first(int pageSize) {
        return new PageRequest(1, pageSize);
    }

    /** The first page of {@value #DEFAULT_PAGE_SIZE} items. */
    public static PageRequest firstPage() {
        return new PageRequest(1, DEFAULT_PAGE_SIZE);
    }

    /** Number of items before this page (a long: page × size can exceed an int). */
    public long offset() {
        return (long) (page - 1) * pageSize;
    }
}
