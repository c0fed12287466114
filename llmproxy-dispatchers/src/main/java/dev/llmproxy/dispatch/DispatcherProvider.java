package dev.llmproxy.dispatch;

import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.ConfigurationException;

/**
 * Creates {@link Dispatcher}s of one kind. Implementations are found with
 * {@link java.util.ServiceLoader}: list the class in
 * {@code META-INF/services/dev.llmproxy.dispatch.DispatcherProvider} and select it by
 * {@link #name()} ({@code llm-proxy dispatcher --service NAME}, or
 * {@link Dispatchers#load(String, ComponentConfig)}).
 *
 * <p>A provider is a stateless factory with a public no-argument constructor; the work happens in
 * the {@link Dispatcher} it creates. Built-in: {@code file}, {@code lunary}, {@code helicone},
 * {@code langfuse}. See {@code examples/custom-dispatcher} for a complete third-party one.
 */
public interface DispatcherProvider {

    /** The name users select this dispatcher by, lower case, for example {@code langfuse}. */
    String name();

    /** One line for listings ({@code --help}, error messages); empty by default. */
    default String description() {
        return "";
    }

    /**
     * Creates a dispatcher.
     *
     * @param config its settings; the keys of the built-ins are in {@link DispatcherConfig}
     *               ({@code endpoint}, {@code api_key}, ...), plugins may read their own
     * @return a ready dispatcher; the caller closes it
     * @throws ConfigurationException if a setting is missing or malformed; the message names the key
     */
    Dispatcher create(ComponentConfig config);
}
