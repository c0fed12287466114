package dev.llmproxy.dispatch.lunary;

import dev.llmproxy.dispatch.Dispatcher;
import dev.llmproxy.dispatch.DispatcherConfig;
import dev.llmproxy.dispatch.DispatcherProvider;
import dev.llmproxy.dispatch.http.HttpSupport;
import dev.llmproxy.eventbus.ComponentConfig;

/**
 * {@code lunary}: Lunary's run ingestion API. Keys: {@code api_key} (required; a project's public
 * or private key), {@code endpoint} (default {@value LunaryDispatcher#DEFAULT_ENDPOINT}; a bare
 * base URL such as {@code https://lunary.example.com} gets {@code /v1/runs/ingest} appended),
 * {@code connect_timeout}, {@code request_timeout}, {@code max_batch_bytes}. See
 * {@link LunaryDispatcher}.
 */
public final class LunaryDispatcherProvider implements DispatcherProvider {

    @Override
    public String name() {
        return "lunary";
    }

    @Override
    public String description() {
        return "Lunary run ingestion (POST /v1/runs/ingest, start + end events per call)";
    }

    @Override
    public Dispatcher create(ComponentConfig config) {
        String key = DispatcherConfig.required(config, DispatcherConfig.API_KEY,
                "the lunary dispatcher needs a project key: --api-key or LLM_PROXY_API_KEY");
        return new LunaryDispatcher(
                HttpSupport.endpoint(config, DispatcherConfig.ENDPOINT, LunaryDispatcher.DEFAULT_ENDPOINT,
                        LunaryDispatcher.INGEST_PATH),
                key,
                DispatcherConfig.positiveDuration(config, DispatcherConfig.CONNECT_TIMEOUT,
                        DispatcherConfig.DEFAULT_CONNECT_TIMEOUT),
                DispatcherConfig.positiveDuration(config, DispatcherConfig.REQUEST_TIMEOUT,
                        DispatcherConfig.DEFAULT_REQUEST_TIMEOUT),
                DispatcherConfig.intInRange(config, DispatcherConfig.MAX_BATCH_BYTES, LunaryDispatcher.DEFAULT_MAX_BATCH_BYTES,
                        1024, 20_000_000));
    }
}
