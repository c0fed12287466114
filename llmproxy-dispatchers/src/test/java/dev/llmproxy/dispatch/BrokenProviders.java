package dev.llmproxy.dispatch;

import dev.llmproxy.eventbus.ComponentConfig;

/** Providers that fail while being discovered, for {@link DispatchersTest}. */
public final class BrokenProviders {

    private BrokenProviders() {
    }

    /** Its constructor throws. */
    public static final class ThrowsInConstructor implements DispatcherProvider {
        public ThrowsInConstructor() {
            throw new IllegalStateException("missing native library");
        }

        @Override
        public String name() {
            return "never";
        }

        @Override
        public Dispatcher create(ComponentConfig config) {
            throw new AssertionError("unreachable");
        }
    }

    /** Its name() throws. */
    public static final class ThrowsInName implements DispatcherProvider {
        @Override
        public String name() {
            throw new IllegalStateException("no name");
        }

        @Override
        public Dispatcher create(ComponentConfig config) {
            throw new AssertionError("unreachable");
        }
    }

    /** A working extra provider, registered only through the test's class loader. */
    public static final class Extra implements DispatcherProvider {
        @Override
        public String name() {
            return "Extra";
        }

        @Override
        public Dispatcher create(ComponentConfig config) {
            return batch -> java.util.concurrent.CompletableFuture.completedFuture(DispatchResult.allAccepted(batch));
        }
    }
}
