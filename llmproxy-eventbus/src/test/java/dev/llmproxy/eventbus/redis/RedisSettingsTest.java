package dev.llmproxy.eventbus.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.ConfigurationException;
import dev.llmproxy.eventbus.EventBusConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RedisSettingsTest {

    private static RedisSettings parse(String... kv) {
        Map<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return RedisSettings.from(ComponentConfig.of(m));
    }

    @Test
    void defaults_matchTheDocumentedTable() {
        RedisSettings s = parse();
        assertThat(s.host()).isEqualTo("localhost");
        assertThat(s.port()).isEqualTo(6379);
        assertThat(s.database()).isZero();
        assertThat(s.password()).isNull();
        assertThat(s.ssl()).isFalse();
        assertThat(s.streamKey()).isEqualTo("llm-proxy-events");
        assertThat(s.defaultGroup()).isEqualTo("llm-proxy-dispatchers");
        assertThat(s.consumerName()).isNull();
        assertThat(s.maxLen()).isEqualTo(10_000);
        assertThat(s.blockTime()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.claimTime()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.batchSize()).isEqualTo(100);
        assertThat(s.bufferSize()).isEqualTo(10_000);
        assertThat(s.claimInterval()).isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void hostPortForms() {
        assertThat(parse("REDIS_ADDR", "redis.internal:6380")).satisfies(s -> {
            assertThat(s.host()).isEqualTo("redis.internal");
            assertThat(s.port()).isEqualTo(6380);
        });
        assertThat(parse("REDIS_ADDR", "cache").port()).isEqualTo(6379);
        assertThat(parse("REDIS_ADDR", "[::1]:7000")).satisfies(s -> {
            assertThat(s.host()).isEqualTo("::1");
            assertThat(s.port()).isEqualTo(7000);
        });
    }

    @Test
    void urlForm_carriesCredentialsDatabaseAndTls_andExplicitKeysWin() {
        RedisSettings s = parse("REDIS_ADDR", "rediss://app:p%40ss@redis.example.com:6390/3");
        assertThat(s.ssl()).isTrue();
        assertThat(s.user()).isEqualTo("app");
        assertThat(s.password()).isEqualTo("p@ss");
        assertThat(s.database()).isEqualTo(3);
        assertThat(s.port()).isEqualTo(6390);
        assertThat(parse("REDIS_ADDR", "redis://:only@h/2").password()).isEqualTo("only");
        RedisSettings overridden = parse("REDIS_ADDR", "redis://:url-secret@h/2", "REDIS_DB", "5",
                "REDIS_PASSWORD", "hunter2");
        assertThat(overridden.database()).isEqualTo(5);
        assertThat(overridden.password()).isEqualTo("hunter2");
        assertThat(overridden.toString()).doesNotContain("hunter2").doesNotContain("url-secret");
    }

    @ParameterizedTest
    @ValueSource(strings = {"host:notaport", "host:0", "host:70000", "http://host:6379", ":6379", "[::1", "redis://h/x"})
    void badAddress_namesTheKeyAndTheForms(String addr) {
        assertThatThrownBy(() -> parse("REDIS_ADDR", addr))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("REDIS_ADDR: expected host:port, [ipv6]:port or redis://");
    }

    @Test
    void badAddress_neverEchoesAPassword() {
        assertThatThrownBy(() -> parse("REDIS_ADDR", "redis://u:secret@h:notaport"))
                .hasMessageNotContaining("secret");
    }

    @Test
    void outOfRangeValues_areRejectedWithTheirKey() {
        assertThatThrownBy(() -> parse(EventBusConfig.REDIS_STREAM_MAX_LEN, "-1"))
                .hasMessageStartingWith("REDIS_STREAM_MAX_LEN: expected 0 (no limit) or a positive integer");
        assertThatThrownBy(() -> parse(EventBusConfig.REDIS_STREAM_BATCH_SIZE, "0"))
                .hasMessageStartingWith("REDIS_STREAM_BATCH_SIZE: expected an integer between 1 and");
        assertThatThrownBy(() -> parse(EventBusConfig.REDIS_STREAM_BLOCK_TIME, "0"))
                .hasMessageStartingWith("REDIS_STREAM_BLOCK_TIME: expected a duration between");
        assertThatThrownBy(() -> parse(EventBusConfig.REDIS_STREAM_CLAIM_TIME, "soon"))
                .hasMessageStartingWith("REDIS_STREAM_CLAIM_TIME: expected a duration");
        assertThatThrownBy(() -> parse(EventBusConfig.REDIS_DB, "-2"))
                .hasMessageStartingWith("REDIS_DB: expected an integer between 0");
    }

    @Test
    void consumerNames_areUniqueAndCarryHostAndPid() {
        String a = ConsumerNames.generate();
        String b = ConsumerNames.generate();
        assertThat(a).isNotEqualTo(b).contains("-" + ProcessHandle.current().pid() + "-").matches("[A-Za-z0-9._-]+");
    }
}
