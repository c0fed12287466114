package dev.llmproxy.core.manage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.core.audit.AuditLogger;
import dev.llmproxy.core.auth.TokenService;
import dev.llmproxy.core.ratelimit.LocalRateLimiter;
import dev.llmproxy.core.store.MutableClock;
import dev.llmproxy.core.store.Stores;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code docs/openapi.yaml} is valid OpenAPI 3 (swagger-parser), and it describes exactly the
 * routes the management API serves: every path and method in the spec is routed, and every route
 * the router answers — found by probing it with every path built from the words in its source and
 * in the spec — is in the spec with the same methods. A probe uses {@code PUT}, which no route
 * accepts, so it runs no endpoint: a routed path answers 405 with {@code Allow}, any other 404
 * {@code not_found}.
 */
class OpenApiSpecTest {

    private static final Path SPEC = Path.of("..", "docs", "openapi.yaml");
    private static final Path ROUTER_SOURCE = Path.of("src/main/java/dev/llmproxy/core/manage/ManagementRouter.java");
    private static final String TOKEN = "openapi-spec-test-management-token";
    private static final String SOME_ID = "7f1c2e4a-0b1d-4c3e-9f8a-6b5d4c3b2a19";
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._~-]{1,128}");

    /**
     * Paths the spec describes before the code serves them. Each entry must name who is adding it;
     * remove the entry when the route lands (the test then holds it to the spec like any other).
     */
    private static final Set<String> SPECIFIED_BUT_NOT_YET_SERVED = Set.of();

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ExecutorService blocking = Executors.newFixedThreadPool(2);
    private TokenService tokenService;
    private AuditLogger audit;
    private ManagementRouter router;

    @BeforeEach
    void buildTheRealApi() throws Exception {
        MutableClock clock = new MutableClock(Instant.now());
        Stores stores = Stores.inMemory(clock);
        tokenService = new TokenService(stores.tokens(), stores.projects(), blocking, new LocalRateLimiter(),
                TokenService.Settings.DEFAULTS, clock, null);
        audit = new AuditLogger(null, false, stores.audit(), 1000);
        ManagementApi api = ManagementApi.builder().projects(stores.projects()).tokens(stores.tokens())
                .auditStore(stores.audit()).auditLogger(audit).tokenService(tokenService).managementToken(TOKEN)
                .executor(blocking).clock(clock).build();
        // The router the API's handler uses, so the probes go through the real routing table.
        Field f = ManagementApi.class.getDeclaredField("router");
        f.setAccessible(true);
        router = (ManagementRouter) f.get(api);
    }

    @AfterEach
    void close() {
        tokenService.close();
        audit.close();
        blocking.shutdownNow();
    }

    private static OpenAPI spec() throws Exception {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(Files.readString(SPEC), null, options);
        assertThat(result.getMessages()).as("swagger-parser messages").isEmpty();
        assertThat(result.getOpenAPI()).isNotNull();
        return result.getOpenAPI();
    }

    /** The spec's methods per path, upper case. */
    private static Map<String, Set<String>> specRoutes(OpenAPI spec) {
        Map<String, Set<String>> out = new TreeMap<>();
        spec.getPaths().forEach((path, item) -> {
            Set<String> methods = new TreeSet<>();
            item.readOperationsMap().keySet().forEach(m -> methods.add(m.name()));
            out.put(path, methods);
        });
        return out;
    }

    /** The methods the router serves at {@code path}; empty when nothing is routed there. */
    private Set<String> served(String path) {
        ApiResponse r = router.handle(new ApiRequest("PUT", path, Map.of(), new byte[0], "Bearer " + TOKEN,
                "openapi-probe", "127.0.0.1", null, null));
        if (r.status() == 405) {
            return new TreeSet<>(List.of(r.headers().get("Allow").split(",\\s*")));
        }
        try {
            JsonNode body = JSON.readTree(r.body());
            assertThat(r.status()).as(path + ": " + body).isEqualTo(404);
            assertThat(body.at("/error/code").asText()).as(path).isEqualTo(ErrorCodes.NOT_FOUND);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        return Set.of();
    }

    /** The spec path a concrete path falls under: a literal path first, as OpenAPI prescribes. */
    private static String templateOf(String path, Set<String> templates) {
        if (templates.contains(path)) {
            return path;
        }
        for (String t : templates) {
            String regex = Pattern.quote(t).replaceAll("\\{[^}]+}", "\\\\E" + SEGMENT.pattern() + "\\\\Q");
            if (path.matches(regex)) {
                return t;
            }
        }
        return null;
    }

    @Test
    void theSpecIsValidOpenApi3_withUniqueOperationIds_andASuccessAnswerForEveryOperation() throws Exception {
        OpenAPI spec = spec();
        assertThat(spec.getOpenapi()).startsWith("3.");
        Set<String> ids = new HashSet<>();
        for (Map.Entry<String, PathItem> p : spec.getPaths().entrySet()) {
            assertThat(p.getKey()).startsWith("/manage/");
            for (Map.Entry<PathItem.HttpMethod, Operation> op : p.getValue().readOperationsMap().entrySet()) {
                String where = op.getKey() + " " + p.getKey();
                assertThat(ids.add(op.getValue().getOperationId())).as(where + " operationId unique").isTrue();
                assertThat(op.getValue().getResponses().keySet()).as(where).anyMatch(s -> s.startsWith("2"));
                assertThat(op.getValue().getResponses()).as(where + " documents 401").containsKey("401");
            }
        }
        assertThat(spec.getComponents().getSecuritySchemes()).containsKey("managementToken");
    }

    @Test
    void everySpecifiedRouteIsServed_withExactlyTheSpecifiedMethods() throws Exception {
        Map<String, Set<String>> spec = specRoutes(spec());
        for (Map.Entry<String, Set<String>> e : spec.entrySet()) {
            String concrete = e.getKey().replaceAll("\\{[^}]+}", SOME_ID);
            Set<String> served = served(concrete);
            if (served.isEmpty() && SPECIFIED_BUT_NOT_YET_SERVED.contains(e.getKey())) {
                continue;
            }
            assertThat(served).as("methods served at " + e.getKey()).isEqualTo(e.getValue());
        }
    }

    @Test
    void everyServedRouteIsInTheSpec() throws Exception {
        Map<String, Set<String>> spec = specRoutes(spec());
        // Words: the router's string literals that can be path segments, and the spec's segments.
        Set<String> words = new LinkedHashSet<>();
        Matcher literal = Pattern.compile("\"([a-z][a-z0-9_-]*)\"").matcher(Files.readString(ROUTER_SOURCE));
        while (literal.find()) {
            words.add(literal.group(1));
        }
        for (String path : spec.keySet()) {
            for (String segment : path.split("/")) {
                if (!segment.isEmpty() && !segment.startsWith("{")) {
                    words.add(segment);
                }
            }
        }
        assertThat(words).as("the router's vocabulary was read").contains("projects", "tokens", "audit", "cache");
        List<String> second = new ArrayList<>(words);
        second.add(SOME_ID);

        Map<String, Set<String>> found = new TreeMap<>();
        List<String> candidates = new ArrayList<>();
        for (String a : words) {
            candidates.add("/manage/" + a);
            for (String b : second) {
                candidates.add("/manage/" + a + "/" + b);
                for (String c : words) {
                    candidates.add("/manage/" + a + "/" + b + "/" + c);
                    for (String d : words) {
                        candidates.add("/manage/" + a + "/" + b + "/" + c + "/" + d);
                    }
                }
            }
        }
        for (String path : candidates) {
            Set<String> served = served(path);
            if (!served.isEmpty()) {
                found.put(path, served);
            }
        }
        assertThat(found).as("probing finds the routes at all").containsKey("/manage/projects");

        for (Map.Entry<String, Set<String>> e : found.entrySet()) {
            String template = templateOf(e.getKey(), spec.keySet());
            assertThat(template).as(e.getKey() + " is served but not in docs/openapi.yaml").isNotNull();
            assertThat(e.getValue()).as("methods at " + e.getKey() + " (spec " + template + ")")
                    .isEqualTo(spec.get(template));
        }
    }
}
