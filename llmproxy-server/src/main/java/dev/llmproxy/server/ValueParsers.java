package dev.llmproxy.server;

import dev.llmproxy.core.route.Durations;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsers for the forms settings take on the command line and in the environment. Each one throws
 * {@link IllegalArgumentException} with a message that says what was expected and what was given
 * ({@code expected host:port or :port, got 'abc'}); {@link ConfigSource.Raw#parse} prefixes the
 * setting's name. Secrets are checked by {@link #secret} without ever repeating their value.
 */
final class ValueParsers {

    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?");
    private static final Pattern BYTE_SIZE = Pattern.compile("(\\d+)\\s*([A-Za-z]*)");
    private static final Map<String, Long> BYTE_UNITS = Map.of(
            "", 1L, "b", 1L,
            "kb", 1_000L, "mb", 1_000_000L, "gb", 1_000_000_000L,
            "kib", 1L << 10, "mib", 1L << 20, "gib", 1L << 30);

    private ValueParsers() {
    }

    /**
     * A listen address: {@code :8080} (all interfaces), {@code 0.0.0.0:8080},
     * {@code 127.0.0.1:9000}, {@code localhost:8080} or {@code [::1]:8080}. Port 0 asks for an
     * ephemeral port. Host names are resolved now, so a typo fails at start-up.
     */
    static InetSocketAddress listenAddress(String text) {
        String s = text.strip();
        String expected = "expected host:port or :port, got '" + text + "'";
        if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException(expected + " (did you mean ':" + s + "'?)");
        }
        String host;
        String portText;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                throw new IllegalArgumentException(expected);
            }
            host = s.substring(1, close);
            portText = s.substring(close + 2);
            if (host.indexOf(':') < 0) {
                throw new IllegalArgumentException(expected + " (brackets are for IPv6 addresses only)");
            }
        } else {
            int colon = s.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException(expected);
            }
            host = s.substring(0, colon);
            portText = s.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw new IllegalArgumentException(expected + " (write IPv6 addresses in brackets, e.g. [::1]:8080)");
            }
            if (!host.isEmpty() && !HOST_NAME.matcher(host).matches()) {
                throw new IllegalArgumentException(expected);
            }
        }
        int port = port(portText, expected);
        if (host.isEmpty()) {
            return new InetSocketAddress(port);
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot resolve host '" + host + "' in '" + text + "'");
        }
    }

    private static int port(String text, String expected) {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException(expected);
        }
        int port = Integer.parseInt(text);
        if (port > 65535) {
            throw new IllegalArgumentException(expected + " (port must be 0-65535)");
        }
        return port;
    }

    /**
     * A size in bytes: a whole number ({@code 1048576}), optionally with a unit: {@code B},
     * decimal {@code KB}/{@code MB}/{@code GB} or binary {@code KiB}/{@code MiB}/{@code GiB}
     * (case-insensitive, a space before the unit is allowed).
     */
    static long byteSize(String text) {
        String expected = "expected a size like 1048576, 512KiB, 10MiB or 1MB, got '" + text + "'";
        Matcher m = BYTE_SIZE.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException(expected);
        }
        Long unit = BYTE_UNITS.get(m.group(2).toLowerCase(Locale.ROOT));
        if (unit == null) {
            throw new IllegalArgumentException(expected + " (unknown unit '" + m.group(2)
                    + "'; use B, KB, MB, GB, KiB, MiB or GiB)");
        }
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(expected + " (too large)");
        }
    }

    /** A whole number in {@code [min, max]}. */
    static int intInRange(String text, int min, int max) {
        String s = text.strip();
        String expected = "expected a whole number from " + min + " to " + max + ", got '" + text + "'";
        if (s.isEmpty() || !(s.chars().allMatch(Character::isDigit)
                || s.charAt(0) == '-' && s.length() > 1 && s.substring(1).chars().allMatch(Character::isDigit))) {
            throw new IllegalArgumentException(expected);
        }
        long value;
        try {
            value = Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(expected);
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException(expected);
        }
        return (int) value;
    }

    /**
     * An upstream base URL: {@code http} or {@code https}, a host and an optional port, nothing
     * else. Returned without a trailing slash. A path is refused rather than dropped: clients'
     * paths ({@code /v1/...}) are forwarded as they are, so {@code https://api.openai.com/v1}
     * would otherwise quietly mean something else than it says.
     */
    static URI baseUrl(String text) {
        String s = text.strip();
        String expected = "expected an http:// or https:// URL like https://api.openai.com, got '" + text + "'";
        URI u;
        try {
            u = new URI(s);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(expected);
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null) {
            throw new IllegalArgumentException(expected);
        }
        if (u.getRawUserInfo() != null) {
            throw new IllegalArgumentException(expected + " (credentials in the URL are not allowed)");
        }
        String path = u.getRawPath() == null ? "" : u.getRawPath();
        if (!path.isEmpty() && !path.equals("/") || u.getRawQuery() != null || u.getRawFragment() != null) {
            throw new IllegalArgumentException(expected + " (scheme://host[:port] only: leave out the path,"
                    + " clients' /v1/... paths are forwarded as they are)");
        }
        return URI.create(scheme + "://" + u.getRawAuthority());
    }

    /**
     * A secret (API key, token) that goes into an HTTP header: printable ASCII without spaces.
     * Surrounding whitespace is removed. The message never contains the value.
     */
    static String secret(String text) {
        String s = text.strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("expected a non-empty value, got an empty one");
        }
        if (s.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw new IllegalArgumentException("expected printable ASCII characters without spaces"
                    + " (the value is not shown because it is a secret)");
        }
        return s;
    }

    /**
     * A yes/no setting: {@code true}/{@code false}, {@code 1}/{@code 0}, {@code yes}/{@code no},
     * {@code on}/{@code off}, in any case.
     */
    static boolean bool(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw new IllegalArgumentException("expected true or false, got '" + text + "'");
        };
    }

    /** A positive duration such as {@code 30s}, {@code 5m}, {@code 1h30m} or {@code 45} (seconds). */
    static Duration positiveDuration(String text) {
        Duration d = Durations.parse(text);
        if (d.isZero()) {
            throw new IllegalArgumentException("expected a positive duration like 30s, 5m or 1h, got '" + text + "'");
        }
        return d;
    }

    /** A provider name as written under {@code apis:} in the provider YAML, e.g. {@code openai}. */
    static String providerName(String text) {
        String s = text.strip();
        if (s.isEmpty() || s.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("expected a provider name such as openai, got '" + text + "'");
        }
        return s;
    }
}
