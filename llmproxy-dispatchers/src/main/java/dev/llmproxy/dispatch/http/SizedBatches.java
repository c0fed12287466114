package dev.llmproxy.dispatch.http;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Splits a batch into consecutive groups whose encoded size stays under a backend's request
 * limit (Lunary 20 MB, Langfuse 3.5 MB). An item larger than the limit forms a group of its own
 * (the backend then refuses it, which fails that one event permanently instead of the batch).
 */
public final class SizedBatches {

    private SizedBatches() {
    }

    /**
     * Groups {@code items} in order.
     *
     * @param items the items
     * @param size the encoded size of one item in bytes
     * @param limit the largest group size in bytes (sum of item sizes), {@code > 0}
     * @return the groups, none empty
     */
    public static <T> List<List<T>> split(List<T> items, ToLongFunction<T> size, long limit) {
        List<List<T>> groups = new ArrayList<>();
        List<T> current = new ArrayList<>();
        long bytes = 0;
        for (T item : items) {
            long s = size.applyAsLong(item);
            if (!current.isEmpty() && bytes + s > limit) {
                groups.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(item);
            bytes += s;
        }
        if (!current.isEmpty()) {
            groups.add(current);
        }
        return groups;
    }
}
