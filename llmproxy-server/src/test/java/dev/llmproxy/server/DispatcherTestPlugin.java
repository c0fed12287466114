package dev.llmproxy.server;

import dev.llmproxy.dispatch.DispatchResult;
import dev.llmproxy.dispatch.Dispatcher;
import dev.llmproxy.dispatch.DispatcherProvider;
import dev.llmproxy.eventbus.ComponentConfig;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A dispatcher plugin for {@link DispatcherCommandTest}. It is deliberately <em>not</em> listed in
 * the test resources' {@code META-INF/services}: the test writes that entry into a jar and passes
 * it with {@code --plugins}, so the command can only find it through the plugin class loader.
 */
public final class DispatcherTestPlugin implements DispatcherProvider {

    /** Request ids received, in order, with the {@code greeting} option they were sent with. */
    static final List<String> RECEIVED = new CopyOnWriteArrayList<>();

    @Override
    public String name() {
        return "test-plugin";
    }

    @Override
    public Dispatcher create(ComponentConfig config) {
        String greeting = config.string("greeting", "none");
        return batch -> {
            batch.forEach(e -> RECEIVED.add(greeting + ":" + e.requestId()));
            return CompletableFuture.completedFuture(DispatchResult.allAccepted(batch));
        };
    }
}
