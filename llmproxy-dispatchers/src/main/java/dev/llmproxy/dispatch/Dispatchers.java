package dev.llmproxy.dispatch;

import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.ConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Finds {@link DispatcherProvider}s with {@link ServiceLoader} and creates dispatchers by name.
 *
 * <pre>{@code
 * Dispatcher d = Dispatchers.load("langfuse", ComponentConfig.of(Map.of(
 *         DispatcherConfig.ENDPOINT, "https://cloud.langfuse.com",
 *         DispatcherConfig.API_KEY, publicKey + ":" + secretKey)));
 *
 * // plug-in jars outside the application class path:
 * ClassLoader plugins = new URLClassLoader(new URL[] {jar.toUri().toURL()}, Dispatcher.class.getClassLoader());
 * Dispatcher webhook = Dispatchers.load("webhook", config, plugins);
 * }</pre>
 *
 * <p>Loading is defensive: a provider whose class cannot be loaded or instantiated, or whose
 * {@code name()} throws, is logged at WARN and skipped, so one broken jar does not hide the
 * others; if the requested name is not found, the message lists the names that were found and the
 * providers that failed. Names are matched without regard to case; when two providers claim a
 * name, the first found wins and the other is logged. Discovery runs on every call (a dispatcher
 * is created once per process).
 */
public final class Dispatchers {

    private static final Logger log = LoggerFactory.getLogger(Dispatchers.class);

    private Dispatchers() {
    }

    /**
     * Creates the dispatcher named {@code name}, discovering providers with this library's class loader.
     *
     * @param name the provider name, e.g. {@code file}, {@code lunary}, {@code helicone}, {@code langfuse}
     * @param config its settings (see {@link DispatcherConfig})
     * @return a ready dispatcher; the caller closes it
     * @throws IllegalArgumentException if no provider has that name; the message lists the known
     *                                  names and the providers that failed to load
     * @throws ConfigurationException if the provider rejects the configuration (the message names the key)
     */
    public static Dispatcher load(String name, ComponentConfig config) {
        return load(name, config, DispatcherProvider.class.getClassLoader());
    }

    /**
     * Like {@link #load(String, ComponentConfig)}, discovering providers with {@code classLoader}
     * (for example a {@link java.net.URLClassLoader} over plug-in jars whose parent is this
     * library's loader, so the built-ins are found too).
     */
    public static Dispatcher load(String name, ComponentConfig config, ClassLoader classLoader) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(config, "config");
        Discovery found = discover(classLoader);
        DispatcherProvider provider = found.byName.get(name.trim().toLowerCase(Locale.ROOT));
        if (provider == null) {
            StringBuilder msg = new StringBuilder("unknown dispatcher '").append(name).append("'; known: ")
                    .append(found.byName.keySet());
            if (!found.failures.isEmpty()) {
                msg.append("; failed to load: ").append(found.failures);
            }
            throw new IllegalArgumentException(msg.toString());
        }
        return provider.create(config);
    }

    /** The names of the providers found with this library's class loader, sorted. */
    public static List<String> names() {
        return names(DispatcherProvider.class.getClassLoader());
    }

    /** The names of the providers found with {@code classLoader}, sorted. */
    public static List<String> names(ClassLoader classLoader) {
        return new ArrayList<>(discover(classLoader).byName.keySet());
    }

    /** Name → description of the providers found with {@code classLoader}, sorted by name. */
    public static Map<String, String> describe(ClassLoader classLoader) {
        Map<String, String> out = new LinkedHashMap<>();
        discover(classLoader).byName.forEach((n, p) -> out.put(n, p.description()));
        return out;
    }

    private static final class Discovery {
        final Map<String, DispatcherProvider> byName = new TreeMap<>();
        final List<String> failures = new ArrayList<>();
    }

    private static Discovery discover(ClassLoader classLoader) {
        Discovery d = new Discovery();
        Iterator<ServiceLoader.Provider<DispatcherProvider>> it =
                ServiceLoader.load(DispatcherProvider.class, classLoader).stream().iterator();
        while (true) {
            ServiceLoader.Provider<DispatcherProvider> handle;
            try {
                if (!it.hasNext()) {
                    break;
                }
                handle = it.next();
            } catch (ServiceConfigurationError e) {
                // A services file naming a missing or non-conforming class.
                log.warn("Skipping a dispatcher provider that cannot be loaded: {}", e.getMessage());
                d.failures.add(e.getMessage());
                continue;
            }
            String className;
            try {
                className = handle.type().getName();
            } catch (ServiceConfigurationError | LinkageError e) {
                log.warn("Skipping a dispatcher provider that cannot be loaded: {}", e.toString());
                d.failures.add(e.toString());
                continue;
            }
            try {
                DispatcherProvider p = handle.get();
                String name = p.name().trim().toLowerCase(Locale.ROOT);
                DispatcherProvider existing = d.byName.putIfAbsent(name, p);
                if (existing != null) {
                    log.warn("Dispatcher name '{}' of {} is already taken by {}; ignoring it", name, className,
                            existing.getClass().getName());
                }
            } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                String why = e.getCause() != null ? e + ", caused by " + e.getCause() : e.toString();
                log.warn("Skipping dispatcher provider {}: {}", className, why);
                d.failures.add(className + " (" + why + ")");
            }
        }
        return d;
    }
}
