package dev.llmproxy.server;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The documentation is one set: every relative link in README.md, docs/*.md and the examples'
 * READMEs points at a file or directory that exists, and docs/README.md lists every page in docs/.
 */
class DocsLinksTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    /**
     * Pages other work streams are writing at the same time as these links; remove a name once
     * its page is in the tree (the test then holds links to it like any other).
     */
    private static final Set<String> PAGES_IN_PROGRESS = Set.of();

    private static List<Path> markdownFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        files.add(ROOT.resolve("README.md"));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).forEach(files::add);
        }
        try (Stream<Path> examples = Files.walk(ROOT.resolve("examples"), 2)) {
            examples.filter(p -> p.getFileName().toString().equals("README.md")).forEach(files::add);
        }
        return files;
    }

    @Test
    void everyRelativeLinkResolves() throws IOException {
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path file : markdownFiles()) {
            Matcher m = LINK.matcher(Files.readString(file));
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("^[a-z]+:.*") || target.startsWith("#")) {
                    continue; // web links and anchors within the page
                }
                String path = target.replaceAll("#.*$", "");
                Path resolved = file.getParent().resolve(path).normalize();
                checked++;
                if (!Files.exists(resolved) && !PAGES_IN_PROGRESS.contains(resolved.getFileName().toString())) {
                    broken.add(ROOT.relativize(file) + " -> " + target);
                }
            }
        }
        assertThat(checked).isGreaterThan(50);
        assertThat(broken).as("broken relative links").isEmpty();
    }

    @Test
    void theIndexListsEveryPage() throws IOException {
        String index = Files.readString(ROOT.resolve("docs/README.md"));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.map(p -> p.getFileName().toString())
                    .filter(n -> (n.endsWith(".md") || n.endsWith(".yaml")) && !n.equals("README.md"))
                    .forEach(n -> assertThat(index).as("docs/README.md links " + n).contains("](" + n + ")"));
        }
    }
}
