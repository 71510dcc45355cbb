package dev.firmament.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium and its chromedriver, for the console's browser tests. When they are
 * missing and this process may install Debian packages (root, with {@code apt-get}), they are
 * installed once, with a line of progress every ten seconds; otherwise the caller skips with {@link
 * #unavailable()}. {@code -Dfirmament.browser.install=false} never installs; {@code
 * -Dfirmament.browser.driver=PATH} names another chromedriver.
 */
final class HeadlessChromium {
  private static final Path DEBIAN_DRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path APT_GET = Path.of("/usr/bin/apt-get");
  private static final Duration INSTALL_LIMIT = Duration.ofMinutes(10);

  private static String unavailable = "not looked for";

  private HeadlessChromium() {}

  /** Why there is no browser, for the skip message. */
  static String unavailable() {
    return unavailable;
  }

  /** The chromedriver to use, installing Debian's when missing and possible. */
  static synchronized Optional<Path> driver() {
    Path driver = Path.of(System.getProperty("firmament.browser.driver", DEBIAN_DRIVER.toString()));
    if (Files.isExecutable(driver)) {
      return Optional.of(driver);
    }
    if (!Boolean.parseBoolean(System.getProperty("firmament.browser.install", "true"))) {
      unavailable = driver + " is missing and installing is turned off";
      return Optional.empty();
    }
    if (!"root".equals(System.getProperty("user.name")) || !Files.isExecutable(APT_GET)) {
      unavailable =
          driver
              + " is missing and this process cannot install Debian packages:"
              + " apt-get install chromium-driver";
      return Optional.empty();
    }
    try {
      try {
        install("install", "-y", "--no-install-recommends", "chromium-driver");
      } catch (IOException first) {
        // A machine whose package lists were never fetched knows no chromium-driver yet.
        System.out.println("console test: " + first.getMessage() + "; updating the package lists");
        install("update");
        install("install", "-y", "--no-install-recommends", "chromium-driver");
      }
    } catch (IOException e) {
      unavailable = "installing chromium-driver failed: " + e.getMessage();
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      unavailable = "interrupted while installing chromium-driver";
      return Optional.empty();
    }
    if (!Files.isExecutable(driver)) {
      unavailable = "chromium-driver was installed but " + driver + " is not there";
      return Optional.empty();
    }
    return Optional.of(driver);
  }

  /**
   * Runs {@code apt-get ARGS}, a line of progress every ten seconds, failing on a non-zero exit.
   */
  private static void install(String... args) throws IOException, InterruptedException {
    Path log = Files.createTempFile("chromium-install", ".log");
    System.out.println(
        "console test: apt-get "
            + String.join(" ", args)
            + " for chromium-driver (log "
            + log
            + ")");
    List<String> command = new java.util.ArrayList<>(List.of(APT_GET.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
    Process process = builder.start();
    long started = System.nanoTime();
    while (!process.waitFor(10, TimeUnit.SECONDS)) {
      long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
      List<String> lines = Files.readAllLines(log);
      System.out.printf(
          "console test: apt-get %s, %d s: %s%n",
          args[0], seconds, lines.isEmpty() ? "" : lines.getLast());
      if (seconds > INSTALL_LIMIT.toSeconds()) {
        process.destroyForcibly();
        throw new IOException("apt-get took longer than " + INSTALL_LIMIT);
      }
    }
    if (process.exitValue() != 0) {
      List<String> lines = Files.readAllLines(log);
      throw new IOException(
          "apt-get exited "
              + process.exitValue()
              + ": "
              + String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size())));
    }
  }

  /** A headless Chromium of a fixed window size, driven through {@code driver}. */
  static ChromeDriver start(Path driver) {
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile()).build();
    ChromeOptions options = new ChromeOptions();
    Path chromium = Path.of("/usr/bin/chromium");
    if (Files.isExecutable(chromium)) {
      options.setBinary(chromium.toFile());
    }
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1600");
    return new ChromeDriver(service, options);
  }
}
