package dev.llmproxy.core.route;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Active health probes of a provider's upstream endpoints ({@code health_check:} in the provider
 * YAML, {@code UPSTREAM_PROBE_*} for the server). Every {@link #interval()} the proxy sends
 * {@code METHOD path} to each upstream base URL; the answer's status decides success.
 *
 * <p><b>What counts as healthy:</b> by default any HTTP answer below 500 ({@code 100-499}): a
 * {@code 401} from {@code /v1/models} without a key still proves the upstream is up and routing,
 * which is all a probe is for. Refused connections, TLS failures, timeouts and 5xx answers fail.
 * {@link #healthyStatuses()} narrows or widens that (e.g. {@code [200-299]} when the probe sends
 * the key).
 *
 * @param enabled          whether probes run at all
 * @param path             request path, e.g. {@code /v1/models}
 * @param method           {@code GET} or {@code HEAD}
 * @param interval         time between two probes of one upstream
 * @param timeout          connect plus answer time allowed for one probe
 * @param failureThreshold consecutive failed probes that open the upstream's circuit
 * @param healthyStatuses  status ranges that count as success
 * @param sendApiKey       whether the probe carries {@code Authorization: Bearer <upstream key>};
 *                         only possible when the proxy has one fixed upstream key
 */
public record UpstreamProbeConfig(boolean enabled, String path, String method, Duration interval, Duration timeout,
                                  int failureThreshold, List<StatusRange> healthyStatuses, boolean sendApiKey) {

    public static final String DEFAULT_PATH = "/v1/models";
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    public static final int DEFAULT_FAILURE_THRESHOLD = 2;
    public static final List<StatusRange> DEFAULT_HEALTHY = List.of(new StatusRange(100, 499));

    /** Probes off: the library default (embedders opt in); the server turns them on. */
    public static final UpstreamProbeConfig DISABLED = new UpstreamProbeConfig(false, DEFAULT_PATH, "GET",
            DEFAULT_INTERVAL, DEFAULT_TIMEOUT, DEFAULT_FAILURE_THRESHOLD, DEFAULT_HEALTHY, false);

    /** Probes on with every default: {@code GET /v1/models} every 10 s, 2 s timeout, below 500 is up. */
    public static final UpstreamProbeConfig DEFAULTS = DISABLED.withEnabled(true);

    public UpstreamProbeConfig {
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/") || path.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f)) {
            throw new IllegalArgumentException("health_check.path must start with '/' and contain no spaces or"
                    + " control characters, got '" + path + "'");
        }
        method = Objects.requireNonNull(method, "method").toUpperCase(Locale.ROOT);
        if (!method.equals("GET") && !method.equals("HEAD")) {
            throw new IllegalArgumentException("health_check.method must be GET or HEAD, got '" + method + "'");
        }
        requirePositive("interval", interval);
        requirePositive("timeout", timeout);
        if (failureThreshold < 1) {
            throw new IllegalArgumentException("health_check.failure_threshold must be >= 1, got " + failureThreshold);
        }
        healthyStatuses = List.copyOf(healthyStatuses);
        if (healthyStatuses.isEmpty()) {
            throw new IllegalArgumentException("health_check.healthy_statuses must list at least one status or range");
        }
    }

    private static void requirePositive(String what, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("health_check." + what + " must be a positive duration, got " + d);
        }
    }

    /** Whether a probe answered with {@code status} succeeded. */
    public boolean healthy(int status) {
        for (StatusRange r : healthyStatuses) {
            if (status >= r.from() && status <= r.to()) {
                return true;
            }
        }
        return false;
    }

    public UpstreamProbeConfig withEnabled(boolean on) {
        return new UpstreamProbeConfig(on, path, method, interval, timeout, failureThreshold, healthyStatuses,
                sendApiKey);
    }

    public UpstreamProbeConfig withInterval(Duration d) {
        return new UpstreamProbeConfig(enabled, path, method, d, timeout, failureThreshold, healthyStatuses,
                sendApiKey);
    }

    public UpstreamProbeConfig withTimeout(Duration d) {
        return new UpstreamProbeConfig(enabled, path, method, interval, d, failureThreshold, healthyStatuses,
                sendApiKey);
    }

    public UpstreamProbeConfig withPath(String p) {
        return new UpstreamProbeConfig(enabled, p, method, interval, timeout, failureThreshold, healthyStatuses,
                sendApiKey);
    }

    public UpstreamProbeConfig withFailureThreshold(int n) {
        return new UpstreamProbeConfig(enabled, path, method, interval, timeout, n, healthyStatuses, sendApiKey);
    }

    /**
     * An inclusive range of HTTP status codes, written {@code 200-299} or as one code {@code 401}.
     *
     * @param from lowest status, 100-599
     * @param to   highest status, from-599
     */
    public record StatusRange(int from, int to) {
        public StatusRange {
            if (from < 100 || to > 599 || from > to) {
                throw new IllegalArgumentException("status range must lie within 100-599 with from <= to, got "
                        + from + "-" + to);
            }
        }

        /** Parses {@code 401} or {@code 200-299}. */
        public static StatusRange parse(String text) {
            String t = text.strip();
            int dash = t.indexOf('-');
            try {
                if (dash < 0) {
                    int s = Integer.parseInt(t);
                    return new StatusRange(s, s);
                }
                return new StatusRange(Integer.parseInt(t.substring(0, dash).strip()),
                        Integer.parseInt(t.substring(dash + 1).strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected a status such as 401 or a range such as 200-299, got '"
                        + text + "'");
            }
        }

        @Override
        public String toString() {
            return from == to ? Integer.toString(from) : from + "-" + to;
        }
    }
}
