package dev.llmproxy.core.route;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A compiled shell-style wildcard pattern, used for {@code param_whitelist} values such as
 * {@code gpt-4o-*}.
 *
 * <p>Syntax (the rules of Go's {@code path.Match}, which the original proxy used, with the shell's
 * {@code [!...]} spelling added):
 * <ul>
 *   <li>{@code *} matches any run of characters, including none, except {@code /};</li>
 *   <li>{@code ?} matches exactly one character except {@code /};</li>
 *   <li>{@code [abc]}, {@code [a-z]} match one listed character; {@code [!a-z]} or {@code [^a-z]}
 *       one character not listed. A {@code ]} right after the opening bracket (or after the
 *       negation mark) is a literal, as in the shell. A class never matches {@code /};</li>
 *   <li>{@code \} makes the next character literal ({@code \*} matches a star);</li>
 *   <li>everything else matches itself, case-sensitively.</li>
 * </ul>
 * The whole text must match, not a part of it: {@code gpt-4o} does not match {@code gpt-4o-mini}.
 * Because no wildcard crosses {@code /}, {@code meta-llama/*} matches {@code meta-llama/Llama-3}
 * but {@code *} alone does not.
 *
 * <p>Matching is linear-time in practice and never worse than pattern length times text length:
 * there are no regular expressions and the matcher only ever backtracks to the most recent
 * {@code *} of a {@code /}-separated segment, so a hostile value cannot make a request spin
 * (the classic {@code a*a*a*a*b} against a long run of {@code a} finishes at once).
 * Instances are immutable and thread-safe; matching allocates nothing.
 */
public final class Glob {

    private static final byte LITERAL = 0;
    private static final byte ANY_ONE = 1;
    private static final byte STAR = 2;
    private static final byte CLASS = 3;

    private final String pattern;
    /** Non-null when the pattern has no wildcard: matching is then a plain comparison. */
    private final String literal;
    private final byte[] kinds;
    /** The code point of a LITERAL token. */
    private final int[] codePoints;
    /** The inclusive ranges {lo0, hi0, lo1, hi1, ...} of a CLASS token. */
    private final int[][] ranges;
    private final boolean[] negated;
    /**
     * Token index ranges of the pattern's {@code /}-separated segments: segment k is
     * {@code [segmentStarts[k], segmentEnds[k])}. The literal {@code /} tokens themselves are in
     * no segment.
     */
    private final int[] segmentStarts;
    private final int[] segmentEnds;

    private Glob(String pattern, byte[] kinds, int[] codePoints, int[][] ranges, boolean[] negated,
                 int[] segmentStarts, int[] segmentEnds, String literal) {
        this.pattern = pattern;
        this.kinds = kinds;
        this.codePoints = codePoints;
        this.ranges = ranges;
        this.negated = negated;
        this.segmentStarts = segmentStarts;
        this.segmentEnds = segmentEnds;
        this.literal = literal;
    }

    /**
     * Compiles {@code pattern}.
     *
     * @throws IllegalArgumentException when the pattern is malformed (a character class without
     *                                  its closing {@code ]}, a reversed range such as {@code [z-a]},
     *                                  or a trailing lone backslash), saying where
     */
    public static Glob compile(String pattern) {
        Objects.requireNonNull(pattern, "pattern");
        List<Token> tokens = new ArrayList<>();
        StringBuilder plain = new StringBuilder();
        boolean hasWildcard = false;
        int i = 0;
        int n = pattern.length();
        while (i < n) {
            int c = pattern.codePointAt(i);
            int next = i + Character.charCount(c);
            if (c == '*') {
                hasWildcard = true;
                // Consecutive stars mean the same as one; keeping one keeps matching cheap.
                if (tokens.isEmpty() || tokens.get(tokens.size() - 1).kind != STAR) {
                    tokens.add(new Token(STAR, 0, null, false));
                }
                i = next;
            } else if (c == '?') {
                hasWildcard = true;
                tokens.add(new Token(ANY_ONE, 0, null, false));
                i = next;
            } else if (c == '[') {
                hasWildcard = true;
                i = parseClass(pattern, i, tokens);
            } else if (c == '\\') {
                if (next >= n) {
                    throw invalid(pattern, "it ends with a lone backslash (write \\\\ for a literal backslash)");
                }
                int escaped = pattern.codePointAt(next);
                tokens.add(new Token(LITERAL, escaped, null, false));
                plain.appendCodePoint(escaped);
                i = next + Character.charCount(escaped);
            } else {
                tokens.add(new Token(LITERAL, c, null, false));
                plain.appendCodePoint(c);
                i = next;
            }
        }
        int size = tokens.size();
        byte[] kinds = new byte[size];
        int[] codePoints = new int[size];
        int[][] ranges = new int[size][];
        boolean[] negated = new boolean[size];
        List<int[]> segments = new ArrayList<>();
        int segmentStart = 0;
        for (int t = 0; t < size; t++) {
            Token token = tokens.get(t);
            kinds[t] = token.kind;
            codePoints[t] = token.codePoint;
            ranges[t] = token.ranges;
            negated[t] = token.negated;
            if (token.kind == LITERAL && token.codePoint == '/') {
                segments.add(new int[] {segmentStart, t});
                segmentStart = t + 1;
            }
        }
        segments.add(new int[] {segmentStart, size});
        int[] starts = new int[segments.size()];
        int[] ends = new int[segments.size()];
        for (int k = 0; k < segments.size(); k++) {
            starts[k] = segments.get(k)[0];
            ends[k] = segments.get(k)[1];
        }
        return new Glob(pattern, kinds, codePoints, ranges, negated, starts, ends,
                hasWildcard ? null : plain.toString());
    }

    /** The pattern as written. */
    public String pattern() {
        return pattern;
    }

    /** Whether the whole of {@code text} matches; null never matches. */
    public boolean matches(CharSequence text) {
        if (text == null) {
            return false;
        }
        if (literal != null) {
            return literal.contentEquals(text);
        }
        // '/' is matched only by a literal '/' in the pattern, so text and pattern split into
        // segments at their slashes and each pair of segments must match on its own. Within a
        // segment, backtracking to the latest star alone is enough (nothing there is excluded).
        int length = text.length();
        int position = 0;
        int lastSegment = segmentStarts.length - 1;
        for (int k = 0; k <= lastSegment; k++) {
            int end = indexOfSlash(text, position, length);
            if (k < lastSegment) {
                if (end == length) {
                    return false; // the text has fewer segments than the pattern
                }
            } else if (end != length) {
                return false; // the text has more segments than the pattern
            }
            if (!matchSegment(segmentStarts[k], segmentEnds[k], text, position, end)) {
                return false;
            }
            position = end + 1;
        }
        return true;
    }

    private boolean matchSegment(int tokenStart, int tokenEnd, CharSequence text, int from, int to) {
        int p = tokenStart;
        int s = from;
        int starToken = -1;
        int starText = -1;
        while (s < to) {
            if (p < tokenEnd && kinds[p] == STAR) {
                starToken = p++;
                starText = s;
                continue;
            }
            if (p < tokenEnd) {
                int c = Character.codePointAt(text, s);
                if (matchesOne(p, c)) {
                    p++;
                    s += Character.charCount(c);
                    continue;
                }
            }
            if (starToken >= 0) {
                // Let the latest star swallow one more character and retry what follows it.
                starText += Character.charCount(Character.codePointAt(text, starText));
                s = starText;
                p = starToken + 1;
                continue;
            }
            return false;
        }
        while (p < tokenEnd && kinds[p] == STAR) {
            p++;
        }
        return p == tokenEnd;
    }

    private boolean matchesOne(int token, int c) {
        switch (kinds[token]) {
            case LITERAL:
                return codePoints[token] == c;
            case ANY_ONE:
                return true; // segments never contain '/'
            case CLASS:
                int[] r = ranges[token];
                boolean listed = false;
                for (int j = 0; j < r.length; j += 2) {
                    if (c >= r[j] && c <= r[j + 1]) {
                        listed = true;
                        break;
                    }
                }
                return listed != negated[token];
            default:
                return false;
        }
    }

    private static int indexOfSlash(CharSequence text, int from, int length) {
        for (int i = from; i < length; i++) {
            if (text.charAt(i) == '/') {
                return i;
            }
        }
        return length;
    }

    /** Parses the class opening at {@code open}; returns the index just after its {@code ]}. */
    private static int parseClass(String pattern, int open, List<Token> tokens) {
        int n = pattern.length();
        int i = open + 1;
        boolean negate = false;
        if (i < n && (pattern.charAt(i) == '!' || pattern.charAt(i) == '^')) {
            negate = true;
            i++;
        }
        List<Integer> bounds = new ArrayList<>();
        boolean first = true;
        while (true) {
            if (i >= n) {
                throw invalid(pattern, "the character class opened at position " + (open + 1)
                        + " has no closing ']'");
            }
            int c = pattern.codePointAt(i);
            if (c == ']' && !first) {
                i++;
                break;
            }
            first = false;
            int[] lo = readClassChar(pattern, i, open);
            i = lo[1];
            int hi = lo[0];
            // "a-z" is a range; a '-' first, last or escaped is a literal '-'.
            if (i + 1 < n && pattern.charAt(i) == '-' && pattern.charAt(i + 1) != ']') {
                int[] h = readClassChar(pattern, i + 1, open);
                hi = h[0];
                i = h[1];
                if (hi < lo[0]) {
                    throw invalid(pattern, "the range " + new String(Character.toChars(lo[0])) + "-"
                            + new String(Character.toChars(hi)) + " in the class at position "
                            + (open + 1) + " runs backwards");
                }
            }
            bounds.add(lo[0]);
            bounds.add(hi);
        }
        int[] ranges = new int[bounds.size()];
        for (int j = 0; j < ranges.length; j++) {
            ranges[j] = bounds.get(j);
        }
        tokens.add(new Token(CLASS, 0, ranges, negate));
        return i;
    }

    /** Reads one (possibly escaped) class member at {@code i}: {code point, index after it}. */
    private static int[] readClassChar(String pattern, int i, int open) {
        int c = pattern.codePointAt(i);
        if (c == '\\') {
            int next = i + 1;
            if (next >= pattern.length()) {
                throw invalid(pattern, "the character class opened at position " + (open + 1)
                        + " has no closing ']'");
            }
            int escaped = pattern.codePointAt(next);
            return new int[] {escaped, next + Character.charCount(escaped)};
        }
        return new int[] {c, i + Character.charCount(c)};
    }

    private static IllegalArgumentException invalid(String pattern, String why) {
        return new IllegalArgumentException("invalid pattern '" + pattern + "': " + why);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Glob && ((Glob) o).pattern.equals(pattern);
    }

    @Override
    public int hashCode() {
        return pattern.hashCode();
    }

    @Override
    public String toString() {
        return pattern;
    }

    private static final class Token {
        final byte kind;
        final int codePoint;
        final int[] ranges;
        final boolean negated;

        Token(byte kind, int codePoint, int[] ranges, boolean negated) {
            this.kind = kind;
            this.codePoint = codePoint;
            this.ranges = ranges;
            this.negated = negated;
        }
    }
}
