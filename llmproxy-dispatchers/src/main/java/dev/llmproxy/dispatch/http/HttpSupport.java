package dev.llmproxy.dispatch.http;

import dev.llmproxy.dispatch.DispatchResult;
import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.ConfigurationException;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionException;

/**
 * What the built-in HTTP dispatchers share, public so plug-ins can use the same rules:
 * endpoint resolution, one {@link HttpClient} per dispatcher, and the classification of answers
 * into {@link DispatchResult} outcomes.
 *
 * <table>
 *   <caption>Classification</caption>
 *   <tr><th>Answer</th><th>Outcome</th></tr>
 *   <tr><td>2xx</td><td>accepted (unless the backend's body says otherwise; each dispatcher checks that)</td></tr>
 *   <tr><td>408, 425, 429, 5xx</td><td>transient; {@code Retry-After} (seconds or HTTP date) passed on</td></tr>
 *   <tr><td>other 4xx, 3xx, 1xx</td><td>permanent (a bad payload, a wrong key or URL: retrying fails the same way)</td></tr>
 *   <tr><td>I/O error, timeout, connection refused</td><td>transient</td></tr>
 * </table>
 *
 * <p>Failure reasons carry the status and at most {@value #EXCERPT_CHARS} characters of the
 * response body on one line, never request headers, so API keys cannot leak into logs.
 */
public final class HttpSupport {

    /** Longest response body excerpt in a failure reason. */
    public static final int EXCERPT_CHARS = 200;

    private HttpSupport() {
    }

    /**
     * A client with {@code connectTimeout} that follows no redirects (a redirect is a wrong
     * endpoint: the POST would be turned into a GET or lose its body).
     */
    public static HttpClient newClient(Duration connectTimeout) {
        return HttpClient.newBuilder().connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /**
     * A POST request builder for {@code uri} with {@code timeout}, JSON content type, and HTTP/1.1
     * for plain {@code http} (no cleartext HTTP/2 upgrade dance with local test servers and proxies).
     */
    public static HttpRequest.Builder jsonPost(URI uri, Duration timeout, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", "llm-proxy-dispatcher")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if ("http".equalsIgnoreCase(uri.getScheme())) {
            b.version(HttpClient.Version.HTTP_1_1);
        }
        return b;
    }

    /**
     * The endpoint from {@code config}'s {@code endpoint} key: {@code defaultUrl} when unset; the
     * configured URL as is when it has a path; the configured base URL plus {@code pathForBase}
     * when it has none (so both {@code https://host} and {@code https://host/full/path} work).
     *
     * @throws ConfigurationException if it is not an absolute http(s) URL
     */
    public static URI endpoint(ComponentConfig config, String key, String defaultUrl, String pathForBase) {
        String raw = config.string(key, defaultUrl);
        URI uri;
        try {
            uri = new URI(raw);
        } catch (URISyntaxException e) {
            throw ConfigurationException.invalid(key, raw, "an http(s) URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw ConfigurationException.invalid(key, raw, "an http(s) URL such as https://host or https://host/path");
        }
        String path = uri.getRawPath();
        if (path == null || path.isEmpty() || path.equals("/")) {
            String base = raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw;
            return URI.create(base + pathForBase);
        }
        return uri;
    }

    /** Whether {@code status} is 2xx. */
    public static boolean isSuccess(int status) {
        return status >= 200 && status < 300;
    }

    /** Whether a failed {@code status} is worth retrying: 408, 425, 429, 5xx. */
    public static boolean isTransient(int status) {
        return status == 408 || status == 425 || status == 429 || status >= 500;
    }

    /**
     * The outcome of a non-2xx answer, per the table in the class javadoc.
     *
     * @param backend the backend's name for the reason, e.g. {@code lunary}
     * @param status the HTTP status
     * @param headers the response headers (for {@code Retry-After})
     * @param body the response body, or null
     */
    public static DispatchResult.Outcome outcomeOf(String backend, int status, HttpHeaders headers, String body) {
        String reason = backend + " answered HTTP " + status + excerptSuffix(body);
        return isTransient(status)
                ? DispatchResult.Outcome.transientFailure(reason, retryAfter(headers).orElse(null))
                : DispatchResult.Outcome.permanentFailure(reason);
    }

    /** The outcome of a request that failed without an answer: always transient. */
    public static DispatchResult.Outcome outcomeOf(String backend, Throwable failure) {
        Throwable t = failure;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        String what;
        if (t instanceof HttpTimeoutException) {
            what = "timed out";
        } else if (t instanceof IOException) {
            what = "I/O error: " + t;
        } else {
            what = t.toString();
        }
        return DispatchResult.Outcome.transientFailure(backend + " request failed: " + what, null);
    }

    /** {@code Retry-After} as a duration (delta-seconds or an HTTP date), if present and valid. */
    public static Optional<Duration> retryAfter(HttpHeaders headers) {
        if (headers == null) {
            return Optional.empty();
        }
        return headers.firstValue("Retry-After").flatMap(HttpSupport::parseRetryAfter);
    }

    static Optional<Duration> parseRetryAfter(String value) {
        String v = value.trim();
        try {
            long seconds = Long.parseLong(v);
            return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration d = Duration.between(Instant.now(), at);
                return Optional.of(d.isNegative() ? Duration.ZERO : d);
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
    }

    /** At most {@value #EXCERPT_CHARS} characters of {@code body} on one line; empty for null. */
    public static String excerpt(String body) {
        if (body == null) {
            return "";
        }
        String one = body.replaceAll("\\s+", " ").strip();
        return one.length() <= EXCERPT_CHARS ? one : one.substring(0, EXCERPT_CHARS) + "...";
    }

    private static String excerptSuffix(String body) {
        String e = excerpt(body);
        return e.isEmpty() ? "" : ": " + e;
    }
}
