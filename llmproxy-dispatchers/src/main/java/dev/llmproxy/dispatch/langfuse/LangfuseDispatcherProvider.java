package dev.llmproxy.dispatch.langfuse;

import dev.llmproxy.dispatch.Dispatcher;
import dev.llmproxy.dispatch.DispatcherConfig;
import dev.llmproxy.dispatch.DispatcherProvider;
import dev.llmproxy.dispatch.http.HttpSupport;
import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.ConfigurationException;

/**
 * {@code langfuse}: Langfuse batch ingestion. Keys: {@code public_key} and {@code secret_key}, or
 * {@code api_key} as {@code PUBLIC:SECRET} (required either way), {@code endpoint} (default
 * {@value LangfuseDispatcher#DEFAULT_HOST}, the EU cloud; {@code https://us.cloud.langfuse.com}
 * or a self-hosted URL; a bare host gets {@code /api/public/ingestion} appended),
 * {@code max_batch_bytes} (default {@value LangfuseDispatcher#DEFAULT_MAX_BATCH_BYTES}),
 * {@code connect_timeout}, {@code request_timeout}. See {@link LangfuseDispatcher}.
 */
public final class LangfuseDispatcherProvider implements DispatcherProvider {

    @Override
    public String name() {
        return "langfuse";
    }

    @Override
    public String description() {
        return "Langfuse batch ingestion (trace + generation per call, 207 per-event results)";
    }

    @Override
    public Dispatcher create(ComponentConfig config) {
        String publicKey = config.string(DispatcherConfig.PUBLIC_KEY, null);
        String secretKey = config.string(DispatcherConfig.SECRET_KEY, null);
        if (publicKey == null || secretKey == null) {
            String combined = DispatcherConfig.required(config, DispatcherConfig.API_KEY,
                    "the langfuse dispatcher needs its keys: --api-key PUBLIC_KEY:SECRET_KEY, or the options "
                            + "public_key and secret_key");
            int colon = combined.indexOf(':');
            if (colon <= 0 || colon == combined.length() - 1) {
                // Never echo the value: it is a secret.
                throw new ConfigurationException(DispatcherConfig.API_KEY, DispatcherConfig.API_KEY
                        + ": expected PUBLIC_KEY:SECRET_KEY (pk-lf-...:sk-lf-...) for langfuse");
            }
            publicKey = combined.substring(0, colon).trim();
            secretKey = combined.substring(colon + 1).trim();
        }
        return new LangfuseDispatcher(
                HttpSupport.endpoint(config, DispatcherConfig.ENDPOINT, LangfuseDispatcher.DEFAULT_HOST,
                        LangfuseDispatcher.INGESTION_PATH),
                publicKey, secretKey,
                DispatcherConfig.positiveDuration(config, DispatcherConfig.CONNECT_TIMEOUT,
                        DispatcherConfig.DEFAULT_CONNECT_TIMEOUT),
                DispatcherConfig.positiveDuration(config, DispatcherConfig.REQUEST_TIMEOUT,
                        DispatcherConfig.DEFAULT_REQUEST_TIMEOUT),
                DispatcherConfig.intInRange(config, DispatcherConfig.MAX_BATCH_BYTES,
                        LangfuseDispatcher.DEFAULT_MAX_BATCH_BYTES, 1024, 3_500_000));
    }
}
