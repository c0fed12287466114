package dev.llmproxy.examples.dispatcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.dispatch.DispatchResult;
import dev.llmproxy.dispatch.Dispatcher;
import dev.llmproxy.dispatch.Dispatchers;
import dev.llmproxy.dispatch.EventTransformer;
import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.Event;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBusConfig;
import dev.llmproxy.eventbus.EventBuses;
import dev.llmproxy.eventbus.testing.RedisTestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The packaged plugin jar (system property {@code example.jar}), with this module's classes kept
 * off the class path (see the failsafe configuration): {@link Dispatchers} finds it only through a
 * class loader over the jar, and {@code llm-proxy dispatcher --service webhook --plugins <jar>},
 * run as its own process on a Redis Streams bus, delivers the proxy's events to the webhook.
 */
class WebhookPluginJarIT {

    @RegisterExtension
    static final RedisTestSupport redis = new RedisTestSupport();

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path jar() {
        Path jar = Path.of(System.getProperty("example.jar"));
        assertThat(jar).exists();
        return jar;
    }

    private static Event chat(String id) {
        return Event.builder().requestId(id).method("POST").path("/v1/chat/completions").status(200).durationMillis(7)
                .requestBody("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                        .getBytes(StandardCharsets.UTF_8), 1024)
                .build();
    }

    @Test
    void theJarIsDiscoveredThroughItsOwnClassLoader_andPosts() throws Exception {
        assertThatThrownBy(() -> Dispatchers.load("webhook", ComponentConfig.empty()))
                .as("not on the class path without the jar").hasMessageStartingWith("unknown dispatcher 'webhook'");
        try (URLClassLoader plugins = new URLClassLoader(new URL[] {jar().toUri().toURL()},
                Dispatchers.class.getClassLoader());
             WebhookServer server = new WebhookServer(call -> 204)) {
            assertThat(Dispatchers.names(plugins)).contains("webhook", "file", "lunary");
            try (Dispatcher d = Dispatchers.load("webhook", ComponentConfig.of(Map.of("endpoint", server.hook().toString())),
                    plugins)) {
                assertThat(d.getClass().getClassLoader()).isSameAs(plugins);
                var events = List.of(new EventTransformer().transform("1-0", chat("jar-1")));
                DispatchResult r = d.send(events).toCompletableFuture().join();
                assertThat(r.outcome("1-0").status()).isEqualTo(DispatchResult.Status.ACCEPTED);
            }
            assertThat(JSON.readTree(server.received.get(0).body()).at("/events/0/metadata/request_id").asText())
                    .isEqualTo("jar-1");
        }
    }

    @Test
    void llmProxyDispatcher_withPlugins_deliversTheBusEventsToTheWebhook(@TempDir Path dir) throws Exception {
        EventBus bus = EventBuses.load("redis-streams", redis.config(EventBusConfig.REDIS_STREAM_MAX_LEN, "0"));
        Process dispatcher = null;
        try (WebhookServer server = new WebhookServer(call -> 200)) {
            for (int i = 0; i < 20; i++) {
                assertThat(bus.publish(chat("cli-" + i))).isTrue();
            }
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    "dev.llmproxy.server.Main", "dispatcher", "--service", "webhook", "--plugins", jar().toString(),
                    "--endpoint", server.hook().toString(), "--batch-size", "5", "--flush-interval", "100ms")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("dispatcher.log").toFile());
            pb.environment().put("LLM_PROXY_EVENT_BUS", "redis-streams");
            pb.environment().put(EventBusConfig.REDIS_ADDR, redis.url(redis.host(), redis.port()));
            pb.environment().put(EventBusConfig.REDIS_STREAM_KEY, redis.key("events"));
            dispatcher = pb.start();

            Set<String> ids = new HashSet<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (ids.size() < 20 && System.nanoTime() < deadline && dispatcher.isAlive()) {
                Thread.sleep(50);
                ids.clear();
                for (WebhookServer.Received r : server.received) {
                    for (JsonNode e : JSON.readTree(r.body()).get("events")) {
                        ids.add(e.at("/metadata/request_id").asText());
                    }
                }
            }
            String log = Files.readString(dir.resolve("dispatcher.log"));
            assertThat(ids).as(log).hasSize(20);
            assertThat(log).contains("dispatcher 'webhook' running: event bus redis-streams, group dispatcher-webhook");

            dispatcher.destroy(); // SIGTERM: graceful stop
            assertThat(dispatcher.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readString(dir.resolve("dispatcher.log"))).contains("stopped");
        } finally {
            if (dispatcher != null) {
                dispatcher.destroyForcibly();
            }
            bus.close(Duration.ofSeconds(5));
        }
    }
}
