package dev.llmproxy.server;

import picocli.CommandLine;

/**
 * Runs {@code llm-proxy dispatcher} as its own process for {@link DispatcherDetachTest} (until the
 * command is registered in {@link Main}, which the tests then could use instead).
 */
public final class DispatcherTestMain {

    private DispatcherTestMain() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new DispatcherCommand(CliContext.system())).execute(args));
    }
}
