package dev.llmproxy.eventbus;

/** UTF-8 checks used by {@link Body} and {@link EventCodec}; allocation-free. */
final class Utf8 {
    private Utf8() {
    }

    /**
     * Whether {@code b[off, off+len)} is well-formed UTF-8 (RFC 3629: no overlong forms, no
     * surrogates, nothing above U+10FFFF). Such bytes round-trip exactly through a Java String.
     */
    static boolean isValid(byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        while (i < end) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                i++;
                continue;
            }
            int need;
            int min;
            if (c >= 0xC2 && c <= 0xDF) {
                need = 1;
                min = 0x80;
            } else if (c >= 0xE0 && c <= 0xEF) {
                need = 2;
                min = 0x800;
            } else if (c >= 0xF0 && c <= 0xF4) {
                need = 3;
                min = 0x10000;
            } else {
                return false;
            }
            if (i + need >= end) {
                return false; // sequence runs past the end
            }
            int cp = c & (0x3F >> need);
            for (int k = 1; k <= need; k++) {
                int cc = b[i + k] & 0xFF;
                if ((cc & 0xC0) != 0x80) {
                    return false;
                }
                cp = (cp << 6) | (cc & 0x3F);
            }
            if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                return false;
            }
            i += need + 1;
        }
        return true;
    }

    /**
     * The length of the longest prefix of {@code b[0, len)} that does not end inside a multi-byte
     * sequence. Used when a body is cut at its cap, so that text cut mid-character stays valid
     * text; at most 3 bytes are removed, and only bytes that form an incomplete lead sequence.
     */
    static int trimIncompleteTail(byte[] b, int len) {
        // Walk back over at most 3 continuation bytes to the lead byte of the last sequence.
        int i = len - 1;
        int continuation = 0;
        while (i >= 0 && continuation < 3 && (b[i] & 0xC0) == 0x80) {
            i--;
            continuation++;
        }
        if (i < 0) {
            return len;
        }
        int lead = b[i] & 0xFF;
        int expected;
        if (lead >= 0xC2 && lead <= 0xDF) {
            expected = 1;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            expected = 2;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            expected = 3;
        } else {
            return len;
        }
        return continuation < expected ? i : len;
    }
}
