package dev.llmproxy.core.store;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * One page of a list plus what a client needs to page through the rest.
 *
 * @param items    the items of this page, in the list's order; empty when the page lies past the end
 * @param total    number of items in the whole list (all pages) matching the query
 * @param page     the 1-based page number that was asked for
 * @param pageSize the page size that was asked for
 */
public record Page<T>(List<T> items, long total, int page, int pageSize) {

    public Page {
        items = List.copyOf(items);
        if (total < 0) {
            throw new IllegalArgumentException("total must be >= 0, got " + total);
        }
        new PageRequest(page, pageSize); // same bounds as the request it answers
    }

    /** An empty first page. */
    public static <T> Page<T> empty(PageRequest request) {
        return new Page<>(List.of(), 0, request.page(), request.pageSize());
    }

    /** Cuts {@code request}'s page out of a complete, already ordered list. */
    public static <T> Page<T> slice(List<T> all, PageRequest request) {
        long from = Math.min(request.offset(), all.size());
        long to = Math.min(from + request.pageSize(), all.size());
        return new Page<>(all.subList((int) from, (int) to), all.size(), request.page(), request.pageSize());
    }

    /** Number of pages (0 for an empty list). */
    public long totalPages() {
        return (total + pageSize - 1) / pageSize;
    }

    /** Whether a page follows this one. */
    public boolean hasNext() {
        return (long) page * pageSize < total;
    }

    /** Whether a page precedes this one. */
    public boolean hasPrevious() {
        return page > 1;
    }

    /** The same page with every item converted, e.g. to its JSON view. */
    public <R> Page<R> map(Function<? super T, ? extends R> mapper) {
        Objects.requireNonNull(mapper, "mapper");
        return new Page<>(items.stream().<R>map(mapper).toList(), total, page, pageSize);
    }
}
