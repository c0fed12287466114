package dev.llmproxy.server;

import dev.llmproxy.testing.Behavior;
import dev.llmproxy.testing.MockOpenAiUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The admin UI in a real headless Chromium (Debian's chromium and chromedriver, driven by Selenium)
 * against a real {@code llm-proxy server} with SQLite and a mock OpenAI upstream: log in, create a
 * project and a token, use the token through the proxy, find the request on the dashboard and the
 * usage page, revoke the token and see the proxy refuse it, read the audit log, log out.
 * Screenshots of every page go to {@code target/admin-screenshots/}.
 *
 * <p>Skipped (with a message) only when {@value #CHROMEDRIVER} is missing; CI installs it.
 * Selenium Manager never runs: the driver and browser paths are given explicitly.
 */
class AdminUiBrowserTest {

    static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    static final String CHROMIUM = "/usr/bin/chromium";
    static final Path SCREENSHOTS = Paths.get("target", "admin-screenshots");

    @TempDir
    Path dir;
    MockOpenAiUpstream upstream;
    RunningServer server;
    WebDriver driver;
    final List<String> pageSources = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(Paths.get(CHROMEDRIVER)), "chromedriver not found at " + CHROMEDRIVER
                + ": install Debian's chromium and chromium-driver (.ci/run does) to run the admin UI browser test");
        upstream = MockOpenAiUpstream.start();
        server = new RunningServer(dir, Map.of("OPENAI_API_URL", upstream.baseUri().toString(),
                "LOG_LEVEL", "warn"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        if (Files.isExecutable(Paths.get(CHROMIUM))) {
            options.setBinary(CHROMIUM);
        }
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + Files.createDirectory(dir.resolve("chromium-profile")),
                "--window-size=1366,900");
        driver = new ChromeDriver(service, options);
        driver.manage().window().setSize(new Dimension(1366, 900));
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterEach
    void stop() throws Exception {
        if (driver != null) {
            driver.quit();
        }
        if (server != null) {
            server.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private String url(String path) {
        return server.base.resolve(path).toString();
    }

    private void open(String path) {
        driver.get(url(path));
        pageSources.add(driver.getPageSource());
    }

    private void shot(String name) throws IOException {
        pageSources.add(driver.getPageSource());
        File png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(png.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    private String text(By by) {
        return driver.findElement(by).getText();
    }

    private void submit(WebElement form) {
        clickAndWait(form.findElement(By.cssSelector("button[type=submit]")));
    }

    /**
     * Clicks something that loads a new page and waits until the new page has loaded. The old
     * page is marked with a window property that a new document does not have; checking an old
     * element for staleness instead races with Chrome, which can answer "Node with given id does
     * not belong to the document" (an unknown error, not a stale-element one) while it swaps
     * documents. Errors while the documents swap are retried until the timeout.
     */
    private void clickAndWait(WebElement element) {
        JavascriptExecutor js = (JavascriptExecutor) driver;
        js.executeScript("window.__llmproxyOldPage = true;");
        element.click();
        new WebDriverWait(driver, Duration.ofSeconds(20))
                .ignoring(WebDriverException.class)
                .until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript(
                        "return window.__llmproxyOldPage === undefined && document.readyState === 'complete';")));
        pageSources.add(driver.getPageSource());
    }

    private void follow(String linkText) {
        clickAndWait(driver.findElement(By.linkText(linkText)));
    }

    /** The usage page's CSV export link, fetched with the browser's session cookie. */
    private byte[] exportCsv() throws Exception {
        String href = driver.findElement(By.partialLinkText("CSV")).getAttribute("href");
        Cookie session = driver.manage().getCookieNamed("llmproxy_admin");
        java.net.http.HttpResponse<byte[]> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(href))
                        .header("Cookie", "llmproxy_admin=" + session.getValue()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Disposition")).hasValueSatisfying(v ->
                assertThat(v).contains("attachment"));
        return r.body();
    }

    @Test
    void operatorJourney() throws Exception {
        // Not logged in: the UI sends us to the login page.
        open("/admin/");
        assertThat(driver.getCurrentUrl()).endsWith("/admin/login");
        shot("01-login");
        driver.findElement(By.id("management_token")).sendKeys(RunningServer.MANAGEMENT_TOKEN);
        submit(driver.findElement(By.cssSelector("form.login")));
        assertThat(driver.getCurrentUrl()).as(() -> driver.findElement(By.tagName("main")).getText())
                .endsWith("/admin/dashboard");
        Cookie cookie = driver.manage().getCookieNamed("llmproxy_admin");
        assertThat(cookie).isNotNull();
        assertThat(cookie.isHttpOnly()).isTrue();
        assertThat(cookie.getSameSite()).isEqualTo("Strict");
        assertThat(cookie.getPath()).isEqualTo("/admin");
        assertThat(cookie.getValue()).doesNotContain(RunningServer.MANAGEMENT_TOKEN);

        // Create a project.
        follow("Projects");
        follow("New project");
        driver.findElement(By.id("name")).sendKeys("browser-demo");
        driver.findElement(By.id("api_key")).sendKeys("sk-upstream-browser-key-000111");
        shot("02-project-new");
        submit(driver.findElement(By.cssSelector("main form")));
        assertThat(text(By.cssSelector(".flash.success"))).contains("Project 'browser-demo' created.");
        shot("03-project");
        assertThat(driver.getPageSource()).doesNotContain("sk-upstream-browser-key-000111");

        // Create a token: shown once, with a copy button.
        follow("New token");
        new Select(driver.findElement(By.id("duration_minutes"))).selectByVisibleText("1 day");
        driver.findElement(By.id("max_requests")).sendKeys("100");
        submit(driver.findElement(By.cssSelector("main form")));
        String token = text(By.id("new-token"));
        assertThat(token).matches("sk-[A-Za-z0-9_-]{43}");
        WebElement copy = driver.findElement(By.cssSelector("button.copy[data-copy-target=new-token]"));
        copy.click();
        // The copy script (same-origin, allowed by the CSP) ran: it copied or selected the token.
        new WebDriverWait(driver, Duration.ofSeconds(5)).until(d -> copy.getText().equals("Copied")
                || token.equals(((JavascriptExecutor) d).executeScript("return window.getSelection().toString()")));
        shot("04-token-created");
        String createdUrl = driver.getCurrentUrl();
        driver.navigate().refresh();
        assertThat(driver.getPageSource()).doesNotContain(token).contains("shown only once");
        assertThat(driver.getCurrentUrl()).isNotEqualTo(createdUrl);
        String tokenPage = driver.getCurrentUrl();

        // Use the token through the proxy.
        HttpResponse<String> chat = server.chat(token);
        assertThat(chat.statusCode()).isEqualTo(200);
        String requestId = chat.headers().firstValue("X-Request-ID").orElseThrow();
        for (int i = 0; i < 4; i++) {
            assertThat(server.chat(token).statusCode()).isEqualTo(200);
        }
        // A stream (for time to first token) and an upstream failure (for the error rate).
        upstream.enqueue(Behavior.sse(8, Duration.ofMillis(20)));
        HttpResponse<String> stream = server.send("POST", "/v1/chat/completions", "{\"model\":\"gpt-4o-mini\","
                + "\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"stream please\"}]}",
                "Content-Type", "application/json", "Authorization", "Bearer " + token);
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.body()).contains("data: [DONE]");
        upstream.enqueue(Behavior.status(500));
        assertThat(server.chat(token).statusCode()).isEqualTo(500);

        // The dashboard, the usage page and the token's page show it (real /manage/usage/* endpoints).
        // Usage records are written in the background: wait until all 7 are stored.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (server.manage("GET", "/manage/usage/recent?limit=50", null).path("records").size() < 7) {
            assertThat(System.nanoTime()).as("7 usage records within 30 s").isLessThan(deadline);
            Thread.sleep(100);
        }
        open("/admin/dashboard");
        assertThat(driver.findElements(By.cssSelector("figure.chart svg"))).hasSize(7);
        assertThat(driver.findElements(By.cssSelector(".unavailable"))).isEmpty();
        String cards = text(By.cssSelector("ul.cards"));
        assertThat(cards).contains("Requests\n7").contains("Error rate\n14.3 %");
        assertThat(text(By.cssSelector("main table"))).contains("browser-demo");
        assertThat(driver.findElement(By.id("chart-tokens")).getText()).contains("browser-demo");
        assertThat(driver.findElements(By.cssSelector("#chart-rate path.series"))).hasSize(1);
        shot("05-dashboard");
        open("/admin/usage");
        assertThat(text(By.id("usage-records"))).contains(requestId);
        assertThat(text(By.cssSelector("table.numbers tfoot"))).contains("All");
        shot("06-usage");
        byte[] csv = exportCsv();
        assertThat(new String(csv, java.nio.charset.StandardCharsets.UTF_8)).contains(requestId);
        driver.get(tokenPage);
        assertThat(text(By.cssSelector("dl.card"))).contains("Active");
        assertThat(text(By.id("usage-records"))).contains(requestId);
        shot("07-token");

        // Revoke the token: the proxy refuses it from the next request.
        submit(driver.findElement(By.cssSelector("form[action$='/revoke']")));
        assertThat(text(By.cssSelector(".flash.success"))).contains("revoked");
        assertThat(text(By.cssSelector("dl.card"))).contains("Revoked");
        assertThat(server.chat(token).statusCode()).isEqualTo(401);
        follow("Tokens");
        shot("08-tokens");

        // The audit log shows what happened; one event in full.
        follow("Audit log");
        String audit = text(By.id("audit-events"));
        assertThat(audit).contains("project.create", "token.create", "token.revoke");
        shot("09-audit");
        driver.findElement(By.id("search")).sendKeys("token.revoke");
        submit(driver.findElement(By.cssSelector("form.filters")));
        assertThat(text(By.id("audit-events"))).contains("token.revoke").doesNotContain("project.create");
        follow("View");
        assertThat(text(By.cssSelector("main"))).contains("token.revoke", "success");
        shot("10-audit-event");

        open("/admin/cache");
        assertThat(text(By.cssSelector("main"))).contains("Purge cached responses");
        shot("11-cache");
        open("/admin/health");
        assertThat(text(By.id("health-upstreams"))).contains(upstream.baseUri().getHost());
        shot("12-health");
        open("/admin/projects");
        shot("13-projects");

        // Log out: pages send us back to the login page.
        clickAndWait(driver.findElement(By.id("logout")));
        assertThat(driver.getCurrentUrl()).contains("/admin/login");
        assertThat(text(By.cssSelector("main"))).contains("You have been logged out");
        open("/admin/projects");
        assertThat(driver.getCurrentUrl()).endsWith("/admin/login");

        for (String source : pageSources) {
            assertThat(source).doesNotContain(RunningServer.MANAGEMENT_TOKEN);
        }
    }
}
