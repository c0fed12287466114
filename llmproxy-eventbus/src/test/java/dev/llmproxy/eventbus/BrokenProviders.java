package dev.llmproxy.eventbus;

/** Providers that fail in the ways real plug-ins do, for {@link EventBusesTest}. */
final class BrokenProviders {
    private BrokenProviders() {
    }

    /** Fails while being instantiated. */
    public static final class FailsInConstructor implements EventBusProvider {
        public FailsInConstructor() {
            throw new IllegalStateException("boom in constructor");
        }

        @Override
        public String name() {
            return "never";
        }

        @Override
        public EventBus create(ComponentConfig config) {
            throw new AssertionError("unreachable");
        }
    }

    /** Instantiates but cannot say its name. */
    public static final class FailsInName implements EventBusProvider {
        @Override
        public String name() {
            throw new UnsupportedOperationException("no name");
        }

        @Override
        public EventBus create(ComponentConfig config) {
            throw new AssertionError("unreachable");
        }
    }
}
