package dev.llmproxy.core.openai;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;

/**
 * Decodes a captured body sent with {@code Content-Encoding: gzip} or {@code deflate}, for readers
 * of captured answers (usage tracking, dispatchers). Thread-safe.
 */
public final class ContentEncodings {

    private ContentEncodings() {
    }

    /**
     * The decoded bytes, at most {@code maxBytes} of them; null for an encoding the JDK cannot
     * decode. A capture cut at its size limit ends mid-stream: what was decoded up to there is
     * returned (null when nothing was).
     *
     * @param encoding the {@code Content-Encoding} value (case and surrounding blanks ignored)
     */
    public static byte[] decode(String encoding, byte[] bytes, int maxBytes) {
        Decoded d = decodeReporting(encoding, bytes, maxBytes);
        return d == null ? null : d.bytes();
    }

    /**
     * Decoded bytes and whether they are incomplete.
     *
     * @param bytes at most {@code maxBytes} decoded bytes
     * @param cut true when the decoded body was longer than {@code maxBytes}, or the compressed
     *            bytes ended or broke mid-stream (a capture cut at its size limit)
     */
    public record Decoded(byte[] bytes, boolean cut) {
    }

    /**
     * Like {@link #decode}, and also says whether the result is incomplete; null for an encoding
     * other than gzip/deflate, or bytes that do not decode at all.
     */
    public static Decoded decodeReporting(String encoding, byte[] bytes, int maxBytes) {
        String e = encoding == null ? "" : encoding.trim().toLowerCase(Locale.ROOT);
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(0, Math.min(maxBytes, bytes.length * 4)));
        boolean cut = false;
        try (InputStream in = switch (e) {
            case "gzip", "x-gzip" -> new GZIPInputStream(new ByteArrayInputStream(bytes));
            case "deflate" -> new InflaterInputStream(new ByteArrayInputStream(bytes));
            default -> null;
        }) {
            if (in == null) {
                return null;
            }
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0) {
                int room = maxBytes - out.size();
                out.write(buf, 0, Math.min(n, room));
                if (n > room) {
                    cut = true;
                    break;
                }
            }
        } catch (IOException ex) {
            if (out.size() == 0) {
                return null; // not really compressed
            }
            cut = true; // a truncated capture ends mid-stream
        }
        return new Decoded(out.toByteArray(), cut);
    }
}
