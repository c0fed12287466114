package dev.llmproxy.eventbus;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds {@link EventBusProvider}s with {@link ServiceLoader} and creates buses by name.
 *
 * <pre>{@code
 * EventBus bus = EventBuses.load(env.getOrDefault("LLM_PROXY_EVENT_BUS", "in-memory"), config);
 * }</pre>
 *
 * <p>Loading is defensive: a provider that fails to load or to answer its name is logged at WARN
 * and skipped, so one broken jar does not hide the others, and is listed by class name if the
 * requested name is not found. Names are matched without regard to case. When two providers claim
 * the same name the first found wins and the duplicate is logged.
 *
 * <p>Discovery runs on every call (it is cheap and a bus is created once per process).
 */
public final class EventBuses {
    private static final Logger log = LoggerFactory.getLogger(EventBuses.class);

    private EventBuses() {
    }

    /**
     * Creates the bus named {@code name}, discovering providers with this library's class loader.
     *
     * @param name a provider name or alias, e.g. {@code in-memory} or {@code redis-streams}
     * @param config the bus's settings
     * @return a running bus
     * @throws IllegalArgumentException if no provider has that name; the message lists the names
     *                                  found and any providers that failed to load
     * @throws ConfigurationException if the provider rejects the configuration
     */
    public static EventBus load(String name, ComponentConfig config) {
        return load(name, config, EventBusProvider.class.getClassLoader());
    }

    /**
     * Like {@link #load(String, ComponentConfig)}, discovering providers with {@code classLoader}
     * (for plug-in class loaders).
     */
    public static EventBus load(String name, ComponentConfig config, ClassLoader classLoader) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(config, "config");
        Discovery found = discover(classLoader);
        EventBusProvider provider = found.byName.get(name.trim().toLowerCase(Locale.ROOT));
        if (provider == null) {
            StringBuilder msg = new StringBuilder("unknown event bus '").append(name)
                    .append("'; known: ").append(new TreeSet<>(found.primaryNames));
            if (!found.failures.isEmpty()) {
                msg.append("; failed to load: ").append(found.failures);
            }
            throw new IllegalArgumentException(msg.toString());
        }
        return provider.create(config);
    }

    /**
     * The names (not aliases) of the providers that load successfully with this library's class
     * loader, sorted.
     */
    public static List<String> names() {
        return new ArrayList<>(new TreeSet<>(discover(EventBusProvider.class.getClassLoader()).primaryNames));
    }

    private static final class Discovery {
        final Map<String, EventBusProvider> byName = new LinkedHashMap<>();
        final List<String> primaryNames = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
    }

    private static Discovery discover(ClassLoader classLoader) {
        Discovery d = new Discovery();
        Iterator<ServiceLoader.Provider<EventBusProvider>> it =
                ServiceLoader.load(EventBusProvider.class, classLoader).stream().iterator();
        while (true) {
            ServiceLoader.Provider<EventBusProvider> handle;
            try {
                if (!it.hasNext()) {
                    break;
                }
                handle = it.next();
            } catch (ServiceConfigurationError e) {
                // A services file naming a missing or non-conforming class.
                log.warn("Skipping an event bus provider that cannot be loaded: {}", e.getMessage());
                d.failures.add(e.getMessage());
                continue;
            }
            String className = handle.type().getName();
            try {
                EventBusProvider p = handle.get();
                String primary = p.name().trim().toLowerCase(Locale.ROOT);
                register(d, primary, p, className);
                d.primaryNames.add(primary);
                for (String alias : p.aliases()) {
                    register(d, alias.trim().toLowerCase(Locale.ROOT), p, className);
                }
            } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                String why = e.getCause() != null ? e + ", caused by " + e.getCause() : e.toString();
                log.warn("Skipping event bus provider {}: {}", className, why);
                d.failures.add(className + " (" + why + ")");
            }
        }
        return d;
    }

    private static void register(Discovery d, String name, EventBusProvider p, String className) {
        EventBusProvider existing = d.byName.putIfAbsent(name, p);
        if (existing != null && existing != p) {
            log.warn("Event bus name '{}' of {} is already taken by {}; ignoring it", name, className,
                    existing.getClass().getName());
        }
    }
}
