package dev.llmproxy.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written SQLite timestamp format must equal the DateTimeFormatter it replaced, byte for byte. */
class SqlDialectTimeTest {

    private static final DateTimeFormatter REFERENCE =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    @Test
    void sqliteTime_matchesTheFormatter_acrossTheWholeRange() {
        Random random = new Random(7);
        long min = Instant.parse("0001-01-01T00:00:00Z").getEpochSecond();
        long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 20_000; i++) {
            long second = min + (long) (random.nextDouble() * (max - min));
            Instant t = SqlDialect.micros(Instant.ofEpochSecond(second, random.nextInt(1_000_000_000)));
            assertThat(SqlDialect.sqliteTime(t)).isEqualTo(REFERENCE.format(t));
        }
        for (String edge : new String[] {"0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z", "1970-01-01T00:00:00Z",
                "2000-02-29T12:34:56.000001Z", "1969-12-31T23:59:59.999999Z"}) {
            Instant t = Instant.parse(edge);
            assertThat(SqlDialect.sqliteTime(t)).isEqualTo(REFERENCE.format(t));
        }
    }
}
