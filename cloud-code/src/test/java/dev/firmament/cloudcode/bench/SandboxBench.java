package dev.firmament.cloudcode.bench;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.Parser;
import dev.firmament.cloudcode.Capabilities;
import dev.firmament.cloudcode.CloudCodeModule;
import dev.firmament.cloudcode.Sandbox;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Optional;

/**
 * Cloud code's own cost, in one process, no database: runs of the echo handler per second (each a
 * fresh instance, the event written into its memory, two host calls), and the interpreter's speed
 * on a loop with the sandbox's instruction counting and without it (a plain Chicory instance), as a
 * ratio: what the limits cost. Prints progress and RESULT lines. Not part of the test suite;
 * bench/cloud-code/run.sh runs it.
 *
 * <p>Usage: {@code SandboxBench [SECONDS]} (per measurement, after as long a warm-up).
 */
public final class SandboxBench {
  private SandboxBench() {}

  private static final class Quiet implements Capabilities {
    long published;

    @Override
    public void log(String line) {}

    @Override
    public void publish(String name, String data) {
      published++;
    }

    @Override
    public Optional<String> ledgerGet(String ledger) {
      return Optional.empty();
    }

    @Override
    public void ledgerSet(String ledger, String document) {}
  }

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    byte[] echo = wasm("echo");
    Sandbox.Limits limits = new Sandbox.Limits(Duration.ofSeconds(10), 16, 200_000_000L);
    CloudCodeModule module = CloudCodeModule.load(echo, 16);
    String event =
        "{\"event\":\"temp/room\",\"data\":\"{\\\"t\\\":21.5}\",\"deviceId\":\"dev-1\","
            + "\"publishedAt\":\"2026-12-06T10:00:00Z\",\"source\":\"DEVICE\"}";
    Quiet caps = new Quiet();

    log("warming up the echo handler for %d s", seconds);
    runs(module, event, caps, limits, seconds);
    double perSecond = runs(module, event, caps, limits, seconds);
    System.out.printf(
        "RESULT echo_runs_per_s=%.0f us_per_run=%.1f (a fresh instance, the event written, two host"
            + " calls)%n",
        perSecond, 1e6 / perSecond);

    // The same work (counting to ten million) in the sandbox and in a plain Chicory instance.
    CloudCodeModule count = CloudCodeModule.load(wasm("count"), 16);
    Instance plain = Instance.builder(Parser.parse(wasm("count"))).build();
    String hundred = "x".repeat(100);
    log("warming up the counting loop");
    for (int i = 0; i < 5; i++) {
      Sandbox.run(count, "on_event", hundred, caps, limits);
      plain.export("on_event").apply(1024, 100);
    }
    long start = System.nanoTime();
    Sandbox.Run counted = Sandbox.run(count, "on_event", hundred, caps, limits);
    double countedSeconds = (System.nanoTime() - start) / 1e9;
    start = System.nanoTime();
    plain.export("on_event").apply(1024, 100);
    double plainSeconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "RESULT loop instructions=%d sandbox_s=%.3f plain_s=%.3f sandbox_instructions_per_s=%.0f"
            + " plain/sandbox=%.2f%n",
        counted.instructions(),
        countedSeconds,
        plainSeconds,
        counted.instructions() / countedSeconds,
        plainSeconds / countedSeconds);
  }

  private static double runs(
      CloudCodeModule module, String event, Quiet caps, Sandbox.Limits limits, int seconds) {
    long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    long start = System.nanoTime();
    long n = 0;
    long nextPrint = start + Duration.ofSeconds(5).toNanos();
    while (System.nanoTime() < end) {
      Sandbox.Run run = Sandbox.run(module, "on_event", event, caps, limits);
      if (run.status() != Sandbox.Status.OK) {
        throw new IllegalStateException("echo did not run: " + run);
      }
      n++;
      if (System.nanoTime() > nextPrint) {
        nextPrint = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        log("%d runs", n);
      }
    }
    return n / ((System.nanoTime() - start) / 1e9);
  }

  private static byte[] wasm(String name) throws IOException {
    try (InputStream in = SandboxBench.class.getResourceAsStream("/wasm/" + name + ".wasm")) {
      return in.readAllBytes();
    }
  }

  private static void log(String format, Object... args) {
    System.out.printf("cloud-code-bench: " + format + "%n", args);
  }
}
