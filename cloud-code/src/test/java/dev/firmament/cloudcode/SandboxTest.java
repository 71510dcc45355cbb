package dev.firmament.cloudcode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.cloudcode.Sandbox.Limits;
import dev.firmament.cloudcode.Sandbox.Run;
import dev.firmament.cloudcode.Sandbox.Status;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The sandbox on real WebAssembly (src/test/wat, compiled to src/test/resources/wasm): what a
 * function may do through its capabilities, and every way a runaway or hostile one is stopped.
 */
class SandboxTest {
  private static final Limits LIMITS = new Limits(Duration.ofSeconds(5), 16, 10_000_000);

  /** Capabilities that remember what a function did; refuse all publishing when told to. */
  static class Recorded implements Capabilities {
    final List<String> published = new ArrayList<>();
    final List<String> logged = new ArrayList<>();
    final Map<String, String> ledgers = new HashMap<>();
    boolean refusePublish;

    @Override
    public void log(String line) {
      logged.add(line);
    }

    @Override
    public void publish(String name, String data) {
      if (refusePublish) {
        throw new Refused(-3, "publishing " + name + " is not allowed");
      }
      published.add(name + "=" + data);
    }

    @Override
    public Optional<String> ledgerGet(String ledger) {
      return Optional.ofNullable(ledgers.get(ledger));
    }

    @Override
    public void ledgerSet(String ledger, String document) {
      ledgers.put(ledger, document);
    }

    final Map<String, HttpAnswer> http = new HashMap<>();
    final List<Duration> postWaits = new ArrayList<>();

    @Override
    public HttpAnswer httpPost(String url, String body, Duration within) {
      HttpAnswer answer = http.get(url);
      if (answer == null) {
        throw new Refused(-3, url + " is not one of this function's targets");
      }
      published.add("posted " + body + " to " + url);
      postWaits.add(within);
      return answer;
    }

    /** What each device answers, by id; a device not here is refused as not allowed. */
    final Map<String, Integer> devices = new HashMap<>();

    final List<String> called = new ArrayList<>();
    final List<Duration> waits = new ArrayList<>();

    @Override
    public int callFunction(String deviceId, String function, String argument, Duration within) {
      Integer value = devices.get(deviceId);
      if (value == null) {
        throw new Refused(-3, "device " + deviceId + " is not one this function may call");
      }
      called.add(deviceId + " " + function + "(" + argument + ")");
      waits.add(within);
      return value;
    }
  }

  static byte[] wasm(String name) {
    try (InputStream in = SandboxTest.class.getResourceAsStream("/wasm/" + name + ".wasm")) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static CloudCodeModule module(String name) {
    return CloudCodeModule.load(wasm(name), LIMITS.memoryPages());
  }

  @Test
  void aFunctionPublishesAndLogsThroughItsCapabilities() {
    Recorded caps = new Recorded();
    Run run = Sandbox.run(module("echo"), "on_event", "{\"t\":21.5}", caps, LIMITS);
    assertThat(run.status()).isEqualTo(Status.OK);
    assertThat(run.returnCode()).isZero();
    assertThat(run.message()).isNull();
    assertThat(caps.published).containsExactly("cloud/echo={\"t\":21.5}");
    assertThat(caps.logged).containsExactly("echoing");
    assertThat(run.log()).containsExactly("echoing");
    assertThat(run.instructions()).isPositive().isLessThan(1000);
    assertThat(run.took()).isPositive().isLessThan(LIMITS.time());
    assertThat(module("echo").handlers()).containsExactly("on_event");
  }

  @Test
  void aRefusedCapabilityIsANegativeCodeTheFunctionSeesAndTheLogSays() {
    Recorded caps = new Recorded();
    caps.refusePublish = true;
    Run run = Sandbox.run(module("echo"), "on_event", "x", caps, LIMITS);
    assertThat(run.status()).isEqualTo(Status.FAILED);
    assertThat(run.returnCode()).isEqualTo(-3);
    assertThat(run.message()).isEqualTo("on_event returned -3");
    assertThat(run.log()).contains("refused: publishing cloud/echo is not allowed");
    assertThat(caps.published).isEmpty();
  }

  @Test
  void aFunctionReadsAndWritesALedger() {
    Recorded caps = new Recorded();
    Run run = Sandbox.run(module("ledger"), "on_event", "{\"count\":3}", caps, LIMITS);
    assertThat(run.status()).isEqualTo(Status.OK);
    assertThat(caps.ledgers).containsEntry("state", "{\"count\":3}");
    assertThat(caps.published).containsExactly("cloud/ledger={\"count\":3}");
    // A document larger than the function's buffer (1,024 bytes) is not written into it.
    Run large = Sandbox.run(module("ledger"), "on_event", "x".repeat(1025), caps, LIMITS);
    assertThat(large.status()).isEqualTo(Status.FAILED);
    assertThat(large.returnCode()).isEqualTo(Sandbox.TOO_SMALL);
    // One that fills the buffer exactly is.
    Run full = Sandbox.run(module("ledger"), "on_event", "y".repeat(1024), caps, LIMITS);
    assertThat(full.status()).isEqualTo(Status.OK);
    assertThat(caps.published.getLast()).isEqualTo("cloud/ledger=" + "y".repeat(1024));
    // A ledger that does not exist is MISSING.
    Run missing = Sandbox.run(module("hostile"), "read_past_the_end", "x", new Recorded(), LIMITS);
    assertThat(missing.status()).isEqualTo(Status.FAILED);
    assertThat(missing.returnCode()).isEqualTo(Sandbox.MISSING);
  }

  @Test
  void aHostCallThatOutlastsTheTimeStopsTheRun() {
    Recorded slow =
        new Recorded() {
          @Override
          public void publish(String name, String data) {
            try {
              Thread.sleep(300);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            super.publish(name, data);
          }

          @Override
          public void log(String line) {
            publish("log", line);
          }
        };
    Limits quick = new Limits(Duration.ofMillis(100), 16, 10_000_000);
    Run run = Sandbox.run(module("echo"), "on_event", "x", slow, quick);
    assertThat(run.status()).isEqualTo(Status.TIMED_OUT);
    // Stopped after the first host call (log), before its publish.
    assertThat(slow.published).containsExactly("log=echoing");
    // A slow last call too: the run took longer than it may, though the function then returned.
    Recorded slowPublish =
        new Recorded() {
          @Override
          public void publish(String name, String data) {
            try {
              Thread.sleep(300);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            super.publish(name, data);
          }
        };
    assertThat(Sandbox.run(module("echo"), "on_event", "x", slowPublish, quick).status())
        .isEqualTo(Status.TIMED_OUT);
  }

  @Test
  void aFunctionCallsAnHttpTargetItIsAllowedAndReadsTheAnswer() {
    Recorded caps = new Recorded();
    caps.http.put("https://ok.example/hook", new Capabilities.HttpAnswer(200, "pong".getBytes()));
    caps.http.put("https://big.example/hook", new Capabilities.HttpAnswer(200, new byte[5000]));
    caps.http.put("https://down.example/hook", new Capabilities.HttpAnswer(503, new byte[0]));
    Run ok = Sandbox.run(module("http"), "on_event", "https://ok.example/hook", caps, LIMITS);
    assertThat(ok.status()).isEqualTo(Status.OK);
    assertThat(caps.published)
        .containsExactly("posted ping to https://ok.example/hook", "cloud/http=pong");
    // The post is given what is left of the run's time, never more.
    assertThat(caps.postWaits)
        .singleElement()
        .satisfies(within -> assertThat(within).isPositive().isLessThanOrEqualTo(LIMITS.time()));
    // An answer larger than the buffer: as much as fits (1,024 less the length's 4 bytes).
    Run big = Sandbox.run(module("http"), "on_event", "https://big.example/hook", caps, LIMITS);
    assertThat(big.status()).isEqualTo(Status.OK);
    assertThat(caps.published.getLast()).hasSize("cloud/http=".length() + 1020);
    Run down = Sandbox.run(module("http"), "on_event", "https://down.example/hook", caps, LIMITS);
    assertThat(down.returnCode()).isEqualTo(503);
    // Room for the length alone: the length is written, none of the answer.
    Run lengthOnly =
        Sandbox.run(module("http"), "length_only", "https://ok.example/hook", caps, LIMITS);
    assertThat(lengthOnly.status()).isEqualTo(Status.OK);
    // Less room than the length needs: refused before anything is posted.
    int posts = caps.published.size();
    Run noRoom = Sandbox.run(module("http"), "no_room", "https://ok.example/hook", caps, LIMITS);
    assertThat(noRoom.returnCode()).isEqualTo(Sandbox.TOO_SMALL);
    assertThat(caps.published).hasSize(posts);
    // Room that runs past the end of memory: the answer (4 bytes and "pong") would not fit.
    Run outside =
        Sandbox.run(module("http"), "answer_outside", "https://ok.example/hook", caps, LIMITS);
    assertThat(outside.status()).isEqualTo(Status.TRAPPED);
    assertThat(outside.message())
        .isEqualTo("a host call was given memory outside the function's: 65532+8");
    Run refused = Sandbox.run(module("http"), "on_event", "https://evil.example/", caps, LIMITS);
    assertThat(refused.returnCode()).isEqualTo(-3);
    assertThat(refused.log())
        .contains("refused: https://evil.example/ is not one of this function's targets");
    // Capabilities that offer no HTTP refuse it.
    Capabilities none =
        new Capabilities() {
          @Override
          public void log(String line) {}

          @Override
          public void publish(String name, String data) {}

          @Override
          public Optional<String> ledgerGet(String ledger) {
            return Optional.empty();
          }

          @Override
          public void ledgerSet(String ledger, String document) {}
        };
    assertThat(
            Sandbox.run(module("http"), "on_event", "https://ok.example/hook", none, LIMITS)
                .returnCode())
        .isEqualTo(-3);
  }

  @Test
  void aFunctionCallsDeviceFunctionsAndReadsTheirReturnValues() {
    Recorded caps = new Recorded();
    caps.devices.put("dev-1", 1);
    caps.devices.put("dev-2", -5);
    caps.devices.put("dev-3", Integer.MIN_VALUE);
    caps.devices.put("dev-4", Integer.MAX_VALUE);
    String event =
        "{\"event\":\"go\",\"data\":\"dev-1 led on;dev-2 setInterval 42 s;dev-3 reboot;"
            + "dev-9 led on;dev-4 led\",\"deviceId\":null}";
    Run run = Sandbox.run(module("device"), "on_event", event, caps, LIMITS);
    assertThat(run.status()).isEqualTo(Status.OK);
    // Each argument as it was given (the rest after the function's name, spaces and all; none
    // when left out), and every return value as the device gave it, negative ones too.
    assertThat(caps.called)
        .containsExactly(
            "dev-1 led(on)", "dev-2 setInterval(42 s)", "dev-3 reboot()", "dev-4 led()");
    assertThat(run.log())
        .containsExactly(
            "dev-1: 0 1",
            "dev-2: 0 -5",
            "dev-3: 0 -2147483648",
            "refused: device dev-9 is not one this function may call",
            "dev-9: -3",
            "dev-4: 0 2147483647");
    // Each call may wait what is left of the run's time, no more.
    assertThat(caps.waits)
        .allSatisfy(within -> assertThat(within).isPositive().isLessThanOrEqualTo(LIMITS.time()));
    assertThat(caps.waits.getLast()).isLessThanOrEqualTo(caps.waits.getFirst());
    // The value is the answer's; the code says whether there is one.
    assertThat(Sandbox.run(module("device"), "direct", "on", caps, LIMITS).returnCode())
        .isEqualTo(1);
    assertThat(caps.called.getLast()).isEqualTo("dev-1 led(on)");
    caps.devices.put("dev-1", 0);
    assertThat(Sandbox.run(module("device"), "direct", "off", caps, LIMITS).status())
        .isEqualTo(Status.OK);
  }

  @Test
  void aDeviceCallsAnswerGoesOnlyWhereItFitsAndTheDeviceIsNotCalledOtherwise() {
    Recorded caps = new Recorded();
    caps.devices.put("dev-1", 0x04030201);
    Run outside = Sandbox.run(module("device"), "answer_outside", "on", caps, LIMITS);
    assertThat(outside.status()).isEqualTo(Status.TRAPPED);
    assertThat(outside.message())
        .isEqualTo("a host call was given memory outside the function's: 65533+4");
    assertThat(caps.called).isEmpty();
    // The last four bytes of memory, little-endian.
    Run atEnd = Sandbox.run(module("device"), "answer_at_end", "on", caps, LIMITS);
    assertThat(atEnd.returnCode()).isEqualTo(0x04030201);
    assertThat(caps.called).containsExactly("dev-1 led(on)");
  }

  @Test
  void aDeviceCallIsRefusedUnlessTheCapabilitiesAllowDevices() {
    Capabilities none =
        new Capabilities() {
          @Override
          public void log(String line) {}

          @Override
          public void publish(String name, String data) {}

          @Override
          public Optional<String> ledgerGet(String ledger) {
            return Optional.empty();
          }

          @Override
          public void ledgerSet(String ledger, String document) {}
        };
    Run run = Sandbox.run(module("device"), "direct", "on", none, LIMITS);
    assertThat(run.returnCode()).isEqualTo(-3);
    assertThat(run.log()).containsExactly("refused: this function may not call device functions");
  }

  @Test
  void aDeviceCallNeverLetsTheRunOutliveItsTime() {
    // No time left when the call is made: the run stops before the device is called.
    Recorded caps = new Recorded();
    caps.devices.put("dev-1", 1);
    Run late =
        Sandbox.run(
            module("device"),
            "direct",
            "on",
            caps,
            new Limits(Duration.ofNanos(1), 16, 10_000_000));
    assertThat(late.status()).isEqualTo(Status.TIMED_OUT);
    assertThat(caps.called).isEmpty();
    // A device that takes all the time it is given: the run ends at its limit, however the
    // function would have gone on.
    Recorded slow =
        new Recorded() {
          @Override
          public int callFunction(
              String deviceId, String function, String argument, Duration within) {
            try {
              Thread.sleep(within.toMillis() + 1);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            throw new Refused(-7, "device " + deviceId + " did not answer in time");
          }
        };
    Limits quick = new Limits(Duration.ofMillis(300), 16, 10_000_000);
    Run run =
        Sandbox.run(module("device"), "until_answered", "{\"data\":\"dev-1 led on\"}", slow, quick);
    assertThat(run.status()).isEqualTo(Status.TIMED_OUT);
    assertThat(run.log()).containsExactly("refused: device dev-1 did not answer in time");
    assertThat(run.took()).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    assertThat(run.took()).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void aFunctionThatLoopsForeverIsStoppedByItsInstructions() {
    Run run = Sandbox.run(module("loop"), "on_event", "x", new Recorded(), LIMITS);
    assertThat(run.status()).isEqualTo(Status.INSTRUCTIONS_EXHAUSTED);
    assertThat(run.message()).contains("10000000 instructions");
    assertThat(run.instructions()).isEqualTo(10_000_001);
    assertThat(run.returnCode()).isNull();
  }

  @Test
  void aFunctionThatLoopsForeverIsStoppedByItsTime() {
    Limits quick = new Limits(Duration.ofMillis(200), 16, Long.MAX_VALUE);
    Run run = Sandbox.run(module("loop"), "on_event", "x", new Recorded(), quick);
    assertThat(run.status()).isEqualTo(Status.TIMED_OUT);
    assertThat(run.message()).contains("200 ms");
    assertThat(run.took()).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    assertThat(run.took()).isLessThan(Duration.ofSeconds(30));
  }

  @Test
  void aFunctionThatAllocatesWithoutBoundIsStoppedAtItsMemory() {
    Limits small = new Limits(Duration.ofSeconds(5), 4, 10_000_000);
    Run run =
        Sandbox.run(CloudCodeModule.load(wasm("hog"), 4), "on_event", "x", new Recorded(), small);
    assertThat(run.status()).isEqualTo(Status.MEMORY_EXHAUSTED);
    assertThat(run.message()).contains("4 pages");
  }

  @Test
  void aFunctionThatRecursesWithoutEndTraps() {
    Run run = Sandbox.run(module("recurse"), "on_event", "x", new Recorded(), LIMITS);
    assertThat(run.status()).isEqualTo(Status.TRAPPED);
    assertThat(run.message()).contains("call stack exhausted");
  }

  @Test
  void theEventsAroundARunawayAreStillProcessed() {
    Recorded caps = new Recorded();
    assertThat(Sandbox.run(module("echo"), "on_event", "before", caps, LIMITS).status())
        .isEqualTo(Status.OK);
    assertThat(Sandbox.run(module("loop"), "on_event", "x", caps, LIMITS).status())
        .isEqualTo(Status.INSTRUCTIONS_EXHAUSTED);
    assertThat(Sandbox.run(module("hog"), "on_event", "x", caps, LIMITS).status())
        .isEqualTo(Status.MEMORY_EXHAUSTED);
    assertThat(Sandbox.run(module("echo"), "on_event", "after", caps, LIMITS).status())
        .isEqualTo(Status.OK);
    assertThat(caps.published).containsExactly("cloud/echo=before", "cloud/echo=after");
  }

  @Test
  void hostCallsWithMemoryOutsideTheFunctionsTrapAndReachNothing() {
    Recorded caps = new Recorded();
    caps.ledgers.put("state", "{\"a\":1}");
    CloudCodeModule hostile = module("hostile");
    for (String handler :
        List.of(
            "past_the_end",
            "negative_pointer",
            "negative_length",
            "too_long",
            "read_past_the_end")) {
      Run run = Sandbox.run(hostile, handler, "x", caps, LIMITS);
      assertThat(run.status()).as(handler).isEqualTo(Status.TRAPPED);
      assertThat(run.message()).as(handler).startsWith("a host call was given");
    }
    assertThat(Sandbox.run(hostile, "too_long", "x", caps, LIMITS).message())
        .contains("65537 bytes");
    assertThat(caps.published).isEmpty();
    assertThat(caps.logged).isEmpty();
    // Up to the last byte of memory, and the longest string, are fine.
    assertThat(Sandbox.run(hostile, "to_the_end", "x", caps, LIMITS).status()).isEqualTo(Status.OK);
    assertThat(caps.published).hasSize(1);
    assertThat(Sandbox.run(hostile, "longest", "x", caps, LIMITS).status()).isEqualTo(Status.OK);
    assertThat(caps.logged.getLast()).hasSize(Sandbox.MAX_LOG_LINE);
  }

  @Test
  void theLogKeepsItsFirstLinesEachCutToItsLength() {
    Recorded caps = new Recorded();
    Run run = Sandbox.run(module("hostile"), "chatty", "y".repeat(1500), caps, LIMITS);
    assertThat(run.status()).isEqualTo(Status.OK);
    assertThat(run.log()).hasSize(Sandbox.MAX_LOG_LINES);
    assertThat(run.log().getFirst()).hasSize(Sandbox.MAX_LOG_LINE);
    assertThat(caps.logged).hasSize(150);
    assertThat(caps.logged.getFirst()).hasSize(Sandbox.MAX_LOG_LINE);
    Run shortLines = Sandbox.run(module("hostile"), "chatty", "z".repeat(1000), caps, LIMITS);
    assertThat(shortLines.log().getFirst()).hasSize(1000);
  }

  @Test
  void anAllocThatAnswersOutsideMemoryTraps() {
    Run run = Sandbox.run(module("badalloc"), "on_event", "xy", new Recorded(), LIMITS);
    assertThat(run.status()).isEqualTo(Status.TRAPPED);
    assertThat(run.message()).isEqualTo("alloc(2) returned 65535, outside its memory");
    assertThat(Sandbox.run(module("badalloc"), "on_event", "x", new Recorded(), LIMITS).status())
        .as("one byte at the last address fits")
        .isEqualTo(Status.OK);
    assertThat(Sandbox.run(module("zeroalloc"), "on_event", "x", new Recorded(), LIMITS).status())
        .as("the first address is one")
        .isEqualTo(Status.OK);
  }

  @Test
  void aRefusalIsNegative() {
    assertThat(new Capabilities.Refused(-1, "no").code()).isEqualTo(-1);
    assertThatThrownBy(() -> new Capabilities.Refused(0, "no"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aFunctionThatWantsTheFileSystemIsRefusedWhenLoaded() {
    assertThatThrownBy(() -> module("files"))
        .isInstanceOf(CloudCodeException.class)
        .hasMessageContaining("wasi_snapshot_preview1.path_open")
        .hasMessageContaining("no file system");
  }

  @Test
  void modulesThatCannotRunHereAreRefusedWithWhy() {
    assertThatThrownBy(() -> CloudCodeModule.load(new byte[0], 16)).hasMessageContaining("empty");
    assertThatThrownBy(() -> CloudCodeModule.load("not wasm".getBytes(), 16))
        .isInstanceOf(CloudCodeException.class)
        .hasMessageContaining("not a WebAssembly module");
    assertThatThrownBy(() -> CloudCodeModule.load(new byte[CloudCodeModule.MAX_BYTES + 1], 16))
        .hasMessageContaining("at most " + CloudCodeModule.MAX_BYTES);
    // echo's memory starts at one page, more than a limit of none allows.
    assertThatThrownBy(() -> CloudCodeModule.load(wasm("echo"), 0))
        .hasMessageContaining("starts at 1 pages");
    assertThat(CloudCodeModule.load(wasm("echo"), 1).handlers()).containsExactly("on_event");
    assertThatThrownBy(() -> new Limits(Duration.ofSeconds(1), 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Limits(Duration.ZERO, 1, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Limits(Duration.ofSeconds(1), 1, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Limits(Duration.ofSeconds(1), 65_537, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(new Limits(Duration.ofNanos(1), 1, 1).memoryPages()).isEqualTo(1);
    assertThat(new Limits(Duration.ofSeconds(1), 65_536, 1).memoryPages()).isEqualTo(65_536);
    // The largest module is parsed (and this one is no module at all).
    assertThatThrownBy(() -> CloudCodeModule.load(new byte[CloudCodeModule.MAX_BYTES], 16))
        .hasMessageContaining("not a WebAssembly module");
    assertThatThrownBy(() -> Sandbox.run(module("echo"), "nope", "x", new Recorded(), LIMITS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no handler nope");
  }
}
