package dev.llmproxy.core.route;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;

/**
 * Reads durations the way operators of the original Go proxy wrote them, so existing YAML files
 * and environment variables keep working.
 *
 * <p>Accepted forms:
 * <ul>
 *   <li>Go duration strings: one or more {@code <number><unit>} pairs, e.g. {@code 500ms},
 *       {@code 10s}, {@code 2m}, {@code 1h}, {@code 1m30s}, {@code 1.5s}. Units: {@code ns},
 *       {@code us} (also {@code µs}), {@code ms}, {@code s}, {@code m}, {@code h}. There is no
 *       day unit, as in Go.</li>
 *   <li>A bare whole number, read as seconds ({@code 30} is 30 s), because many of the original
 *       environment variables (e.g. {@code HTTP_CACHE_DEFAULT_TTL}) are plain seconds.</li>
 * </ul>
 * Surrounding whitespace is ignored. Signs are refused: no setting in the proxy takes a negative
 * duration, and a stray {@code -} is far more likely a typo than intent. Zero ({@code 0},
 * {@code 0s}) is accepted here; callers that need a positive value check for it and say so.
 */
public final class Durations {

    private static final String EXPECTED = "expected a duration like 10s or 500ms";

    private Durations() {
    }

    /**
     * Parses {@code text} as described in the class documentation.
     *
     * @throws IllegalArgumentException naming the expected form and the text given, e.g.
     *                                  {@code expected a duration like 10s or 500ms, got 'ten'}
     */
    public static Duration parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException(EXPECTED + ", got nothing");
        }
        String s = text.strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException(EXPECTED + ", got an empty value");
        }
        if (isDigits(s, 0, s.length())) {
            try {
                return Duration.ofSeconds(Long.parseLong(s));
            } catch (NumberFormatException | ArithmeticException e) {
                throw new IllegalArgumentException(EXPECTED + ", got '" + text + "' (too large)");
            }
        }
        long totalNanos = 0;
        int i = 0;
        int n = s.length();
        while (i < n) {
            int numberStart = i;
            while (i < n && (isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            String number = s.substring(numberStart, i);
            if (!isNumber(number)) {
                throw new IllegalArgumentException(EXPECTED + ", got '" + text + "'");
            }
            int unitStart = i;
            while (i < n && !isDigit(s.charAt(i)) && s.charAt(i) != '.') {
                i++;
            }
            String unit = s.substring(unitStart, i);
            long unitNanos = unitNanos(unit);
            if (unitNanos < 0) {
                String why = unit.isEmpty() ? "missing unit after '" + number + "'" : "unknown unit '" + unit + "'";
                throw new IllegalArgumentException(EXPECTED + ", got '" + text + "' (" + why
                        + "; use ns, us, ms, s, m or h)");
            }
            try {
                // BigDecimal keeps "1.1s" exact; this runs at start-up only, never per request.
                long nanos = new BigDecimal(number).multiply(BigDecimal.valueOf(unitNanos))
                        .setScale(0, RoundingMode.DOWN).longValueExact();
                totalNanos = Math.addExact(totalNanos, nanos);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(EXPECTED + ", got '" + text + "' (too large)");
            }
        }
        return Duration.ofNanos(totalNanos);
    }

    private static long unitNanos(String unit) {
        switch (unit) {
            case "ns":
                return 1L;
            case "us":
            case "\u00b5s": // micro sign, as Go accepts
            case "\u03bcs": // Greek mu, as Go accepts
                return 1_000L;
            case "ms":
                return 1_000_000L;
            case "s":
                return 1_000_000_000L;
            case "m":
                return 60_000_000_000L;
            case "h":
                return 3_600_000_000_000L;
            default:
                return -1;
        }
    }

    /** {@code 12}, {@code 1.5}, {@code .5} and {@code 5.} are numbers (as in Go); {@code .} and {@code 1.2.3} are not. */
    private static boolean isNumber(String s) {
        int dot = s.indexOf('.');
        if (dot < 0) {
            return !s.isEmpty();
        }
        return s.length() > 1 && s.indexOf('.', dot + 1) < 0;
    }

    private static boolean isDigits(String s, int from, int to) {
        if (from >= to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (!isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
