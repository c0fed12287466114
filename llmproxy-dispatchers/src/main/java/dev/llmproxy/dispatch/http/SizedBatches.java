package dev.llmproxy.dispatch.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmproxy.dispatch.DispatchEvent;
import dev.llmproxy.dispatch.DispatchResult;
import dev.llmproxy.dispatch.JsonSupport;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

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
     * One event with the JSON records it becomes on the wire and their encoded size (one byte per
     * record added for the separator).
     */
    public record Encoded(DispatchEvent event, List<ObjectNode> records, long bytes) {
    }

    /**
     * Encodes every event, splits the batch into groups under {@code limit} bytes, posts each
     * group with {@code post} and merges the per-event results into one.
     */
    public static CompletionStage<DispatchResult> sendInParts(List<DispatchEvent> batch,
            Function<DispatchEvent, List<ObjectNode>> encode, long limit,
            Function<List<Encoded>, CompletableFuture<DispatchResult>> post) {
        List<Encoded> items = new ArrayList<>(batch.size());
        for (DispatchEvent e : batch) {
            List<ObjectNode> records = encode.apply(e);
            long bytes = 0;
            for (ObjectNode r : records) {
                bytes += JsonSupport.toBytes(r).length + 1;
            }
            items.add(new Encoded(e, records, bytes));
        }
        List<CompletableFuture<DispatchResult>> parts = new ArrayList<>();
        for (List<Encoded> group : split(items, Encoded::bytes, limit)) {
            parts.add(post.apply(group));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
            DispatchResult merged = DispatchResult.empty();
            for (CompletableFuture<DispatchResult> p : parts) {
                merged = merged.merge(p.join());
            }
            return merged;
        });
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
