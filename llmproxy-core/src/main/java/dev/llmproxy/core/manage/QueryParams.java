package dev.llmproxy.core.manage;

import dev.llmproxy.core.store.PageRequest;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The query parameters of a list endpoint, read strictly: a parameter the endpoint does not know
 * is a 400 ({@code unknown_parameter}) rather than silently ignored — a misspelt filter would
 * otherwise return everything. Each parameter may be given once; empty values are refused.
 * Aliases ({@code projectId} for {@code project_id}) let clients of the original Go proxy keep
 * working.
 *
 * <p>Not thread-safe; one instance per request.
 */
final class QueryParams {

    static final String PAGE = "page";
    static final String PAGE_SIZE = "page_size";

    private final Map<String, List<String>> params;

    private QueryParams(Map<String, List<String>> params) {
        this.params = params;
    }

    /**
     * The parameters of {@code request}, which must all be among {@code allowed} (aliases
     * included).
     */
    static QueryParams of(ApiRequest request, List<String> allowed) {
        for (Map.Entry<String, List<String>> e : request.query().entrySet()) {
            if (!allowed.contains(e.getKey())) {
                throw ApiException.badRequest(ErrorCodes.UNKNOWN_PARAMETER, "Unknown query parameter '"
                        + JsonBody.printable(e.getKey()) + "'; allowed: " + String.join(", ", allowed));
            }
            if (e.getValue().size() > 1) {
                throw ApiException.invalid("Query parameter '" + e.getKey() + "' is given more than once");
            }
        }
        return new QueryParams(request.query());
    }

    /** The value of {@code name} or of the first of its {@code aliases} present. */
    Optional<String> string(String name, String... aliases) {
        String found = null;
        String foundName = null;
        for (String n : names(name, aliases)) {
            List<String> values = params.get(n);
            if (values != null) {
                if (found != null) {
                    throw ApiException.invalid("Give only one of '" + foundName + "' and '" + n + "'");
                }
                found = values.get(0);
                foundName = n;
            }
        }
        if (found != null && found.isEmpty()) {
            throw ApiException.invalid("Query parameter '" + foundName + "' must not be empty");
        }
        return Optional.ofNullable(found);
    }

    /** {@code true}/{@code false} (also {@code 1}/{@code 0}, any case). */
    Optional<Boolean> bool(String name, String... aliases) {
        return string(name, aliases).map(v -> switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "1" -> Boolean.TRUE;
            case "false", "0" -> Boolean.FALSE;
            default -> throw ApiException.invalid("Query parameter '" + name + "' must be true or false");
        });
    }

    /** An RFC 3339 timestamp. */
    Optional<Instant> timestamp(String name, String... aliases) {
        return string(name, aliases).map(v -> JsonBody.parseTimestamp("Query parameter '" + name + "'", v));
    }

    /**
     * {@code page} (from 1, default 1) and {@code page_size} (1 to
     * {@value PageRequest#MAX_PAGE_SIZE}, default {@value PageRequest#DEFAULT_PAGE_SIZE}).
     */
    PageRequest page() {
        int page = wholeNumber(PAGE, 1, Integer.MAX_VALUE).orElse(1);
        int size = wholeNumber(PAGE_SIZE, 1, PageRequest.MAX_PAGE_SIZE).orElse(PageRequest.DEFAULT_PAGE_SIZE);
        return new PageRequest(page, size);
    }

    /** A whole number from {@code min} to {@code max}; anything else is a 400 naming the parameter. */
    Optional<Integer> wholeNumber(String name, int min, int max) {
        return string(name).map(v -> {
            String expected = "Query parameter '" + name + "' must be a whole number from " + min + " to " + max;
            if (v.length() > 10 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw ApiException.invalid(expected);
            }
            long n = Long.parseLong(v);
            if (n < min || n > max) {
                throw ApiException.invalid(expected + ", got " + n);
            }
            return (int) n;
        });
    }

    private static String[] names(String name, String[] aliases) {
        String[] all = new String[aliases.length + 1];
        all[0] = name;
        System.arraycopy(aliases, 0, all, 1, aliases.length);
        return all;
    }
}
