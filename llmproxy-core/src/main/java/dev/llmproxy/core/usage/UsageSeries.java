package dev.llmproxy.core.usage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Usage in fixed time buckets, for dashboard charts ({@code GET /manage/usage/series}). Buckets
 * start at multiples of the bucket length since the epoch (UTC), from the bucket holding
 * {@code from} up to the one holding the instant just before {@code to}; every bucket is present,
 * empty ones with zero counts. Records are streamed oldest first, so only the current bucket is
 * being filled at any time and memory is bounded by the number of buckets
 * ({@value #MAX_POINTS} at most) times the projects per bucket.
 *
 * @param bucketSeconds bucket length
 * @param points        one per bucket, oldest first
 */
public record UsageSeries(long bucketSeconds, List<Point> points) {

    public static final int MAX_POINTS = 2_500;

    /**
     * One bucket.
     *
     * @param start     the bucket's first instant
     * @param aggregate everything in the bucket
     * @param projects  per project id (null key: requests without a project): tokens and cost,
     *                  ordered by project id
     */
    public record Point(Instant start, UsageAggregate aggregate, Map<String, ProjectUsage> projects) {
    }

    /** One project's share of a bucket. */
    public static final class ProjectUsage {
        private long totalTokens;
        private long costNanos;

        public long totalTokens() {
            return totalTokens;
        }

        public long costNanos() {
            return costNanos;
        }
    }

    /** How many buckets {@code [from, to)} spans. */
    public static long pointCount(Instant from, Instant to, long bucketSeconds) {
        long first = Math.floorDiv(from.getEpochSecond(), bucketSeconds);
        long last = Math.floorDiv(to.minusNanos(1).getEpochSecond(), bucketSeconds);
        return Math.max(0, last - first + 1);
    }

    /**
     * Reads the records of {@code [from, to)} (and {@code projectId}, when not null) and buckets
     * them. Blocking.
     *
     * @throws IllegalArgumentException when the range is empty or needs more than {@value #MAX_POINTS} buckets
     */
    public static UsageSeries compute(UsageStore store, String projectId, Instant from, Instant to,
                                      long bucketSeconds) {
        if (bucketSeconds <= 0) {
            throw new IllegalArgumentException("bucket must be positive");
        }
        long count = pointCount(from, to, bucketSeconds);
        if (count <= 0 || count > MAX_POINTS) {
            throw new IllegalArgumentException("the range needs " + count + " buckets; allowed 1 to " + MAX_POINTS);
        }
        long firstBucket = Math.floorDiv(from.getEpochSecond(), bucketSeconds);
        List<Point> points = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            points.add(new Point(Instant.ofEpochSecond((firstBucket + i) * bucketSeconds), new UsageAggregate(),
                    new TreeMap<>(java.util.Comparator.nullsLast(java.util.Comparator.naturalOrder()))));
        }
        try {
            store.scan(new UsageQuery(projectId, null, from, to), r -> {
                long index = Math.floorDiv(r.timestamp().getEpochSecond(), bucketSeconds) - firstBucket;
                if (index < 0 || index >= count) {
                    return; // cannot happen for records inside [from, to)
                }
                Point p = points.get((int) index);
                p.aggregate().add(r);
                ProjectUsage u = p.projects().computeIfAbsent(r.projectId(), k -> new ProjectUsage());
                u.totalTokens += r.totalTokens();
                u.costNanos += r.costNanos();
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new UsageSeries(bucketSeconds, points);
    }
}
