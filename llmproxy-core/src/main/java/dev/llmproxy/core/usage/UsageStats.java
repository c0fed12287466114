package dev.llmproxy.core.usage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Aggregate statistics over the usage records matching a query, optionally grouped by model or
 * project ({@code GET /manage/usage/stats}). Streams the records from the store once; memory grows
 * with the number of groups only, and groups beyond {@value #MAX_GROUPS} are folded into one
 * group with the key {@value #OTHER}.
 *
 * @param totals over every matching record
 * @param groups one per distinct key, sorted by key (null key — no project, no model — last);
 *               empty when not grouped
 */
public record UsageStats(UsageAggregate totals, List<Group> groups) {

    public static final int MAX_GROUPS = 1000;
    public static final String OTHER = "(other)";

    /** What to group by. */
    public enum GroupBy {
        NONE(r -> null), MODEL(UsageRecord::model), PROJECT(UsageRecord::projectId);

        private final Function<UsageRecord, String> key;

        GroupBy(Function<UsageRecord, String> key) {
            this.key = key;
        }
    }

    /** One group's key (null when the records had none) and its aggregate. */
    public record Group(String key, UsageAggregate aggregate) {
    }

    /** Reads the matching records from {@code store} and aggregates them. Blocking. */
    public static UsageStats compute(UsageStore store, UsageQuery query, GroupBy groupBy) {
        UsageAggregate totals = new UsageAggregate();
        Map<String, UsageAggregate> groups = new HashMap<>();
        UsageAggregate nullGroup = new UsageAggregate();
        try {
            store.scan(query, r -> {
                totals.add(r);
                if (groupBy == GroupBy.NONE) {
                    return;
                }
                String key = groupBy.key.apply(r);
                if (key == null) {
                    nullGroup.add(r);
                    return;
                }
                UsageAggregate g = groups.get(key);
                if (g == null) {
                    g = groups.computeIfAbsent(groups.size() >= MAX_GROUPS ? OTHER : key, k -> new UsageAggregate());
                }
                g.add(r);
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the visitor above does no I/O
        }
        List<Group> out = new ArrayList<>(groups.size() + 1);
        groups.forEach((k, v) -> out.add(new Group(k, v)));
        out.sort(Comparator.comparing(Group::key));
        if (nullGroup.requests() > 0) {
            out.add(new Group(null, nullGroup));
        }
        return new UsageStats(totals, out);
    }
}
