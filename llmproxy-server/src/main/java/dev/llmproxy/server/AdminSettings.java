package dev.llmproxy.server;

import dev.llmproxy.admin.AdminUi;

import java.time.Duration;

/**
 * The admin UI's settings ({@code ADMIN_UI_ENABLED}, {@code ADMIN_SESSION_*},
 * {@code ADMIN_TRUST_FORWARDED_PROTO}), shared by {@code llm-proxy server} (UI embedded at
 * {@code /admin/}) and {@code llm-proxy admin} (standalone).
 *
 * @param enabled             serve {@code /admin/} on the main port ({@code server} only)
 * @param idleTimeout         a session ends after this long without a request
 * @param maxLifetime         a session ends this long after login, used or not
 * @param secureCookie        always mark the session cookie {@code Secure}
 * @param trustForwardedProto believe {@code X-Forwarded-Proto: https} from a reverse proxy
 */
record AdminSettings(boolean enabled, Duration idleTimeout, Duration maxLifetime, boolean secureCookie,
                     boolean trustForwardedProto) {

    static final AdminSettings DEFAULTS = new AdminSettings(true, AdminUi.Builder.DEFAULT_IDLE_TIMEOUT,
            AdminUi.Builder.DEFAULT_MAX_LIFETIME, false, false);

    /** Applies these settings to an admin UI builder. */
    AdminUi.Builder apply(AdminUi.Builder b) {
        return b.sessionIdleTimeout(idleTimeout).sessionMaxLifetime(maxLifetime).secureCookies(secureCookie)
                .trustForwardedProto(trustForwardedProto);
    }
}
