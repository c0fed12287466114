package dev.llmproxy.examples.dispatcher;

import dev.llmproxy.dispatch.Dispatcher;
import dev.llmproxy.dispatch.DispatcherConfig;
import dev.llmproxy.dispatch.DispatcherProvider;
import dev.llmproxy.dispatch.http.HttpSupport;
import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.ConfigurationException;

import java.net.URI;
import java.time.Duration;

/**
 * {@code webhook}: POSTs each batch of events, in the rich record format, to a URL. Found by
 * {@link java.util.ServiceLoader} through
 * {@code META-INF/services/dev.llmproxy.dispatch.DispatcherProvider}.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>Key</th><th>Flag</th><th>Meaning</th></tr>
 *   <tr><td>{@code endpoint}</td><td>{@code --endpoint}</td><td>the webhook URL (required)</td></tr>
 *   <tr><td>{@code api_key}</td><td>{@code --api-key}</td><td>sent as {@code Authorization: Bearer} (optional)</td></tr>
 *   <tr><td>{@code request_timeout}</td><td>{@code -o request_timeout=10s}</td><td>default 30s</td></tr>
 * </table>
 *
 * <p>A provider is a stateless factory with a public no-argument constructor; it validates the
 * settings and throws {@link ConfigurationException} naming the key, which the CLI turns into a
 * one-line error (exit code 2).
 */
public final class WebhookDispatcherProvider implements DispatcherProvider {

    @Override
    public String name() {
        return "webhook";
    }

    @Override
    public String description() {
        return "POST each batch as {\"events\":[...]} to a URL (example plugin)";
    }

    @Override
    public Dispatcher create(ComponentConfig config) {
        if (!config.has(DispatcherConfig.ENDPOINT)) {
            throw new ConfigurationException(DispatcherConfig.ENDPOINT,
                    "endpoint: required (the webhook dispatcher needs --endpoint URL)");
        }
        // An empty path suffix: the URL is used exactly as given.
        URI endpoint = HttpSupport.endpoint(config, DispatcherConfig.ENDPOINT, null, "");
        Duration timeout = DispatcherConfig.positiveDuration(config, DispatcherConfig.REQUEST_TIMEOUT,
                DispatcherConfig.DEFAULT_REQUEST_TIMEOUT);
        return new WebhookDispatcher(endpoint, config.string(DispatcherConfig.API_KEY, null), timeout);
    }
}
