package dev.llmproxy.eventbus;

import java.util.Map;
import java.util.SortedMap;

/**
 * One side's headers of an {@link Event}: either redacted already, or the entries they will be
 * redacted from at the first {@link #get()} (then the source is dropped). Redacting is a sort and
 * a scan of every header name; deferring it means an event nobody reads never pays for it, and an
 * event that is read pays once, on the reader's thread. Thread-safe: concurrent first reads agree
 * (the source never changes), and the result is published through a volatile field.
 */
final class RedactedHeaders {

    static final RedactedHeaders NONE = new RedactedHeaders(Redaction.headers((Map<String, String>) null));

    private volatile SortedMap<String, String> redacted;
    private Iterable<? extends Map.Entry<String, String>> source;

    RedactedHeaders(SortedMap<String, String> redacted) {
        this.redacted = redacted;
    }

    RedactedHeaders(Iterable<? extends Map.Entry<String, String>> source) {
        this.source = source;
    }

    SortedMap<String, String> get() {
        SortedMap<String, String> r = redacted;
        if (r == null) {
            synchronized (this) {
                r = redacted;
                if (r == null) {
                    r = Redaction.headers(source);
                    redacted = r;
                    source = null;
                }
            }
        }
        return r;
    }
}
