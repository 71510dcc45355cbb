package dev.firmament.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.firmament.agent.FleetSimulator;
import dev.firmament.cli.GraphqlClient;
import dev.firmament.devstack.DevStackOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operator console in a real browser (Debian's headless Chromium), against the embedded stack
 * with a simulated fleet: an operator signs in with a token, opens a running rollout, sees its
 * progress move without reloading (the page's numbers come from the rolloutProgress subscription),
 * pauses it from the page and sees the workflow pause, then cancels it; a read-only token sees the
 * same page without controls. A screenshot of every page is kept in {@code
 * target/console-screenshots/}.
 */
class ConsoleBrowserTest {
  private static final int FLEET_SIZE = 12;
  private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

  @TempDir static Path dataDir;
  private static DevServer server;
  private static ChromeDriver browser;

  @BeforeAll
  static void start() {
    Optional<Path> driver = HeadlessChromium.driver();
    Assumptions.assumeTrue(
        driver.isPresent(), () -> "no headless Chromium: " + HeadlessChromium.unavailable());
    server = DevServer.start(DevStackOptions.onFreePorts(dataDir), 0, Map.of());
    browser = HeadlessChromium.start(driver.get());
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void anOperatorWatchesARolloutLiveAndPausesItFromThePage() throws Exception {
    GraphqlClient api = new GraphqlClient(server.graphqlUrl(), server.ownerToken());
    Demo demo = new Demo(System.out);
    Demo.Prepared prepared = demo.prepareProduct(api, Demo.fleetSpecs("console", FLEET_SIZE));
    String productId = prepared.productId();
    try (FleetSimulator fleet =
        FleetSimulator.start(
            server.stack().endpoints().mqttUrl(),
            prepared.devices(),
            Demo.fleetOptions(server, productId))) {
      demo.awaitFleetReported(api, fleet.size());
      demo.uploadIfMissing(api, productId, Demo.FROM_VERSION, "armapp.old");
      demo.uploadIfMissing(api, productId, Demo.TO_VERSION, "armapp.new");
      demo.awaitDeltas(api, productId);
      // One device at a time, at most 12 a minute after a canary of two: slow enough to watch.
      String jobId = createSlowRollout(api, productId);

      // Sign in with the owner's token.
      signInAs(server.ownerToken());
      waitFor(By.cssSelector("#rollouts a[href='#/rollouts/" + jobId + "']"));
      screenshot("rollouts");

      // The running rollout's page: its progress moves while the page stays loaded.
      click(By.cssSelector("a[href='#/rollouts/" + jobId + "']"));
      waitFor(By.cssSelector("[data-stage-done]"));
      wait(Duration.ofSeconds(30)).until(d -> status().equals("RUNNING"));
      int before = stageDone();
      ((org.openqa.selenium.JavascriptExecutor) browser)
          .executeScript("window.__sameDocument = true;");
      wait(Duration.ofSeconds(60)).until(d -> stageDone() >= before + 2);
      assertThat(
              ((org.openqa.selenium.JavascriptExecutor) browser)
                  .executeScript("return window.__sameDocument === true;"))
          .as("the page was not reloaded")
          .isEqualTo(true);
      assertThat(browser.findElement(By.id("live-status")).getText()).contains("live");
      assertThat(browser.findElements(By.cssSelector("#chart polyline"))).isNotEmpty();
      screenshot("rollout-running");

      // Pause from the page: the workflow pauses (its status recorded PAUSED), and no device
      // update starts while it is paused.
      click(By.cssSelector("button[data-control=pause]"));
      wait(Duration.ofSeconds(30)).until(d -> status().equals("PAUSED"));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> job(api, jobId).path("status").asText().equals("PAUSED"));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> job(api, jobId).path("progress").path("inProgress").asInt() == 0);
      int startedWhenPaused = started(api, jobId);
      Thread.sleep(4_000);
      assertThat(started(api, jobId)).isEqualTo(startedWhenPaused);
      assertThat(browser.findElements(By.cssSelector("button[data-control=resume]"))).hasSize(1);
      assertThat(browser.findElements(By.cssSelector("button[data-control=pause]"))).isEmpty();
      screenshot("rollout-paused");

      // Another operator, with a read-only token, sees the rollout without its controls.
      signInAs(readOnlyToken(api));
      browser.get(base() + "/console/#/rollouts/" + jobId);
      waitFor(By.cssSelector("[data-stage-done]"));
      assertThat(browser.findElements(By.cssSelector("button[data-control]"))).isEmpty();
      assertThat(browser.findElement(By.id("controls")).getText()).contains("no control scope");
      assertThat(browser.findElements(By.linkText("Audit log"))).isEmpty();

      // Back as the owner: cancel from the page, confirming the browser's dialog.
      signInAs(server.ownerToken());
      browser.get(base() + "/console/#/rollouts/" + jobId);
      click(By.cssSelector("button[data-control=cancel]"));
      wait(Duration.ofSeconds(10)).until(ExpectedConditions.alertIsPresent()).accept();
      wait(Duration.ofSeconds(60)).until(d -> status().equals("CANCELED"));
      assertThat(job(api, jobId).path("status").asText()).isEqualTo("CANCELED");
      assertThat(browser.findElements(By.cssSelector("button[data-control]"))).isEmpty();
      screenshot("rollout-canceled");

      // The fleet: its version distribution, a device's page with its update history, the
      // firmware with its deltas, the audit log with the page's controls in it.
      browser.get(base() + "/console/#/devices");
      waitFor(By.cssSelector("svg.versions"));
      assertThat(browser.findElement(By.cssSelector("svg.versions")).getText())
          .contains(Demo.FROM_VERSION)
          .contains(Demo.TO_VERSION);
      screenshot("devices");
      String device = prepared.devices().getFirst().deviceId();
      browser.get(base() + "/console/#/devices/" + device);
      waitFor(By.cssSelector("#device-updates a[href='#/rollouts/" + jobId + "']"));
      assertThat(browser.findElement(By.id("device-online")).getText()).isEqualTo("ONLINE");
      screenshot("device");
      browser.get(base() + "/console/#/firmware");
      waitFor(By.cssSelector("table.firmware ul.deltas"));
      assertThat(browser.findElement(By.cssSelector("table.firmware ul.deltas")).getText())
          .contains("from " + Demo.FROM_VERSION);
      screenshot("firmware");
      browser.get(base() + "/console/#/audit");
      waitFor(By.cssSelector("#audit tbody tr"));
      wait(Duration.ofSeconds(10))
          .until(d -> d.findElement(By.id("audit")).getText().contains("pauseOTAJob"));
      screenshot("audit");
    }
  }

  /** The console's answer to a page that does not exist, and its security headers. */
  @Test
  void theConsoleIsServedWithAPolicyThatAllowsOnlyItsOwnFiles() throws Exception {
    java.net.http.HttpResponse<String> page =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(base() + "/console/"))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("js/app.js");
    assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
        .contains("script-src 'self'")
        .contains("frame-ancestors 'none'");
    browser.get(base() + "/console/#/nowhere");
    if (!browser.findElements(By.id("token")).isEmpty()) {
      signInAs(server.ownerToken());
      browser.get(base() + "/console/#/nowhere");
    }
    waitFor(By.tagName("h1"));
    wait(Duration.ofSeconds(10))
        .until(d -> d.findElement(By.tagName("h1")).getText().equals("Not found"));
  }

  private static String createSlowRollout(GraphqlClient api, String productId) {
    return api.execute(
            """
            mutation Roll($input: CreateOTAJobInput!) {
              createOTAJob(input: $input) { job { id } }
            }""",
            Map.of(
                "input",
                Map.of(
                    "productId",
                    productId,
                    "targetVersion",
                    Demo.TO_VERSION,
                    "maxInFlight",
                    1,
                    "stages",
                    List.of(
                        Map.of("name", "canary", "count", 2),
                        Map.of(
                            "name",
                            "fleet",
                            "percent",
                            100,
                            "rate",
                            Map.of("perMinute", 12, "maxPerMinute", 12))))))
        .path("createOTAJob")
        .path("job")
        .path("id")
        .asText();
  }

  private static JsonNode job(GraphqlClient api, String jobId) {
    return api.execute(
            "query J($id: ID!) { firmwareOTAJob(id: $id) { status progress { inProgress }"
                + " stages { started } } }",
            Map.of("id", jobId))
        .path("firmwareOTAJob");
  }

  private static int started(GraphqlClient api, String jobId) {
    int started = 0;
    for (JsonNode stage : job(api, jobId).path("stages")) {
      started += stage.path("started").asInt();
    }
    return started;
  }

  private static String readOnlyToken(GraphqlClient api) {
    return api.execute(
            "mutation { createAPIToken(input: {name: \"console-ro\", scopes: [\"rollouts:read\","
                + " \"devices:read\"], expiresInDays: 1}) { token } }",
            Map.of())
        .path("createAPIToken")
        .path("token")
        .asText();
  }

  /** Signs in on the console's page (signing out first when a session is open). */
  private static void signInAs(String token) {
    browser.get(base() + "/console");
    waitFor(By.cssSelector("#token, #sign-out"));
    List<WebElement> signOut = browser.findElements(By.id("sign-out"));
    if (!signOut.isEmpty()) {
      waitFor(By.id("sign-out")).click();
    }
    waitFor(By.id("token")).sendKeys(token);
    browser.findElement(By.cssSelector("#sign-in button[type=submit]")).click();
    waitFor(By.id("sign-out"));
  }

  private static String base() {
    return "http://127.0.0.1:" + server.port();
  }

  private static WebDriverWait wait(Duration timeout) {
    WebDriverWait wait = new WebDriverWait(browser, timeout);
    // The page redraws its parts on every live event: an element read a moment ago may be gone.
    wait.ignoring(StaleElementReferenceException.class);
    return wait;
  }

  /**
   * Clicks the element once it is there, finding it again when the page redrew it in between (the
   * live pages redraw their parts on every event).
   */
  private static void click(By by) {
    waitFor(by);
    wait(Duration.ofSeconds(30))
        .until(
            d -> {
              d.findElement(by).click();
              return true;
            });
  }

  /** Waits for the element; when it does not come, keeps a screenshot of what the page shows. */
  private static WebElement waitFor(By by) {
    try {
      return wait(Duration.ofSeconds(30)).until(ExpectedConditions.visibilityOfElementLocated(by));
    } catch (org.openqa.selenium.TimeoutException e) {
      try {
        screenshot("failed-wait");
      } catch (IOException | RuntimeException ignored) {
        // The timeout is the failure to report.
      }
      throw e;
    }
  }

  private static String status() {
    List<WebElement> status = browser.findElements(By.id("rollout-status"));
    return status.isEmpty() ? "" : status.getFirst().getText().strip();
  }

  /** Finished devices over the rollout's stages, as the page shows them. */
  private static int stageDone() {
    Object done =
        ((org.openqa.selenium.JavascriptExecutor) browser)
            .executeScript(
                "return [...document.querySelectorAll('[data-stage-done]')]"
                    + ".reduce((sum, e) => sum + Number(e.dataset.stageDone), 0);");
    return ((Number) done).intValue();
  }

  private static void screenshot(String name) throws IOException {
    Files.createDirectories(SCREENSHOTS);
    Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(shot, SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }
}
