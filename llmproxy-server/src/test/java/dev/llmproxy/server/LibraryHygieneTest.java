package dev.llmproxy.server;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an embedder relies on, read from the build files themselves: the BOM pins the modules and
 * the backend versions the build uses, backends are optional in the library modules, no library
 * module brings a logging binding, and every published jar names its automatic module.
 */
class LibraryHygieneTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final List<String> LIBRARIES = List.of("llmproxy-eventbus", "llmproxy-core", "llmproxy-admin",
            "llmproxy-dispatchers");
    /** Backends an embedder adds only when it uses them. */
    private static final List<String> OPTIONAL_BACKENDS = List.of("redis.clients:jedis", "org.postgresql:postgresql",
            "io.prometheus:simpleclient", "io.prometheus:simpleclient_common", "io.prometheus:simpleclient_hotspot");
    private static final List<String> LOGGING_BINDINGS = List.of("ch.qos.logback:logback-classic",
            "org.slf4j:slf4j-simple", "org.slf4j:slf4j-reload4j", "org.apache.logging.log4j:log4j-slf4j2-impl");

    private static Document pom(String module) throws Exception {
        Path file = module.isEmpty() ? ROOT.resolve("pom.xml") : ROOT.resolve(module).resolve("pom.xml");
        assertThat(file).exists();
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
    }

    private static String child(Element e, String name) {
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && c.getTagName().equals(name)) {
                return c.getTextContent().trim();
            }
        }
        return null;
    }

    private static Element childElement(Element e, String name) {
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && c.getTagName().equals(name)) {
                return c;
            }
        }
        return null;
    }

    /** The project's own {@code <dependencies>} (not dependencyManagement, not plugins'). */
    private static List<Element> dependencies(Document pom) {
        List<Element> out = new ArrayList<>();
        Element deps = childElement(pom.getDocumentElement(), "dependencies");
        if (deps != null) {
            NodeList list = deps.getElementsByTagName("dependency");
            for (int i = 0; i < list.getLength(); i++) {
                out.add((Element) list.item(i));
            }
        }
        return out;
    }

    private static List<Element> managed(Document pom) {
        Element dm = childElement(pom.getDocumentElement(), "dependencyManagement");
        List<Element> out = new ArrayList<>();
        NodeList list = childElement(dm, "dependencies").getElementsByTagName("dependency");
        for (int i = 0; i < list.getLength(); i++) {
            out.add((Element) list.item(i));
        }
        return out;
    }

    private static String ga(Element dependency) {
        return child(dependency, "groupId") + ":" + child(dependency, "artifactId");
    }

    private static Map<String, String> properties(Document pom) {
        Map<String, String> out = new TreeMap<>();
        Element props = childElement(pom.getDocumentElement(), "properties");
        for (Node n = props.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                out.put(e.getTagName(), e.getTextContent().trim());
            }
        }
        return out;
    }

    @Test
    void theBom_listsTheModules_andTheBackendVersionsTheBuildUses() throws Exception {
        Document bom = pom("llmproxy-bom");
        Document parent = pom("");
        List<String> pinned = managed(bom).stream().map(LibraryHygieneTest::ga).toList();
        assertThat(pinned).contains("dev.llmproxy:llmproxy-eventbus", "dev.llmproxy:llmproxy-core",
                "dev.llmproxy:llmproxy-admin", "dev.llmproxy:llmproxy-dispatchers", "dev.llmproxy:llmproxy-server");
        assertThat(pinned).containsAll(OPTIONAL_BACKENDS);
        Map<String, String> bomProps = properties(bom);
        Map<String, String> parentProps = properties(parent);
        for (String key : List.of("jedis.version", "postgresql.version", "prometheus.version")) {
            assertThat(bomProps.get(key)).as(key).isNotNull().isEqualTo(parentProps.get(key));
        }
        assertThat(child(bom.getDocumentElement(), "version")).isEqualTo(child(parent.getDocumentElement(), "version"));
        assertThat(childElement(bom.getDocumentElement(), "parent")).as("a BOM without the build's parent").isNull();
    }

    @Test
    void libraryModules_keepBackendsOptional_andBringNoLoggingBinding() throws Exception {
        for (String module : LIBRARIES) {
            for (Element d : dependencies(pom(module))) {
                String scope = child(d, "scope");
                boolean shipped = scope == null || scope.equals("compile") || scope.equals("runtime");
                if (!shipped) {
                    continue;
                }
                assertThat(LOGGING_BINDINGS).as(module + " ships a logging binding").doesNotContain(ga(d));
                if (OPTIONAL_BACKENDS.contains(ga(d))) {
                    assertThat(child(d, "optional")).as(module + ": " + ga(d) + " must be optional").isEqualTo("true");
                }
            }
        }
    }

    @Test
    void everyPublishedJar_namesItsAutomaticModule() throws Exception {
        for (String module : List.of("llmproxy-eventbus", "llmproxy-core", "llmproxy-admin", "llmproxy-dispatchers",
                "llmproxy-server")) {
            String pom = Files.readString(ROOT.resolve(module).resolve("pom.xml"));
            assertThat(pom).as(module).containsPattern("<Automatic-Module-Name>dev\\.llmproxy\\.[a-z.]+</Automatic-Module-Name>");
        }
    }
}
