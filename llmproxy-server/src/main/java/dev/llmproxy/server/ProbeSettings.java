package dev.llmproxy.server;

import dev.llmproxy.core.route.UpstreamProbeConfig;

/**
 * The server's defaults for active upstream probes, from {@code UPSTREAM_PROBE_ENABLED} (default
 * true), {@code UPSTREAM_PROBE_INTERVAL} (10s), {@code UPSTREAM_PROBE_TIMEOUT} (2s) and
 * {@code UPSTREAM_PROBE_PATH} (/v1/models). They apply to the built-in OpenAI profile and to a
 * provider file entry without a {@code health_check} block; a block's own fields win over them
 * (the more specific setting wins), and a field the block leaves out comes from here.
 */
final class ProbeSettings {

    static final String UPSTREAM_PROBE_ENABLED = "UPSTREAM_PROBE_ENABLED";
    static final String UPSTREAM_PROBE_INTERVAL = "UPSTREAM_PROBE_INTERVAL";
    static final String UPSTREAM_PROBE_TIMEOUT = "UPSTREAM_PROBE_TIMEOUT";
    static final String UPSTREAM_PROBE_PATH = "UPSTREAM_PROBE_PATH";

    private ProbeSettings() {
    }

    static UpstreamProbeConfig read(ConfigSource source) {
        UpstreamProbeConfig c = UpstreamProbeConfig.DEFAULTS;
        boolean enabled = source.env(UPSTREAM_PROBE_ENABLED).map(raw -> raw.parse(ValueParsers::bool)).orElse(true);
        c = c.withEnabled(enabled);
        c = c.withInterval(source.env(UPSTREAM_PROBE_INTERVAL).map(raw -> raw.parse(ValueParsers::positiveDuration))
                .orElse(c.interval()));
        c = c.withTimeout(source.env(UPSTREAM_PROBE_TIMEOUT).map(raw -> raw.parse(ValueParsers::positiveDuration))
                .orElse(c.timeout()));
        String path = source.env(UPSTREAM_PROBE_PATH).map(raw -> raw.parse(ProbeSettings::path)).orElse(c.path());
        return c.withPath(path);
    }

    private static String path(String text) {
        String p = text.strip();
        if (!p.startsWith("/") || p.chars().anyMatch(ch -> ch <= 0x20 || ch >= 0x7f)) {
            throw new IllegalArgumentException("expected a request path such as /v1/models, got '" + text + "'");
        }
        return p;
    }
}
