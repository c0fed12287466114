package dev.llmproxy.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The management API seen from {@code llm-proxy manage}: one HTTP call per command with
 * {@code Authorization: Bearer <management token>}, JSON in and out. Every failure becomes a
 * {@link Failure} whose message is what the operator should read: the server's own error
 * ({@code error: Project … not found (project_not_found, HTTP 404)}), or what went wrong on the way
 * (connection refused, timeout) naming the URL. The token is never part of a message.
 */
final class ManagementClient {

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT).build();

    /**
     * @param base  e.g. {@code http://localhost:8080}; a path prefix is kept
     * @param token the management token
     */
    ManagementClient(URI base, String token) {
        String b = base.toString();
        this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
        this.token = token;
    }

    /** A call that failed, with the message to show and whether the server answered. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message, null, false, false);
        }
    }

    /** An answer: the raw body (for {@code --json}) and its parsed form. */
    record Answer(String body, JsonNode json) {
    }

    /** {@code method path} with an optional JSON body; a 2xx answer, else {@link Failure}. */
    Answer call(String method, String path, JsonNode body) throws Failure {
        URI uri = URI.create(base + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json")
                .header("User-Agent", "llm-proxy-cli");
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
        }
        HttpResponse<String> response = send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        JsonNode json = parse(response.body());
        int status = response.statusCode();
        if (status / 100 != 2) {
            throw refusal(uri, status, json);
        }
        if (json == null) {
            throw new Failure("error: the answer from " + uri + " is not JSON (HTTP " + status + ")");
        }
        return new Answer(response.body(), json);
    }

    /**
     * {@code GET path} whose 2xx body (a streamed export) is copied to {@code out} as it arrives,
     * never held in memory; a non-2xx answer becomes a {@link Failure} with the server's message.
     *
     * @return the bytes copied
     */
    long download(String path, java.io.OutputStream out) throws Failure {
        URI uri = URI.create(base + path);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + token).header("User-Agent", "llm-proxy-cli").GET().build();
        HttpResponse<java.io.InputStream> response = send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (java.io.InputStream in = response.body()) {
            if (response.statusCode() / 100 != 2) {
                throw refusal(uri, response.statusCode(), parse(new String(in.readNBytes(1 << 20),
                        StandardCharsets.UTF_8)));
            }
            return in.transferTo(out);
        } catch (IOException e) {
            throw new Failure("the download from " + uri + " failed (the output may be incomplete): " + e);
        }
    }

    /** Sends {@code request}; connection problems become a {@link Failure} that says what to check. */
    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws Failure {
        try {
            return http.send(request, handler);
        } catch (HttpConnectTimeoutException e) {
            throw new Failure("cannot connect to the management API at " + base + ": no answer within "
                    + CONNECT_TIMEOUT.toSeconds() + " s (check --manage-api-base-url)");
        } catch (ConnectException e) {
            throw new Failure("cannot connect to the management API at " + base + ": connection refused; is"
                    + " 'llm-proxy server' running there? (check --manage-api-base-url)");
        } catch (HttpTimeoutException e) {
            throw new Failure("the management API at " + base + " did not answer within "
                    + REQUEST_TIMEOUT.toSeconds() + " s");
        } catch (IOException e) {
            throw new Failure("cannot reach the management API at " + base + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted");
        }
    }

    /** The failure for a non-2xx answer: the server's message and code when it sent the error envelope. */
    private static Failure refusal(URI uri, int status, JsonNode json) {
        String message = json == null ? null : json.at("/error/message").asText(null);
        String code = json == null ? null : json.at("/error/code").asText(null);
        if (message == null) {
            return new Failure("error: HTTP " + status + " from " + uri + " (not an llm-proxy management API?)");
        }
        return new Failure("error: " + message + " (" + code + ", HTTP " + status + ")");
    }

    /** {@code path?k=v&…} with the non-null values, URL-encoded. */
    static String withQuery(String path, Map<String, Object> params) {
        StringJoiner q = new StringJoiner("&");
        for (Map.Entry<String, Object> e : params.entrySet()) {
            if (e.getValue() != null) {
                q.add(e.getKey() + "=" + URLEncoder.encode(String.valueOf(e.getValue()), StandardCharsets.UTF_8));
            }
        }
        return q.length() == 0 ? path : path + "?" + q;
    }

    /** An ordered map for {@link #withQuery}. */
    static Map<String, Object> params(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    /** Path segment for an id given on the command line. */
    static String segment(String id) {
        return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isEmpty()) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }
}
