package dev.llmproxy.core.proxy;

import io.netty.handler.codec.DateFormatter;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Date;

import static org.assertj.core.api.Assertions.assertThat;

class HttpDatesTest {

    @Test
    void formatsLikeNettyAndFollowsTheSecond() {
        Instant t = Instant.parse("2026-11-22T20:25:07.900Z");
        assertThat(HttpDates.format(t)).isEqualTo("Sun, 22 Nov 2026 20:25:07 GMT")
                .isEqualTo(DateFormatter.format(Date.from(t)));
        assertThat(HttpDates.format(t.plusMillis(50))).isEqualTo("Sun, 22 Nov 2026 20:25:07 GMT");
        assertThat(HttpDates.format(t.plusMillis(150))).isEqualTo("Sun, 22 Nov 2026 20:25:08 GMT");
        assertThat(HttpDates.format(t.minusSeconds(3600))).isEqualTo("Sun, 22 Nov 2026 19:25:07 GMT");
    }
}
