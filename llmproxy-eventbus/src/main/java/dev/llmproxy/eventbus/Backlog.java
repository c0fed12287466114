package dev.llmproxy.eventbus;

/**
 * How far a subscriber group is behind, for lag metrics and health checks.
 *
 * @param waiting events published but not yet delivered to any consumer of the group, or
 *                {@code -1} when the backend cannot tell (Redis before 7.0 has no group lag)
 * @param pending events delivered to the group but not yet acknowledged (Redis: the group's
 *                pending entries list; memory: in-flight deliveries of the group's consumers)
 * @param length total events held by the backend for this group (Redis: {@code XLEN} of the stream,
 *               shared by all groups; memory: the group's queue)
 */
public record Backlog(long waiting, long pending, long length) {
}
