package dev.llmproxy.server;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;

/**
 * The secret that guards the management API ({@code MANAGEMENT_TOKEN}). When the operator sets
 * none, the server generates one per start so that it never runs with an open management API, and
 * shows it exactly once on stdout ({@link #banner()}); it is never written to the log.
 *
 * @param value     the token
 * @param generated true when it was generated for this run rather than configured
 */
public record ManagementToken(String value, boolean generated) {

    /** Random bytes in a generated token: 256 bits, 43 URL-safe base64 characters. */
    public static final int GENERATED_BYTES = 32;

    public ManagementToken {
        Objects.requireNonNull(value, "value");
    }

    /** A fresh random token from {@code random}, marked as generated. */
    static ManagementToken generate(SecureRandom random) {
        byte[] bytes = new byte[GENERATED_BYTES];
        random.nextBytes(bytes);
        return new ManagementToken(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes), true);
    }

    /**
     * The box printed once at start-up for a generated token: the token appears once, in the
     * {@code export} line the operator can paste to keep it. Plain ASCII, so it renders in any
     * terminal encoding.
     */
    String banner() {
        String[] lines = {
            "MANAGEMENT_TOKEN is not set, so this run generated one:",
            "",
            "  export MANAGEMENT_TOKEN=" + value,
            "",
            "This is the management secret. It is shown only this once, and a new",
            "one is generated on every start. To keep it, run the export line above",
            "(or put it in your shell profile or .env file) before starting.",
        };
        int width = 0;
        for (String line : lines) {
            width = Math.max(width, line.length());
        }
        String border = "+" + "-".repeat(width + 2) + "+";
        StringBuilder sb = new StringBuilder().append(border).append('\n');
        for (String line : lines) {
            sb.append("| ").append(line).append(" ".repeat(width - line.length())).append(" |\n");
        }
        return sb.append(border).append('\n').toString();
    }

    @Override
    public String toString() {
        return "ManagementToken[" + (generated ? "generated" : "configured") + "]";
    }
}
