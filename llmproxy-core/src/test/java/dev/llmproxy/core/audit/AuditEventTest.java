package dev.llmproxy.core.audit;

import dev.llmproxy.core.audit.AuditEvent.Outcome;
import dev.llmproxy.core.auth.WitheringTokens;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AuditEventTest {

    @Test
    void builder_fillsIdAndTimestamp_andKeepsDetailOrder() {
        Instant before = Instant.now();
        AuditEvent e = AuditEvent.builder("management", "project.create", Outcome.SUCCESS)
                .projectId("p1").clientIp("10.0.0.1").detail("b", 2).detail("a", "x").detail("skipped", null).build();

        assertThat(e.id()).hasSize(36);
        assertThat(e.timestamp()).isBetween(before, Instant.now());
        assertThat(e.details()).containsExactly(Map.entry("b", "2"), Map.entry("a", "x"));
        assertThat(AuditEvent.builder("m", "a", Outcome.SUCCESS).build().id()).isNotEqualTo(e.id());
    }

    @Test
    void secretsThatSlipIntoTextFields_areRedacted() {
        String token = WitheringTokens.generate();
        AuditEvent e = AuditEvent.builder("proxy", "proxy.denied", Outcome.FAILURE)
                .reason("bad token " + token)
                .detail("upstream", "key sk-proj-abcdefghijklmnopqrstuvwxyz0123 rejected")
                .detail("harmless", "sk-short and task-list")
                .build();

        assertThat(e.reason()).isEqualTo("bad token sk-[redacted]").doesNotContain(token.substring(3));
        assertThat(e.details().get("upstream")).isEqualTo("key sk-[redacted] rejected");
        assertThat(e.details().get("harmless")).isEqualTo("sk-short and task-list");
    }

    @Test
    void details_areCopiedAndUnmodifiable_withNullsDropped() {
        Map<String, String> source = new HashMap<>();
        source.put("k", "v");
        source.put("nothing", null);
        AuditEvent e = new AuditEvent("id", Instant.EPOCH, "cli", "token.revoke", Outcome.SUCCESS, null, null, null,
                null, null, source);
        source.put("later", "x");

        assertThat(e.details()).containsExactly(Map.entry("k", "v"));
        assertThatThrownBy(() -> e.details().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(new AuditEvent("id", Instant.EPOCH, "cli", "a", Outcome.SUCCESS, null, null, null, null, null, null)
                .details()).isEmpty();
    }

    @Test
    void requiredFields_areChecked() {
        assertThatThrownBy(() -> AuditEvent.builder(" ", "a", Outcome.SUCCESS).build()).hasMessage("actor must not be empty");
        assertThatThrownBy(() -> AuditEvent.builder("m", "", Outcome.SUCCESS).build()).hasMessage("action must not be empty");
        assertThatThrownBy(() -> AuditEvent.builder("m", "a", null).build()).isInstanceOf(NullPointerException.class);
    }

    @Test
    void outcome_wireNames() {
        assertThat(Outcome.SUCCESS.wireName()).isEqualTo("success");
        assertThat(Outcome.fromWireName("FAILURE")).isEqualTo(Outcome.FAILURE);
        assertThatThrownBy(() -> Outcome.fromWireName("denied")).hasMessage("outcome must be success or failure, got 'denied'");
    }

    @Test
    void query_refusesAnInvertedTimeRange_andTreatsEmptySearchAsNone() {
        Instant t = Instant.parse("2025-01-01T00:00:00Z");

        assertThatThrownBy(() -> AuditQuery.all().withTimeRange(t, t.minusSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(AuditQuery.all().withSearch("").search()).isNull();
        assertThat(AuditQuery.all().withAction("a").withActor("b")).isEqualTo(
                new AuditQuery(null, null, "a", null, null, null, "b", null, null, null));
    }
}
