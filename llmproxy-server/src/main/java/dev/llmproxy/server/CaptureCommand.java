package dev.llmproxy.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * {@code llm-proxy capture inspect FILE...}: summarises and filters wire capture files (see
 * {@code docs/wire-capture.md}). Reads {@code .jsonl} and {@code .jsonl.gz} files, or every capture
 * file of a directory in time order. A malformed line is reported on stderr with its file and line
 * number and skipped. Large files show progress on stderr. Exit codes: 0 done (also with skipped
 * lines), 1 a file could not be read, 2 usage errors.
 */
@Command(name = "capture",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        synopsisSubcommandLabel = "COMMAND",
        description = "Work with wire capture files (WIRE_CAPTURE_ENABLED).")
final class CaptureCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    static CommandLine commandLine(CliContext context) {
        CommandLine capture = new CommandLine(new CaptureCommand());
        capture.addSubcommand(new Inspect(context));
        return capture;
    }

    @Override
    public Integer call() {
        return ManageCommand.missingSubcommand(spec);
    }

    static Instant instant(JsonNode node) {
        if (node == null || !node.isTextual()) {
            return null;
        }
        try {
            return Instant.parse(node.asText());
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** The path of an exchange without its query. */
    static String pathOf(JsonNode x) {
        String p = x.path("path").asText("");
        int q = p.indexOf('?');
        return q >= 0 ? p.substring(0, q) : p;
    }

    @Command(name = "inspect",
            mixinStandardHelpOptions = true,
            versionProvider = Main.Version.class,
            description = {"Summarise capture files: exchanges, time range, counts by status, path, model and project,"
                    + " latency p50/p95/p99, truncated bodies, errors. Filters narrow what is counted (and shown).",
                    "",
                    "Examples:",
                    "  llm-proxy capture inspect ./data/capture",
                    "  llm-proxy capture inspect --status 5xx --since 1h --show ./data/capture",
                    "  llm-proxy capture inspect --request-id 4f0c... --show capture-*.jsonl.gz",
                    "  llm-proxy capture inspect --model gpt-4o --json ./data/capture | jq .latency_ms"})
    static final class Inspect implements Callable<Integer> {

        /** Files at least this large report progress. */
        static final long PROGRESS_MIN_BYTES = 16L * 1024 * 1024;
        private static final ObjectMapper JSON = new ObjectMapper();

        private final CliContext context;

        @Parameters(arity = "1..*", paramLabel = "FILE",
                description = "Capture files (.jsonl or .jsonl.gz) or directories holding them.")
        List<Path> files;

        @Option(names = "--status", paramLabel = "CODES", split = ",",
                description = "Only these statuses: 200, 429, 4xx, 5xx, none (no response sent); comma-separated.")
        List<String> statuses;

        @Option(names = "--path", paramLabel = "GLOB",
                description = "Only paths (without query) matching GLOB: * is any text, ? one character,"
                        + " e.g. '/v1/chat/*'.")
        String pathGlob;

        @Option(names = "--model", paramLabel = "NAME", description = "Only this model (as the request named it).")
        String model;

        @Option(names = "--project", paramLabel = "ID", description = "Only this project id.")
        String project;

        @Option(names = "--request-id", paramLabel = "ID", description = "Only this request id.")
        String requestId;

        @Option(names = "--since", paramLabel = "TIME",
                description = "Only exchanges started at or after TIME: 2026-11-22T19:00:00Z, 2026-11-22 (UTC day),"
                        + " or an age like 15m, 2h, 7d.")
        String since;

        @Option(names = "--until", paramLabel = "TIME", description = "Only exchanges started before TIME (same forms).")
        String until;

        @Option(names = "--show", description = "Print each matching exchange (pretty JSON), then the summary.")
        boolean show;

        @Option(names = "--limit", paramLabel = "N", description = "With --show: print at most N exchanges.")
        Integer limit;

        @Option(names = "--json", description = "Machine output: the summary as one JSON object; with --show, the"
                + " matching exchanges as JSON lines instead.")
        boolean json;

        @Option(names = "--progress", hidden = true, description = "Report progress for every file, however small.")
        boolean alwaysProgress;

        private Pattern pathPattern;
        private Instant sinceInstant;
        private Instant untilInstant;
        private long shown;

        Inspect(CliContext context) {
            this.context = context;
        }

        @Override
        public Integer call() throws IOException {
            try {
                validate();
            } catch (IllegalArgumentException e) {
                throw new ConfigError(e.getMessage(), e); // exit 2, the message names the option
            }
            List<Path> inputs = new ArrayList<>();
            int exit = Main.EXIT_OK;
            for (Path p : files) {
                if (Files.isDirectory(p)) {
                    inputs.addAll(captureFilesIn(p));
                } else if (Files.isRegularFile(p)) {
                    inputs.add(p);
                } else {
                    context.err().println("llm-proxy capture inspect: " + p + ": no such file or directory");
                    exit = Main.EXIT_RUNTIME;
                }
            }
            CaptureSummary summary = new CaptureSummary();
            for (Path p : inputs) {
                try {
                    read(p, summary);
                    summary.files++;
                } catch (IOException e) {
                    context.err().println("llm-proxy capture inspect: cannot read " + p + ": " + e.getMessage());
                    exit = Main.EXIT_RUNTIME;
                }
            }
            if (!(show && json)) {
                if (json) {
                    context.out().println(JSON.writeValueAsString(toJson(summary)));
                } else {
                    printSummary(summary, context.out());
                }
            }
            context.out().flush();
            return exit;
        }

        private void validate() {
            if (statuses != null) {
                for (String s : statuses) {
                    if (!s.strip().toLowerCase(Locale.ROOT).matches("[1-5](xx|[0-9]{2})|none")) {
                        throw new IllegalArgumentException("--status: expected a status like 200, 429, 4xx, 5xx or"
                                + " none, got '" + s + "'");
                    }
                }
            }
            if (pathGlob != null) {
                pathPattern = glob(pathGlob);
            }
            sinceInstant = since == null ? null : time("--since", since);
            untilInstant = until == null ? null : time("--until", until);
            if (limit != null && limit < 0) {
                throw new IllegalArgumentException("--limit: expected 0 or more, got " + limit);
            }
        }

        private static Pattern glob(String glob) {
            StringBuilder re = new StringBuilder();
            for (char c : glob.toCharArray()) {
                switch (c) {
                    case '*' -> re.append(".*");
                    case '?' -> re.append('.');
                    default -> re.append(Pattern.quote(String.valueOf(c)));
                }
            }
            return Pattern.compile(re.toString());
        }

        private static Instant time(String option, String text) {
            String t = text.strip();
            try {
                if (t.matches("\\d+[smhd]")) {
                    long n = Long.parseLong(t.substring(0, t.length() - 1));
                    Duration age = switch (t.charAt(t.length() - 1)) {
                        case 's' -> Duration.ofSeconds(n);
                        case 'm' -> Duration.ofMinutes(n);
                        case 'h' -> Duration.ofHours(n);
                        default -> Duration.ofDays(n);
                    };
                    return Instant.now().minus(age);
                }
                if (t.matches("\\d{4}-\\d{2}-\\d{2}")) {
                    return LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant();
                }
                return Instant.parse(t);
            } catch (DateTimeParseException | ArithmeticException e) {
                throw new IllegalArgumentException(option + ": expected a time like 2026-11-22T19:00:00Z, a day"
                        + " like 2026-11-22, or an age like 15m, 2h, 7d; got '" + text + "'");
            }
        }

        private static List<Path> captureFilesIn(Path dir) throws IOException {
            List<Path> out = new ArrayList<>();
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
                for (Path p : s) {
                    String name = p.getFileName().toString();
                    if (Files.isRegularFile(p) && !name.startsWith(".")
                            && (name.endsWith(".jsonl") || name.endsWith(".jsonl.gz"))) {
                        out.add(p);
                    }
                }
            }
            // Capture file names start with their UTC creation time: name order is time order.
            out.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
            return out;
        }

        private void read(Path file, CaptureSummary summary) throws IOException {
            long size = Files.size(file);
            boolean progress = alwaysProgress || size >= PROGRESS_MIN_BYTES;
            long lastReport = System.nanoTime();
            try (CountingInputStream raw = new CountingInputStream(Files.newInputStream(file));
                 InputStream in = file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw, 65536) : raw;
                 BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 65536)) {
                String line;
                long number = 0;
                while ((line = r.readLine()) != null) {
                    number++;
                    summary.lines++;
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode x;
                    try {
                        x = JSON.readTree(line);
                    } catch (JsonProcessingException e) {
                        x = null;
                    }
                    if (x == null || !x.isObject() || !x.has("request_id")) {
                        summary.malformed++;
                        context.err().println("warning: " + file + ":" + number + ": not a capture record (malformed"
                                + " JSON or missing request_id); skipped");
                        continue;
                    }
                    if (matches(x)) {
                        summary.add(x);
                        print(x);
                    }
                    long now = System.nanoTime();
                    if (progress && now - lastReport >= 1_000_000_000L) {
                        lastReport = now;
                        context.err().printf(Locale.ROOT, "reading %s: %d%% (%d lines)%n", file.getFileName(),
                                size == 0 ? 100 : raw.count * 100 / size, number);
                    }
                }
                if (progress) {
                    context.err().printf(Locale.ROOT, "read %s: 100%% (%d lines)%n", file.getFileName(), number);
                }
            }
        }

        boolean matches(JsonNode x) {
            if (requestId != null && !requestId.equals(x.path("request_id").asText())) {
                return false;
            }
            if (model != null && !model.equals(x.path("model").asText(null))) {
                return false;
            }
            if (project != null && !project.equals(x.path("project_id").asText(null))) {
                return false;
            }
            if (pathPattern != null && !pathPattern.matcher(pathOf(x)).matches()) {
                return false;
            }
            if (statuses != null && !statusMatches(x.path("response").path("status").asInt(0))) {
                return false;
            }
            if (sinceInstant != null || untilInstant != null) {
                Instant started = instant(x.get("started_at"));
                if (started == null || sinceInstant != null && started.isBefore(sinceInstant)
                        || untilInstant != null && !started.isBefore(untilInstant)) {
                    return false;
                }
            }
            return true;
        }

        private boolean statusMatches(int status) {
            String code = Integer.toString(status);
            for (String s : statuses) {
                String want = s.strip().toLowerCase(Locale.ROOT);
                if (want.equals("none") ? status == 0
                        : want.endsWith("xx") ? status != 0 && code.charAt(0) == want.charAt(0) : want.equals(code)) {
                    return true;
                }
            }
            return false;
        }

        private void print(JsonNode x) throws IOException {
            if (!show || limit != null && shown >= limit) {
                return;
            }
            shown++;
            PrintStream out = context.out();
            if (json) {
                out.println(JSON.writeValueAsString(x));
                return;
            }
            out.printf(Locale.ROOT, "=== %s  %s %s  -> %s  %s ms%n", x.path("request_id").asText(),
                    x.path("method").asText(), x.path("path").asText(), x.path("response").path("status").asText("-"),
                    x.path("duration_ms").asText("-"));
            out.println(JSON.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(x));
            out.println();
        }

        private static void printSummary(CaptureSummary s, PrintStream out) {
            out.printf(Locale.ROOT, "files:           %d (%d lines, %d malformed and skipped)%n", s.files, s.lines,
                    s.malformed);
            out.printf(Locale.ROOT, "exchanges:       %d%n", s.exchanges);
            if (s.exchanges == 0) {
                return;
            }
            out.printf(Locale.ROOT, "time range:      %s .. %s%n", s.first, s.last);
            Map<String, Double> latency = s.latency();
            if (!latency.isEmpty()) {
                out.printf(Locale.ROOT, "latency ms:      p50 %.1f  p95 %.1f  p99 %.1f  max %.1f%n", latency.get("p50"),
                        latency.get("p95"), latency.get("p99"), latency.get("max"));
            }
            Map<String, Double> ttfb = s.ttfb();
            if (!ttfb.isEmpty()) {
                out.printf(Locale.ROOT, "first byte ms:   p50 %.1f  p95 %.1f  p99 %.1f  max %.1f%n", ttfb.get("p50"),
                        ttfb.get("p95"), ttfb.get("p99"), ttfb.get("max"));
            }
            out.printf(Locale.ROOT, "errors:          %d (4xx, 5xx or no response), %d answered by the proxy itself%n",
                    s.errors(), s.proxyErrors);
            out.printf(Locale.ROOT, "streamed:        %d%n", s.streamed);
            out.printf(Locale.ROOT, "truncated:       %d (a body longer than WIRE_CAPTURE_MAX_BODY_BYTES)%n",
                    s.truncated);
            table(out, "by status", s.byStatus);
            table(out, "by path", s.byPath);
            table(out, "by model", s.byModel);
            table(out, "by project", s.byProject);
            table(out, "proxy errors", s.byErrorCode);
            table(out, "outcomes", s.byOutcome);
            table(out, "cache", s.byCache);
        }

        private static void table(PrintStream out, String title, Map<String, Long> counts) {
            if (counts.isEmpty()) {
                return;
            }
            out.println(title + ":");
            int width = counts.keySet().stream().mapToInt(String::length).max().orElse(0);
            counts.entrySet().stream()
                    .sorted((a, b) -> b.getValue().equals(a.getValue()) ? a.getKey().compareTo(b.getKey())
                            : Long.compare(b.getValue(), a.getValue()))
                    .forEach(e -> out.printf(Locale.ROOT, "  %-" + width + "s  %d%n", e.getKey(), e.getValue()));
        }

        private static ObjectNode toJson(CaptureSummary s) {
            ObjectNode o = JSON.createObjectNode();
            o.put("files", s.files);
            o.put("lines", s.lines);
            o.put("malformed_lines", s.malformed);
            o.put("exchanges", s.exchanges);
            o.put("first_started_at", s.first == null ? null : s.first.toString());
            o.put("last_started_at", s.last == null ? null : s.last.toString());
            o.set("latency_ms", JSON.valueToTree(s.latency()));
            o.set("ttfb_ms", JSON.valueToTree(s.ttfb()));
            o.put("errors", s.errors());
            o.put("proxy_errors", s.proxyErrors);
            o.put("streamed", s.streamed);
            o.put("truncated", s.truncated);
            o.set("by_status", JSON.valueToTree(s.byStatus));
            o.set("by_path", JSON.valueToTree(s.byPath));
            o.set("by_model", JSON.valueToTree(s.byModel));
            o.set("by_project", JSON.valueToTree(s.byProject));
            o.set("by_error_code", JSON.valueToTree(s.byErrorCode));
            o.set("by_outcome", JSON.valueToTree(s.byOutcome));
            o.set("by_cache", JSON.valueToTree(s.byCache));
            return o;
        }
    }

    /** Counts the (possibly compressed) bytes read, for progress over gzip files too. */
    private static final class CountingInputStream extends FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}
