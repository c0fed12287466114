package dev.llmproxy.core.audit;

import dev.llmproxy.core.audit.AuditEvent.Outcome;
import dev.llmproxy.core.store.MutableClock;
import dev.llmproxy.core.store.Page;
import dev.llmproxy.core.store.PageRequest;
import dev.llmproxy.core.store.StoreException;
import dev.llmproxy.core.store.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What every {@link AuditStore} must do. Subclasses (one per backend) supply a fresh, empty store per test. */
public abstract class AuditStoreContract {

    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00.000001Z");

    protected AuditStore audit;

    /** Fresh, empty stores of the backend under test, on {@code clock}. */
    protected abstract Stores openStores(MutableClock clock);

    @BeforeEach
    void openBackend() {
        audit = openStores(MutableClock.atSomeInstant()).audit();
    }

    private static AuditEvent.Builder event(String action, Outcome outcome, int secondsAfterT0) {
        return AuditEvent.builder("management", action, outcome).timestamp(T0.plusSeconds(secondsAfterT0));
    }

    @Test
    void append_thenGet_returnsAnEqualEvent_withDetailsInOrder() {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("zeta", "1");
        details.put("alpha", "two words");
        details.put("json", "{\"quoted\": \"value\"}");
        AuditEvent e = new AuditEvent("6f1c1c1e-1111-4222-8333-444455556666", T0, "proxy", "proxy.denied",
                Outcome.FAILURE, "project_inactive", "203.0.113.7", "req-1", "project-1", "token-1", details);

        audit.append(e);

        AuditEvent read = audit.get(e.id()).orElseThrow();
        assertThat(read).isEqualTo(e);
        assertThat(read.details().keySet()).containsExactly("zeta", "alpha", "json");
        assertThat(audit.get("no-such-event")).isEmpty();
    }

    @Test
    void append_eventWithOnlyRequiredFields_roundTrips() {
        AuditEvent e = event("project.list", Outcome.SUCCESS, 0).build();

        audit.append(e);

        assertThat(audit.get(e.id())).contains(e);
        assertThat(audit.get(e.id()).orElseThrow().details()).isEmpty();
    }

    @Test
    void appendAll_storesEveryEvent_acrossBatchBoundaries() {
        List<AuditEvent> events = new ArrayList<>();
        for (int i = 0; i < 1203; i++) {
            events.add(event("token.create", Outcome.SUCCESS, i).detail("n", i).build());
        }

        audit.appendAll(events);
        audit.appendAll(List.of());

        Page<AuditEvent> newest = audit.query(AuditQuery.all(), PageRequest.first(3));
        assertThat(newest.total()).isEqualTo(1203);
        assertThat(newest.items()).extracting(e -> e.details().get("n")).containsExactly("1202", "1201", "1200");
    }

    @Test
    void appendAll_withADuplicateId_storesNone() {
        AuditEvent stored = event("a", Outcome.SUCCESS, 0).build();
        audit.append(stored);
        AuditEvent fresh = event("b", Outcome.SUCCESS, 1).build();

        assertThatThrownBy(() -> audit.appendAll(List.of(fresh, stored))).isInstanceOf(StoreException.class);

        assertThat(audit.get(fresh.id())).isEmpty();
        assertThat(audit.query(AuditQuery.all(), PageRequest.firstPage()).total()).isEqualTo(1);
    }

    @Test
    void query_returnsNewestFirst_andPages() {
        List<AuditEvent> events = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            events.add(event("token.read", Outcome.SUCCESS, i * 10).build());
        }
        audit.appendAll(List.of(events.get(2), events.get(0), events.get(4), events.get(1), events.get(3)));

        Page<AuditEvent> first = audit.query(AuditQuery.all(), new PageRequest(1, 2));
        Page<AuditEvent> last = audit.query(AuditQuery.all(), new PageRequest(3, 2));
        Page<AuditEvent> beyond = audit.query(AuditQuery.all(), new PageRequest(4, 2));

        assertThat(first.items()).containsExactly(events.get(4), events.get(3));
        assertThat(last.items()).containsExactly(events.get(0));
        assertThat(beyond.items()).isEmpty();
        assertThat(beyond.total()).isEqualTo(5);
    }

    @Test
    void query_filtersOnEveryExactField() {
        AuditEvent match = event("token.revoke", Outcome.FAILURE, 0).projectId("p1").tokenId("t1")
                .clientIp("10.0.0.1").requestId("r1").build();
        audit.appendAll(List.of(match,
                event("token.create", Outcome.FAILURE, 1).projectId("p1").tokenId("t1").clientIp("10.0.0.1").requestId("r1").build(),
                event("token.revoke", Outcome.SUCCESS, 2).projectId("p1").tokenId("t1").clientIp("10.0.0.1").requestId("r1").build(),
                event("token.revoke", Outcome.FAILURE, 3).projectId("p2").tokenId("t1").clientIp("10.0.0.1").requestId("r1").build(),
                event("token.revoke", Outcome.FAILURE, 4).projectId("p1").tokenId("t2").clientIp("10.0.0.1").requestId("r1").build(),
                event("token.revoke", Outcome.FAILURE, 5).projectId("p1").tokenId("t1").clientIp("10.0.0.2").requestId("r1").build(),
                event("token.revoke", Outcome.FAILURE, 6).projectId("p1").tokenId("t1").clientIp("10.0.0.1").requestId("r2").build(),
                AuditEvent.builder("cli", "token.revoke", Outcome.FAILURE).timestamp(T0.plusSeconds(7)).projectId("p1")
                        .tokenId("t1").clientIp("10.0.0.1").requestId("r1").build()));

        AuditQuery q = AuditQuery.all().withAction("token.revoke").withOutcome(Outcome.FAILURE).withProjectId("p1")
                .withTokenId("t1").withClientIp("10.0.0.1").withRequestId("r1").withActor("management");

        assertThat(audit.query(q, PageRequest.firstPage()).items()).containsExactly(match);
        assertThat(audit.query(AuditQuery.all().withActor("cli"), PageRequest.firstPage()).total()).isEqualTo(1);
        assertThat(audit.query(AuditQuery.all().withOutcome(Outcome.SUCCESS), PageRequest.firstPage()).total())
                .isEqualTo(1);
    }

    @Test
    void query_timeRange_includesFrom_excludesTo() {
        List<AuditEvent> events = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            events.add(event("x", Outcome.SUCCESS, i).build());
        }
        audit.appendAll(events);

        Page<AuditEvent> page = audit.query(AuditQuery.all().withTimeRange(T0.plusSeconds(1), T0.plusSeconds(3)),
                PageRequest.firstPage());
        Page<AuditEvent> openEnded = audit.query(AuditQuery.all().withTimeRange(T0.plusSeconds(3), null),
                PageRequest.firstPage());

        assertThat(page.items()).containsExactly(events.get(2), events.get(1));
        assertThat(openEnded.items()).containsExactly(events.get(4), events.get(3));
    }

    @Test
    void query_search_matchesAnyTextFieldIgnoringCase_andTreatsWildcardsLiterally() {
        AuditEvent byReason = event("proxy.denied", Outcome.FAILURE, 0).reason("Project_Inactive").build();
        AuditEvent byDetail = event("project.update", Outcome.SUCCESS, 1).detail("updated_fields", "name,api_key").build();
        AuditEvent byIp = event("token.list", Outcome.SUCCESS, 2).clientIp("198.51.100.23").build();
        AuditEvent percent = event("cache.purge", Outcome.SUCCESS, 3).detail("prefix", "100%_done").build();
        audit.appendAll(List.of(byReason, byDetail, byIp, percent));

        assertThat(audit.query(AuditQuery.all().withSearch("inactive"), PageRequest.firstPage()).items())
                .containsExactly(byReason);
        assertThat(audit.query(AuditQuery.all().withSearch("API_KEY"), PageRequest.firstPage()).items())
                .containsExactly(byDetail);
        assertThat(audit.query(AuditQuery.all().withSearch("100.23"), PageRequest.firstPage()).items())
                .containsExactly(byIp);
        assertThat(audit.query(AuditQuery.all().withSearch("0%_d"), PageRequest.firstPage()).items())
                .containsExactly(percent);
        assertThat(audit.query(AuditQuery.all().withSearch("%"), PageRequest.firstPage()).items())
                .as("% is a literal percent sign").containsExactly(percent);
        assertThat(audit.query(AuditQuery.all().withSearch("p_oxy"), PageRequest.firstPage()).items())
                .as("_ is a literal underscore").isEmpty();
        assertThat(audit.query(AuditQuery.all().withSearch("project").withOutcome(Outcome.FAILURE),
                PageRequest.firstPage()).items()).containsExactly(byReason);
    }

    @Test
    void textThatLooksLikeSqlInjection_isStoredAndFoundVerbatim() {
        AuditEvent e = event("project.create", Outcome.FAILURE, 0).reason("'); DROP TABLE audit_events;--")
                .projectId("x' OR '1'='1").detail("project_name", "Robert\"); DELETE FROM projects; --").build();

        audit.append(e);

        assertThat(audit.get(e.id())).contains(e);
        assertThat(audit.query(AuditQuery.all().withProjectId("x' OR '1'='1"), PageRequest.firstPage()).items())
                .containsExactly(e);
        assertThat(audit.query(AuditQuery.all().withSearch("drop table"), PageRequest.firstPage()).items())
                .containsExactly(e);
        assertThat(audit.query(AuditQuery.all().withProjectId("anything' OR 'a'='a"), PageRequest.firstPage()).total())
                .isZero();
    }

    @Test
    void timestamps_areKeptToTheMicrosecond_andTimeBoundsCompareExactly() {
        AuditEvent e = event("x", Outcome.SUCCESS, 0).timestamp(Instant.parse("2025-03-01T10:00:00.123456789Z")).build();

        audit.append(e);

        Instant stored = audit.get(e.id()).orElseThrow().timestamp();
        assertThat(stored).isEqualTo(Instant.parse("2025-03-01T10:00:00.123456Z"));
        assertThat(count(AuditQuery.all().withTimeRange(stored, null))).isEqualTo(1);
        assertThat(count(AuditQuery.all().withTimeRange(stored.plusNanos(1), null))).isZero();
        assertThat(count(AuditQuery.all().withTimeRange(null, stored))).isZero();
        assertThat(count(AuditQuery.all().withTimeRange(null, stored.plusNanos(1)))).isEqualTo(1);
    }

    private long count(AuditQuery query) {
        return audit.query(query, PageRequest.firstPage()).total();
    }
}
