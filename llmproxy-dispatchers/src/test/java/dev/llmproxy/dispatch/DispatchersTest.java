package dev.llmproxy.dispatch;

import dev.llmproxy.dispatch.file.FileDispatcher;
import dev.llmproxy.dispatch.helicone.HeliconeDispatcher;
import dev.llmproxy.dispatch.langfuse.LangfuseDispatcher;
import dev.llmproxy.dispatch.lunary.LunaryDispatcher;
import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.ConfigurationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DispatchersTest {

    @Test
    void builtInsAreFoundByName() {
        assertThat(Dispatchers.names()).containsExactly("file", "helicone", "langfuse", "lunary");
        assertThat(Dispatchers.describe(Dispatchers.class.getClassLoader()).get("langfuse")).contains("207");
    }

    @Test
    void eachBuiltInIsCreatedFromItsConfig(@TempDir Path dir) {
        try (Dispatcher f = Dispatchers.load("FILE", cfg(DispatcherConfig.FILE, dir.resolve("e.jsonl").toString()))) {
            assertThat(f).isInstanceOf(FileDispatcher.class);
            assertThat(((FileDispatcher) f).file()).isEqualTo(dir.resolve("e.jsonl"));
        }
        try (Dispatcher f = Dispatchers.load("file", cfg(DispatcherConfig.ENDPOINT, dir.resolve("seed.jsonl").toString()))) {
            assertThat(((FileDispatcher) f).file()).as("--endpoint names the file, as in the original CLI")
                    .isEqualTo(dir.resolve("seed.jsonl"));
        }
        try (Dispatcher l = Dispatchers.load("lunary", cfg(DispatcherConfig.API_KEY, "k"))) {
            assertThat(((LunaryDispatcher) l).endpoint()).isEqualTo(URI.create("https://api.lunary.ai/v1/runs/ingest"));
        }
        try (Dispatcher l = Dispatchers.load("lunary", cfg(DispatcherConfig.API_KEY, "k",
                DispatcherConfig.ENDPOINT, "https://lunary.example.com"))) {
            assertThat(((LunaryDispatcher) l).endpoint()).isEqualTo(URI.create("https://lunary.example.com/v1/runs/ingest"));
        }
        try (Dispatcher h = Dispatchers.load("helicone", cfg(DispatcherConfig.API_KEY, "k"))) {
            assertThat(((HeliconeDispatcher) h).endpoint()).isEqualTo(URI.create("https://api.worker.helicone.ai/oai/v1/log"));
        }
        try (Dispatcher h = Dispatchers.load("helicone", cfg(DispatcherConfig.API_KEY, "k",
                DispatcherConfig.ENDPOINT, "https://eu.api.helicone.ai/custom/v1/log"))) {
            assertThat(((HeliconeDispatcher) h).endpoint()).isEqualTo(URI.create("https://eu.api.helicone.ai/custom/v1/log"));
        }
        try (Dispatcher g = Dispatchers.load("langfuse", cfg(DispatcherConfig.API_KEY, "pk-lf-1:sk-lf-2"))) {
            assertThat(((LangfuseDispatcher) g).endpoint()).isEqualTo(URI.create("https://cloud.langfuse.com/api/public/ingestion"));
        }
        try (Dispatcher g = Dispatchers.load("langfuse", cfg(DispatcherConfig.PUBLIC_KEY, "pk", DispatcherConfig.SECRET_KEY,
                "sk", DispatcherConfig.ENDPOINT, "http://localhost:3000/"))) {
            assertThat(((LangfuseDispatcher) g).endpoint()).isEqualTo(URI.create("http://localhost:3000/api/public/ingestion"));
        }
    }

    @Test
    void missingOrMalformedSettings_nameTheKey_andNeverEchoSecrets() {
        assertThatThrownBy(() -> Dispatchers.load("file", ComponentConfig.empty()))
                .isInstanceOf(ConfigurationException.class).hasMessageStartingWith("endpoint: required")
                .hasMessageContaining("--file");
        assertThatThrownBy(() -> Dispatchers.load("lunary", ComponentConfig.empty()))
                .isInstanceOf(ConfigurationException.class).hasMessageStartingWith("api_key: required");
        assertThatThrownBy(() -> Dispatchers.load("helicone", cfg(DispatcherConfig.API_KEY, "k",
                DispatcherConfig.ENDPOINT, "ftp://x")))
                .isInstanceOf(ConfigurationException.class).hasMessageStartingWith("endpoint: expected an http(s) URL");
        assertThatThrownBy(() -> Dispatchers.load("langfuse", cfg(DispatcherConfig.API_KEY, "sk-lf-secret-only")))
                .isInstanceOf(ConfigurationException.class).hasMessageStartingWith("api_key: expected PUBLIC_KEY:SECRET_KEY")
                .hasMessageNotContaining("sk-lf-secret-only");
        assertThatThrownBy(() -> Dispatchers.load("helicone", cfg(DispatcherConfig.API_KEY, "k",
                DispatcherConfig.MAX_CONCURRENCY, "0")))
                .isInstanceOf(ConfigurationException.class).hasMessageStartingWith("max_concurrency: expected an integer between 1");
    }

    @Test
    void unknownName_listsTheKnownOnes() {
        assertThatThrownBy(() -> Dispatchers.load("kafka", ComponentConfig.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown dispatcher 'kafka'; known: [file, helicone, langfuse, lunary]");
    }

    @Test
    void brokenProvidersAreSkippedAndReported_andOthersStillLoad(@TempDir Path dir) throws Exception {
        Path services = dir.resolve("META-INF/services/" + DispatcherProvider.class.getName());
        Files.createDirectories(services.getParent());
        Files.writeString(services, String.join("\n",
                BrokenProviders.ThrowsInConstructor.class.getName(),
                "dev.llmproxy.dispatch.DoesNotExist",
                BrokenProviders.ThrowsInName.class.getName(),
                BrokenProviders.Extra.class.getName()) + "\n");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
                Dispatchers.class.getClassLoader())) {
            assertThat(Dispatchers.names(loader)).containsExactly("extra", "file", "helicone", "langfuse", "lunary");
            try (Dispatcher extra = Dispatchers.load("extra", ComponentConfig.empty(), loader)) {
                assertThat(extra).isNotNull();
            }
            assertThatThrownBy(() -> Dispatchers.load("never", ComponentConfig.empty(), loader))
                    .hasMessageStartingWith("unknown dispatcher 'never'; known: [extra, file, helicone, langfuse, lunary]")
                    .hasMessageContaining("failed to load")
                    .hasMessageContaining("ThrowsInConstructor")
                    .hasMessageContaining("DoesNotExist")
                    .hasMessageContaining("ThrowsInName");
        }
    }

    private static ComponentConfig cfg(String... kv) {
        java.util.Map<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return ComponentConfig.of(Map.copyOf(m));
    }
}
