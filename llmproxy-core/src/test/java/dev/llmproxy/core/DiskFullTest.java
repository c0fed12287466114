package dev.llmproxy.core;

import dev.llmproxy.core.audit.AuditEvent;
import dev.llmproxy.core.audit.AuditLogger;
import dev.llmproxy.core.events.FileEventLog;
import dev.llmproxy.core.route.ProviderConfig;
import dev.llmproxy.core.store.InMemoryAuditStore;
import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBuses;
import dev.llmproxy.testing.MockOpenAiUpstream;
import dev.llmproxy.testing.RawHttp;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The audit file and the file event log on a full disk ({@code /dev/full}: every write fails with
 * ENOSPC): requests keep succeeding, events keep being published, the failure is counted (and
 * logged), and the audit events still reach the database sink.
 */
class DiskFullTest {

    private static final Path FULL = Path.of("/dev/full");

    @Test
    void fullDiskForAuditAndEventFiles_requestsContinue() throws Exception {
        assumeTrue(Files.isWritable(FULL), "/dev/full is not available");
        InMemoryAuditStore store = new InMemoryAuditStore();
        EventBus bus = EventBuses.load("in-memory", ComponentConfig.of(Map.of()));
        try (MockOpenAiUpstream upstream = MockOpenAiUpstream.start();
             AuditLogger audit = new AuditLogger(FULL, false, store, 100)) {
            FileEventLog fileLog = FileEventLog.start(bus, FULL);
            LlmProxy proxy = LlmProxy.builder().listen("127.0.0.1", 0)
                    .provider(ProviderConfig.openAi(upstream.baseUri())).upstreamApiKey("sk-upstream")
                    .eventBus(bus).auditLogger(audit).build().start();
            try {
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    AuditEvent e = AuditEvent.builder("test", "disk.full.probe", AuditEvent.Outcome.SUCCESS).build();
                    ids.add(e.id());
                    audit.record(e);
                    String body = "{\"model\":\"gpt-4o\",\"messages\":[]}";
                    try (RawHttp http = RawHttp.connect(proxy.localAddress().getPort())) {
                        RawHttp.Response r = http.send("POST /v1/chat/completions HTTP/1.1\r\nHost: p\r\n"
                                + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n"
                                + body).read();
                        assertThat(r.status()).as("request %d with a full disk", i).isEqualTo(200);
                    }
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                // Events are published once the answer is complete, which can be just after the client read it.
                while ((audit.failures() == 0 || audit.written() < ids.size() || bus.stats().published() < 20)
                        && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(audit.failures()).as("audit file write failures counted").isGreaterThan(0);
                for (String id : ids) {
                    assertThat(store.get(id)).as("audit event %s in the database sink", id).isPresent();
                }
                assertThat(bus.stats().published()).as("events still published").isGreaterThanOrEqualTo(20);
            } finally {
                proxy.close();
                try {
                    fileLog.close();
                } catch (java.io.IOException expected) {
                    // what is still buffered cannot be written either
                }
            }
        } finally {
            bus.close(Duration.ofSeconds(1));
        }
    }
}
