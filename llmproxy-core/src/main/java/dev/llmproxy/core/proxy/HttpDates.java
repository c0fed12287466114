package dev.llmproxy.core.proxy;

import io.netty.handler.codec.DateFormatter;

import java.time.Instant;
import java.util.Date;

/**
 * {@code Date} header values (RFC 1123), formatted at most once per second: formatting goes
 * through a {@code GregorianCalendar} and was a tenth of a cache hit's CPU time. Lock-free: a racing
 * second formatting the same value is harmless.
 */
final class HttpDates {

    private record Formatted(long epochSecond, String text) {
    }

    private static volatile Formatted last = new Formatted(Long.MIN_VALUE, "");

    private HttpDates() {
    }

    static String format(Instant instant) {
        long second = instant.getEpochSecond();
        Formatted f = last;
        if (f.epochSecond() == second) {
            return f.text();
        }
        String text = DateFormatter.format(new Date(second * 1000));
        last = new Formatted(second, text);
        return text;
    }
}
