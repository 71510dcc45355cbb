package dev.firmament.cloudcode;

import com.dylibso.chicory.runtime.ExecutionListener;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Runs one handler of a {@link CloudCodeModule} on one event, in a fresh instance (nothing is kept
 * between runs), within its limits: instructions counted one by one, the time checked every {@value
 * #TIME_CHECK_EVERY} instructions and after every host call, memory bounded in pages. A host call
 * that may block (a device's answer) is given what is left of the time and may not wait longer:
 * while it waits no instruction runs, so only the clock bounds it. Whatever the function does, the
 * run ends with a {@link Run} that says how, never with an exception of the function's making.
 */
public final class Sandbox {
  static final int PAGE = 65_536;
  static final int TIME_CHECK_EVERY = 1024;
  static final int MAX_STRING = 65_536;
  static final int MAX_LOG_LINES = 100;
  static final int MAX_LOG_LINE = 1000;

  /** A capability's answers to a function, as negative return codes. */
  public static final int MISSING = -1;

  public static final int TOO_SMALL = -2;

  private Sandbox() {}

  /**
   * The limits of one run.
   *
   * @param time the most it may take, host calls included
   * @param memoryPages the most memory it may have, in pages of 64 KiB
   * @param instructions the most WebAssembly instructions it may execute
   */
  public record Limits(Duration time, int memoryPages, long instructions) {
    public Limits {
      if (time.isNegative()
          || time.isZero()
          || memoryPages < 1
          || memoryPages > MemoryLimits.MAX_PAGES
          || instructions < 1) {
        throw new IllegalArgumentException(
            "cloud code limits: a positive time, 1 to "
                + MemoryLimits.MAX_PAGES
                + " memory pages and at least one instruction");
      }
    }
  }

  /** How a run ended. */
  public enum Status {
    /** The handler returned 0. */
    OK,
    /** The handler returned another code: the function says it failed. */
    FAILED,
    /** It trapped: unreachable, out-of-bounds memory, the call stack exhausted, a bad host call. */
    TRAPPED,
    /** It ran out of its time. */
    TIMED_OUT,
    /** It executed its most instructions. */
    INSTRUCTIONS_EXHAUSTED,
    /** It trapped with its memory at the most it may have. */
    MEMORY_EXHAUSTED
  }

  /**
   * One run.
   *
   * @param message what happened, for the function's owner (null when it returned 0)
   * @param returnCode what the handler returned, when it returned
   * @param log the lines it logged (at most {@value #MAX_LOG_LINES}, each at most {@value
   *     #MAX_LOG_LINE} characters), and what its host calls were refused
   */
  public record Run(
      Status status,
      String message,
      Integer returnCode,
      long instructions,
      Duration took,
      List<String> log) {}

  /** Stops a run from inside the interpreter or a host call. */
  private static final class Stop extends RuntimeException {
    final Status status;

    Stop(Status status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  /** Counts instructions and watches the clock. */
  private static final class Budget implements ExecutionListener {
    private final long maxInstructions;
    private final long deadline;
    private final Duration time;
    long used;

    Budget(Limits limits, long start) {
      this.maxInstructions = limits.instructions();
      this.time = limits.time();
      this.deadline = start + limits.time().toNanos();
    }

    @Override
    public void onExecution(
        com.dylibso.chicory.wasm.types.Instruction instruction,
        com.dylibso.chicory.runtime.MStack stack) {
      if (++used > maxInstructions) {
        throw new Stop(
            Status.INSTRUCTIONS_EXHAUSTED,
            "stopped after " + maxInstructions + " instructions, its limit");
      }
      if (used % TIME_CHECK_EVERY == 0) {
        checkTime();
      }
    }

    void checkTime() {
      if (System.nanoTime() > deadline) {
        throw timedOut();
      }
    }

    /**
     * What is left of the run's time, for a host call that may block: it must return within it. A
     * run with nothing left stops here, before the call is made.
     */
    Duration left() {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw timedOut();
      }
      return Duration.ofNanos(left);
    }

    private Stop timedOut() {
      return new Stop(Status.TIMED_OUT, "stopped after " + time.toMillis() + " ms, its time limit");
    }
  }

  /** Runs {@code handler} with {@code event}. */
  public static Run run(
      CloudCodeModule module,
      String handler,
      String event,
      Capabilities capabilities,
      Limits limits) {
    if (!module.handlers().contains(handler)) {
      throw new IllegalArgumentException(
          "the module has no handler " + handler + "; it has " + module.handlers());
    }
    long start = System.nanoTime();
    Budget budget = new Budget(limits, start);
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    Instance instance = null;
    try {
      instance =
          Instance.builder(module.module())
              .withMemoryLimits(new MemoryLimits(module.initialPages(), limits.memoryPages()))
              .withImportValues(hostFunctions(capabilities, log, budget))
              .withUnsafeExecutionListener(budget)
              .build();
      byte[] input = event.getBytes(StandardCharsets.UTF_8);
      int pointer = (int) instance.export("alloc").apply(input.length)[0];
      Memory memory = instance.memory();
      if (pointer < 0 || (long) pointer + input.length > (long) memory.pages() * PAGE) {
        throw new Stop(
            Status.TRAPPED,
            "alloc(" + input.length + ") returned " + pointer + ", outside its memory");
      }
      memory.write(pointer, input);
      ExportFunction function = instance.export(handler);
      int code = (int) function.apply(pointer, input.length)[0];
      return new Run(
          code == 0 ? Status.OK : Status.FAILED,
          code == 0 ? null : handler + " returned " + code,
          code,
          budget.used,
          Duration.ofNanos(System.nanoTime() - start),
          List.copyOf(log));
    } catch (StackOverflowError e) {
      return ended(Status.TRAPPED, "the call stack was exhausted", budget, start, log);
    } catch (RuntimeException e) {
      Stop stop = stopIn(e);
      if (stop != null) {
        return ended(stop.status, stop.getMessage(), budget, start, log);
      }
      if (instance != null && atMemoryLimit(instance, limits)) {
        return ended(
            Status.MEMORY_EXHAUSTED,
            "trapped with its memory at "
                + limits.memoryPages()
                + " pages of 64 KiB, its limit ("
                + describe(e)
                + ")",
            budget,
            start,
            log);
      }
      return ended(Status.TRAPPED, "trapped: " + describe(e), budget, start, log);
    }
  }

  private static boolean atMemoryLimit(Instance instance, Limits limits) {
    try {
      return instance.memory().pages() >= limits.memoryPages();
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static Run ended(
      Status status, String message, Budget budget, long start, List<String> log) {
    return new Run(
        status,
        message,
        null,
        budget.used,
        Duration.ofNanos(System.nanoTime() - start),
        List.copyOf(log));
  }

  private static Stop stopIn(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof Stop stop) {
        return stop;
      }
    }
    return null;
  }

  private static String describe(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getMessage() == null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  private static ImportValues hostFunctions(Capabilities caps, List<String> log, Budget budget) {
    return ImportValues.builder()
        .addFunction(
            new HostFunction(
                CloudCodeModule.HOST_MODULE,
                "log",
                CloudCodeModule.HOST_FUNCTIONS.get("log"),
                (instance, args) -> {
                  String line = string(instance, args[0], args[1]);
                  append(log, line);
                  caps.log(line.length() > MAX_LOG_LINE ? line.substring(0, MAX_LOG_LINE) : line);
                  budget.checkTime();
                  return null;
                }),
            new HostFunction(
                CloudCodeModule.HOST_MODULE,
                "publish",
                CloudCodeModule.HOST_FUNCTIONS.get("publish"),
                (instance, args) ->
                    answer(
                        log,
                        budget,
                        () -> {
                          caps.publish(
                              string(instance, args[0], args[1]),
                              string(instance, args[2], args[3]));
                          return 0;
                        })),
            new HostFunction(
                CloudCodeModule.HOST_MODULE,
                "ledger_get",
                CloudCodeModule.HOST_FUNCTIONS.get("ledger_get"),
                (instance, args) ->
                    answer(
                        log,
                        budget,
                        () -> {
                          Optional<String> document =
                              caps.ledgerGet(string(instance, args[0], args[1]));
                          if (document.isEmpty()) {
                            return MISSING;
                          }
                          byte[] bytes = document.get().getBytes(StandardCharsets.UTF_8);
                          if (bytes.length > args[3]) {
                            return TOO_SMALL;
                          }
                          writable(instance, args[2], bytes.length);
                          instance.memory().write((int) args[2], bytes);
                          return bytes.length;
                        })),
            new HostFunction(
                CloudCodeModule.HOST_MODULE,
                "ledger_set",
                CloudCodeModule.HOST_FUNCTIONS.get("ledger_set"),
                (instance, args) ->
                    answer(
                        log,
                        budget,
                        () -> {
                          caps.ledgerSet(
                              string(instance, args[0], args[1]),
                              string(instance, args[2], args[3]));
                          return 0;
                        })))
        .addFunction(
            new HostFunction(
                CloudCodeModule.HOST_MODULE,
                "http_post",
                CloudCodeModule.HOST_FUNCTIONS.get("http_post"),
                (instance, args) ->
                    answer(
                        log,
                        budget,
                        () -> {
                          // The answer's length (4 bytes, little-endian), then its bytes, as many
                          // as fit in out_cap.
                          if (args[5] < 4) {
                            return TOO_SMALL;
                          }
                          Capabilities.HttpAnswer answer =
                              caps.httpPost(
                                  string(instance, args[0], args[1]),
                                  string(instance, args[2], args[3]),
                                  budget.left());
                          int n = (int) Math.min(answer.body().length, args[5] - 4);
                          writable(instance, args[4], 4L + n);
                          byte[] out = new byte[4 + n];
                          out[0] = (byte) n;
                          out[1] = (byte) (n >>> 8);
                          out[2] = (byte) (n >>> 16);
                          out[3] = (byte) (n >>> 24);
                          System.arraycopy(answer.body(), 0, out, 4, n);
                          instance.memory().write((int) args[4], out);
                          return answer.status();
                        })),
            new HostFunction(
                CloudCodeModule.HOST_MODULE,
                "call_function",
                CloudCodeModule.HOST_FUNCTIONS.get("call_function"),
                (instance, args) ->
                    answer(
                        log,
                        budget,
                        () -> {
                          String device = string(instance, args[0], args[1]);
                          String function = string(instance, args[2], args[3]);
                          String argument = string(instance, args[4], args[5]);
                          // Checked before the call: a device is never called for an answer that
                          // could not be written.
                          writable(instance, args[6], 4);
                          int value = caps.callFunction(device, function, argument, budget.left());
                          instance.memory().writeI32((int) args[6], value);
                          return 0;
                        })))
        .build();
  }

  @FunctionalInterface
  private interface HostCall {
    int call();
  }

  /** A host call's return code: its own, or a refusal's (logged); then the clock is checked. */
  private static long[] answer(List<String> log, Budget budget, HostCall call) {
    int code;
    try {
      code = call.call();
    } catch (Capabilities.Refused refused) {
      append(log, "refused: " + refused.getMessage());
      code = refused.code();
    }
    budget.checkTime();
    return new long[] {code};
  }

  private static void append(List<String> log, String line) {
    if (log.size() < MAX_LOG_LINES) {
      log.add(line.length() > MAX_LOG_LINE ? line.substring(0, MAX_LOG_LINE) : line);
    }
  }

  /** A string the function passed: bounds checked, so a bad pointer traps, never reads beyond. */
  private static String string(Instance instance, long pointer, long length) {
    if (length < 0 || length > MAX_STRING) {
      throw new Stop(
          Status.TRAPPED,
          "a host call was given a string of " + length + " bytes (at most " + MAX_STRING + ")");
    }
    readable(instance, pointer, length);
    return instance.memory().readString((int) pointer, (int) length, StandardCharsets.UTF_8);
  }

  private static void readable(Instance instance, long pointer, long length) {
    if (pointer < 0 || pointer + length > (long) instance.memory().pages() * PAGE) {
      throw new Stop(
          Status.TRAPPED,
          "a host call was given memory outside the function's: " + pointer + "+" + length);
    }
  }

  private static void writable(Instance instance, long pointer, long length) {
    readable(instance, pointer, length);
  }
}
