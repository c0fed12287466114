package dev.llmproxy.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The admin UI's client of the management API (and of {@code /health/details} and {@code /metrics}
 * on the same server). Blocking: call it only from the UI's executor, never from an event loop.
 *
 * <p>The management token is sent as {@code Authorization: Bearer} and nowhere else; it is never
 * part of an exception message or log line. The browser's address and user agent are passed on as
 * {@code X-Forwarded-For} and in the {@code User-Agent}, so the audit log shows who acted.
 * Thread-safe.
 */
final class ManageClient {

    /**
     * The UI's JSON mapper, made on first use: Jackson's first {@link ObjectMapper} costs tens of
     * ms of class initialisation, which a server's start-up should not pay for a console that may
     * never be opened (docs/performance.md#start-up).
     */
    static ObjectMapper json() {
        return Json.MAPPER;
    }

    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    static final Duration TIMEOUT = Duration.ofSeconds(15);

    /** An answer of the API; {@code status} 0 means no answer (connection failure, timeout). */
    record Result(int status, JsonNode json, byte[] raw, String contentType, String failure) {

        boolean ok() {
            return status >= 200 && status < 300;
        }

        /** What to tell the operator when the call did not succeed. */
        String errorMessage() {
            if (status == 0) {
                return failure;
            }
            JsonNode message = json.path("error").path("message");
            if (message.isTextual()) {
                return message.asText() + " (HTTP " + status + ")";
            }
            return "The management API answered HTTP " + status;
        }
    }

    /** Who is acting, for the audit trail. */
    record Caller(String managementToken, String clientIp, String userAgent) {
        @Override
        public String toString() {
            return "Caller[" + clientIp + "]";
        }
    }

    private final Supplier<URI> baseUrl;
    /**
     * Made on the first page view, not with the UI: building an {@link HttpClient} loads the JDK's
     * default TLS context and trust store and starts a selector thread, a few hundred ms of a
     * server's start-up for a console that may never be opened.
     */
    private volatile HttpClient http;

    ManageClient(Supplier<URI> baseUrl) {
        this.baseUrl = baseUrl;
    }

    private HttpClient http() {
        HttpClient h = http;
        if (h == null) {
            synchronized (this) {
                h = http;
                if (h == null) {
                    h = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                            .connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
                    http = h;
                }
            }
        }
        return h;
    }

    URI base() {
        return baseUrl.get();
    }

    Result get(String pathAndQuery, Caller caller) {
        return send("GET", pathAndQuery, null, caller);
    }

    Result send(String method, String pathAndQuery, Object jsonBody, Caller caller) {
        URI uri = resolve(pathAndQuery);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Accept", "application/json");
        if (caller != null) {
            if (caller.managementToken() != null) {
                b.header("Authorization", "Bearer " + caller.managementToken());
            }
            if (caller.clientIp() != null) {
                b.header("X-Forwarded-For", caller.clientIp());
            }
            b.header("User-Agent", "llm-proxy-admin" + (caller.userAgent() == null ? ""
                    : " (" + caller.userAgent().replaceAll("[^\\x20-\\x7e]", "?") + ")"));
        }
        if (jsonBody != null) {
            try {
                b.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofByteArray(json().writeValueAsBytes(jsonBody)));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot encode the request body", e);
            }
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            HttpResponse<byte[]> r = http().send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            String type = r.headers().firstValue("Content-Type").orElse("");
            JsonNode json = MissingNode.getInstance();
            if (type.startsWith("application/json") && r.body().length > 0) {
                try {
                    json = json().readTree(r.body());
                } catch (IOException e) {
                    json = MissingNode.getInstance();
                }
            }
            return new Result(r.statusCode(), json, r.body(), type, null);
        } catch (HttpTimeoutException e) {
            return new Result(0, MissingNode.getInstance(), new byte[0], "",
                    "The management API at " + base() + " did not answer within " + TIMEOUT.toSeconds() + " s");
        } catch (IOException e) {
            return new Result(0, MissingNode.getInstance(), new byte[0], "",
                    "Cannot reach the management API at " + base() + ": " + e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : " " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(0, MissingNode.getInstance(), new byte[0], "", "Interrupted");
        }
    }

    private URI resolve(String pathAndQuery) {
        String base = baseUrl.get().toString();
        if (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + pathAndQuery);
    }
}
