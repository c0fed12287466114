package dev.llmproxy.eventbus.redis;

import java.net.InetAddress;
import java.util.concurrent.ThreadLocalRandom;

/** Generates consumer names unique to a subscription: {@code <hostname>-<pid>-<6 hex digits>}. */
final class ConsumerNames {
    private static final String HOST_AND_PID = hostname() + "-" + ProcessHandle.current().pid();

    private ConsumerNames() {
    }

    static String generate() {
        return HOST_AND_PID + "-" + String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
    }

    private static String hostname() {
        // HOSTNAME is set in containers and most shells; avoids a possibly slow reverse DNS lookup.
        String h = System.getenv("HOSTNAME");
        if (h == null || h.isBlank()) {
            try {
                h = InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                h = "unknown";
            }
        }
        return h.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
