package aegis.status;

import static aegis.testing.Eventually.await;
import static aegis.testing.Eventually.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.config.AegisConfig;
import aegis.config.Settings;
import aegis.dispatch.EventRetention;
import aegis.governance.SystemStateRefresh;
import aegis.dispatch.ExecutionRetention;
import aegis.dispatch.SimHttp;
import aegis.sim.AsanaSimulator;
import aegis.sim.SimOptions;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import aegis.webhook.SecretBox;
import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The status page in a real browser. The daemon runs with PostgreSQL and the Asana simulator; a
 * person assigns tasks in the simulator and the echo agent answers them by the product's own road
 * (webhook, sync, dispatch), one run is archived by retention, and headless Chromium (the system's
 * {@code chromium} and {@code chromium-driver}, driven by Selenium) signs in with the API key by
 * HTTP Basic, reads the page and opens a run from the table.
 */
class StatusPageBrowserTest {
    private static final String KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    private static final String INSTANCE = "browser-node";
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    private static TestDatabase.Schema schema;
    private static AsanaSimulator sim;
    private static TestApp app;
    private static String apiKey;

    @BeforeAll
    static void setUp() throws Exception {
        schema = TestDatabase.freshSchema("status_page");
        sim = AsanaSimulator.start(0, SimOptions.empty());
        SimHttp person = new SimHttp(sim.rootUrl());
        Map<String, Object> world = person.reset(Map.of("seed", "empty", "projects", 1, "tasksPerProject", 0));
        String bot = (String) world.get("botUser");
        @SuppressWarnings("unchecked")
        String project = ((List<String>) world.get("projects")).get(0);
        // A worker row this instance left when it still ran the command kind: not an idle worker now.
        schema.execute("INSERT INTO agents (name, agent_type, instance_id, status) VALUES ('" + INSTANCE
                + "/command-1', 'command', '" + INSTANCE + "', 'idle')");

        int port = freePort();
        AegisConfig config = new AegisConfig(schema.database(), new AegisConfig.Asana(sim.baseUrl(),
                (String) world.get("token"), (String) world.get("workspace"), Optional.empty(), List.of(project), 1500),
                Optional.of(URI.create("http://127.0.0.1:" + port)), port);
        Map<String, Object> s = new HashMap<>();
        s.put(SecretBox.SETTING, KEY);
        s.put("AEGIS_DEFAULT_AGENT", "echo");
        s.put("AEGIS_INSTANCE_ID", INSTANCE);
        app = TestApp.start(config, Settings.of(s), Map.of("aegis.jobs.enabled", "false"));
        apiKey = app.context().getBean(ApiKeys.class).create("browser").key();
        await("the webhook registered", Duration.ofSeconds(30),
                () -> count("SELECT count(*) FROM webhook_subscriptions WHERE status = 'active'") == 1);

        // One run answered, then moved to the archive by retention, as the nightly job would.
        String old = person.createTask(Map.of("project", project, "name", "Tidy last month's invoices", "assignee", bot));
        await("the first answer", Duration.ofSeconds(30), () -> finished(old));
        app.context().getBean(EventRetention.class).batch(0, 1000);
        assertThat(app.context().getBean(ExecutionRetention.class).batch(0, 1000)).isEqualTo(1);

        for (String name : List.of("Summarise the launch plan", "Draft the <release> notes & FAQ")) {
            String gid = person.createTask(Map.of("project", project, "name", name, "assignee", bot));
            await("the answer to " + name, Duration.ofSeconds(30), () -> finished(gid));
        }
    }

    @AfterAll
    static void tearDown() {
        if (app != null) {
            app.close();
        }
        if (sim != null) {
            sim.close();
        }
        if (schema != null) {
            schema.drop();
        }
    }

    @Test
    void aPersonSignsInReadsThePageAndOpensARun() throws Exception {
        // What the periodic system-state job does (the jobs are off here, so the webhook is the only road in).
        app.context().getBean(SystemStateRefresh.class).run();
        ChromeDriver browser = chromium();
        try {
            // The key as the Basic password: Chromium answers the page's Basic challenge with it.
            browser.get("http://operator:" + apiKey + "@127.0.0.1:" + app.adminPort() + "/");
            assertThat(browser.getTitle()).isEqualTo("Aegis — running");
            screenshot(browser, "status-page.png");

            List<WebElement> rows = browser.findElements(By.cssSelector("#executions-table tbody tr"));
            assertThat(rows).hasSize(3);
            assertThat(rows.stream().map(r -> r.findElement(By.cssSelector("td.task")).getText()).toList())
                    .containsExactly("Draft the <release> notes & FAQ", "Summarise the launch plan",
                            "Tidy last month's invoices");
            WebElement asanaLink = rows.get(1).findElement(By.cssSelector("td.task a"));
            assertThat(asanaLink.getAttribute("href")).as("the task name links to Asana").contains(gidOf(rows.get(1)));
            assertThat(rows.get(2).getText()).contains("archived");

            // The chart: 30 days of bars; today's holds the three finished runs, the archived one included.
            List<WebElement> bars = browser.findElements(By.cssSelector("#chart rect.bar-executions"));
            assertThat(bars).hasSize(30);
            WebElement today = bars.get(29);
            assertThat(today.getAttribute("data-day")).isEqualTo(LocalDate.now(ZoneOffset.UTC).toString());
            assertThat(today.getAttribute("data-value")).isEqualTo("3");
            assertThat(Double.parseDouble(today.getAttribute("height"))).as("the tallest bar").isEqualTo(110.0);
            assertThat(today.getRect().getHeight()).as("drawn, not only written").isGreaterThan(50);
            assertThat(Double.parseDouble(bars.get(0).getAttribute("height"))).isZero();
            assertThat(browser.findElements(By.cssSelector("#chart rect.bar-cost"))).hasSize(30);

            String agents = browser.findElement(By.id("agents")).getText();
            assertThat(agents).contains(INSTANCE + "/echo-1").doesNotContain("command-1")
                    .contains("stopped worker row(s)");
            assertThat(browser.findElement(By.id("governance")).getText()).contains("Pause and budgets");

            // From the table to the run's own page.
            rows.get(1).findElement(By.cssSelector("a.execution-link")).click();
            assertThat(browser.getCurrentUrl()).matches(".*/runs/\\d+$");
            assertThat(browser.findElement(By.id("task-name")).getText()).isEqualTo("Summarise the launch plan");
            List<String> timeline = browser.findElements(By.cssSelector("#timeline li .event-type")).stream()
                    .map(WebElement::getText).toList();
            assertThat(timeline).startsWith("started").contains("completed");
            assertThat(browser.findElement(By.id("result")).getText()).contains("Echo: Summarise the launch plan");
            assertThat(browser.findElement(By.id("facts")).getText()).contains("comment ");
            screenshot(browser, "execution-page.png");

            browser.navigate().back();
            browser.findElements(By.cssSelector("#executions-table tbody tr")).get(2)
                    .findElement(By.cssSelector("a.execution-link")).click();
            assertThat(browser.findElement(By.tagName("main")).getText()).contains("archived")
                    .contains("Tidy last month's invoices").contains("Echo: Tidy last month's invoices");
        } finally {
            browser.quit();
        }
        assertThat(count("SELECT count(*) FROM agents WHERE name = '" + INSTANCE + "/command-1' AND status = 'stopped'"))
                .as("/status too reports the old row stopped, not idle").isEqualTo(1);
    }

    private static String gidOf(WebElement row) {
        long id = Long.parseLong(row.getAttribute("data-execution"));
        return String.valueOf(count("SELECT t.asana_gid::bigint FROM task_executions e JOIN tasks t ON t.id = e.task_id "
                + "WHERE e.id = " + id));
    }

    /** Headless Chromium from the system's packages; its absence is a failure that says how to install it. */
    private static ChromeDriver chromium() throws Exception {
        assertThat(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER))
                .as("the browser test needs Chromium and its driver from the system's packages: "
                        + "sudo apt-get install chromium chromium-driver")
                .isTrue();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        Path profile = Files.createTempDirectory("aegis-chromium-");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1400", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().implicitlyWait(Duration.ofSeconds(2));
        return driver;
    }

    private static void screenshot(ChromeDriver browser, String name) throws Exception {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path dir = Path.of("target", "screenshots");
        Files.createDirectories(dir);
        Files.copy(shot.toPath(), dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    private static boolean finished(String gid) {
        return count("SELECT count(*) FROM task_executions e JOIN tasks t ON t.id = e.task_id WHERE t.asana_gid = '"
                + gid + "' AND e.status = 'completed' AND e.answer_story_gid IS NOT NULL") == 1;
    }

    private static long count(String sql) {
        try (Connection c = schema.connect(); var st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
