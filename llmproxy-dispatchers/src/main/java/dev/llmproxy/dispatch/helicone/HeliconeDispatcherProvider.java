package dev.llmproxy.dispatch.helicone;

import dev.llmproxy.dispatch.Dispatcher;
import dev.llmproxy.dispatch.DispatcherConfig;
import dev.llmproxy.dispatch.DispatcherProvider;
import dev.llmproxy.dispatch.http.HttpSupport;
import dev.llmproxy.eventbus.ComponentConfig;

/**
 * {@code helicone}: Helicone's manual logger. Keys: {@code api_key} (required), {@code endpoint}
 * (default {@value HeliconeDispatcher#DEFAULT_ENDPOINT}; a bare base URL such as
 * {@code https://eu.api.helicone.ai} gets {@code /oai/v1/log} appended; give a full URL ending in
 * {@code /custom/v1/log} to log as a custom model), {@code max_concurrency} (default
 * {@value HeliconeDispatcher#DEFAULT_MAX_CONCURRENCY}), {@code connect_timeout},
 * {@code request_timeout}. See {@link HeliconeDispatcher}.
 */
public final class HeliconeDispatcherProvider implements DispatcherProvider {

    @Override
    public String name() {
        return "helicone";
    }

    @Override
    public String description() {
        return "Helicone manual logger (one POST per call, timing and time to first token)";
    }

    @Override
    public Dispatcher create(ComponentConfig config) {
        String key = DispatcherConfig.required(config, DispatcherConfig.API_KEY,
                "the helicone dispatcher needs a Helicone API key: --api-key or LLM_PROXY_API_KEY");
        return new HeliconeDispatcher(
                HttpSupport.endpoint(config, DispatcherConfig.ENDPOINT, HeliconeDispatcher.DEFAULT_ENDPOINT,
                        HeliconeDispatcher.OPENAI_LOG_PATH),
                key,
                DispatcherConfig.positiveDuration(config, DispatcherConfig.CONNECT_TIMEOUT,
                        DispatcherConfig.DEFAULT_CONNECT_TIMEOUT),
                DispatcherConfig.positiveDuration(config, DispatcherConfig.REQUEST_TIMEOUT,
                        DispatcherConfig.DEFAULT_REQUEST_TIMEOUT),
                DispatcherConfig.intInRange(config, DispatcherConfig.MAX_CONCURRENCY,
                        HeliconeDispatcher.DEFAULT_MAX_CONCURRENCY, 1, 256));
    }
}
