package dev.llmproxy.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventBusesTest {

    @Test
    void builtInBuses_areFoundByNameAliasAndAnyCase() {
        assertThat(EventBuses.names()).containsExactly("in-memory", "redis-streams");
        for (String name : new String[] {"in-memory", "memory", " IN-MEMORY "}) {
            EventBus bus = EventBuses.load(name, ComponentConfig.empty());
            try {
                assertThat(bus.publish(dev.llmproxy.eventbus.testing.TestEvents.numbered(1))).isTrue();
            } finally {
                bus.close();
            }
        }
    }

    @Test
    void unknownName_listsTheKnownNames() {
        assertThatThrownBy(() -> EventBuses.load("redis", ComponentConfig.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown event bus 'redis'; known: [in-memory, redis-streams]");
    }

    @Test
    void invalidConfig_isReportedByTheProvider() {
        ComponentConfig bad = ComponentConfig.of(Map.of(EventBusConfig.OBSERVABILITY_BUFFER_SIZE, "lots"));
        assertThatThrownBy(() -> EventBuses.load("in-memory", bad))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("OBSERVABILITY_BUFFER_SIZE: expected an integer, got 'lots'");
    }

    @Test
    void brokenProviders_areSkippedAndReportedByName(@TempDir Path dir) throws Exception {
        Path services = dir.resolve("META-INF/services");
        Files.createDirectories(services);
        Files.writeString(services.resolve(EventBusProvider.class.getName()), String.join("\n",
                BrokenProviders.FailsInConstructor.class.getName(),
                "com.example.DoesNotExist",
                BrokenProviders.FailsInName.class.getName()) + "\n");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
                EventBusesTest.class.getClassLoader())) {
            EventBus bus = EventBuses.load("in-memory", ComponentConfig.empty(), loader);
            bus.close();
            assertThatThrownBy(() -> EventBuses.load("kafka", ComponentConfig.empty(), loader))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("unknown event bus 'kafka'; known: [in-memory, redis-streams]; failed to load: ")
                    .hasMessageContaining("FailsInConstructor")
                    .hasMessageContaining("com.example.DoesNotExist")
                    .hasMessageContaining("FailsInName");
        }
    }
}
