package dev.firmament.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code firmament rollouts watch} prints for each {@code rolloutProgress} event: one line per
 * stage. On a terminal the block of stage lines is redrawn in place; elsewhere (a pipe, a log, a
 * test) a stage's line is printed again only when it changed, so that the output is a readable
 * history rather than a flood.
 */
final class RolloutProgressView {
  private static final int BAR = 20;

  private final PrintStream out;
  private final boolean terminal;
  private final Map<Integer, String> printed = new HashMap<>();
  private String lastStatus;
  private int drawnLines;

  RolloutProgressView(PrintStream out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  void show(JsonNode event) {
    String status = event.path("status").asText();
    List<String> lines = new ArrayList<>();
    String header = header(event);
    lines.add(header);
    for (JsonNode stage : event.path("stages")) {
      lines.add(stageLine(stage, live(event, stage)));
    }
    if (terminal) {
      if (drawnLines > 0) {
        out.print("\u001b[" + drawnLines + "F");
      }
      for (String line : lines) {
        out.print(line + "\u001b[K\n");
      }
      drawnLines = lines.size();
      out.flush();
      return;
    }
    if (!status.equals(lastStatus)) {
      out.println(header);
      lastStatus = status;
    }
    for (JsonNode stage : event.path("stages")) {
      String line = stageLine(stage, live(event, stage));
      if (!line.equals(printed.put(stage.path("index").asInt(), line))) {
        out.println(line);
      }
    }
    out.flush();
  }

  /** The last line: the rollout's final status and its numbers, and why it stopped. */
  void finish(JsonNode event) {
    JsonNode p = event.path("progress");
    out.printf(
        "rollout %s %s: %d succeeded, %d skipped, %d failed, %d timed out of %d%n",
        event.path("job").path("id").asText(),
        event.path("status").asText(),
        p.path("succeeded").asInt(),
        p.path("skipped").asInt(),
        p.path("failed").asInt(),
        p.path("timedOut").asInt(),
        event.path("job").path("totalDevices").asInt());
    String stopReason = JsonOutput.text(event.path("job"), "stopReason");
    if (stopReason != null) {
      out.println("stopped because: " + stopReason);
    }
  }

  static String header(JsonNode event) {
    JsonNode p = event.path("progress");
    String eta = JsonOutput.text(event, "estimatedFinishAt");
    String pause = JsonOutput.text(event.path("job"), "pauseReason");
    return String.format(
        "rollout %s -> %s  %s  %d/%d done%s%s",
        event.path("job").path("id").asText(),
        event.path("job").path("targetVersion").asText(),
        event.path("status").asText(),
        p.path("succeeded").asInt()
            + p.path("skipped").asInt()
            + p.path("failed").asInt()
            + p.path("timedOut").asInt(),
        event.path("job").path("totalDevices").asInt(),
        eta == null ? "" : "  eta " + eta,
        pause == null ? "" : "  paused: " + pause);
  }

  /**
   * The stage's counts live from the results ({@code progressByStage}), or null when the event has
   * none for it (a rollback stage, or an API that does not send them).
   */
  static JsonNode live(JsonNode event, JsonNode stage) {
    if (!"UPDATE".equals(stage.path("kind").asText("UPDATE"))) {
      return null;
    }
    for (JsonNode entry : event.path("progressByStage")) {
      if (!entry.path("stage").isNull()
          && entry.path("stage").asInt() == stage.path("index").asInt()) {
        return entry.path("progress");
      }
    }
    return null;
  }

  /**
   * One stage's line: its bar and counts, from the results when {@code live} has them (the stage's
   * own counters are written at the workflow's checkpoints and stand still in between).
   */
  static String stageLine(JsonNode stage, JsonNode live) {
    int assigned = stage.path("assigned").asInt();
    int succeeded;
    int failed;
    int inFlight;
    if (live != null) {
      succeeded = live.path("succeeded").asInt() + live.path("skipped").asInt();
      failed = live.path("failed").asInt() + live.path("timedOut").asInt();
      inFlight = live.path("inProgress").asInt();
      int rows = succeeded + failed + inFlight + live.path("queued").asInt();
      assigned = Math.max(assigned, rows);
    } else {
      succeeded = stage.path("succeeded").asInt() + stage.path("skipped").asInt();
      failed =
          stage.path("failed").asInt()
              + stage.path("timedOut").asInt()
              + stage.path("rejected").asInt()
              + stage.path("rolledBack").asInt();
      inFlight = stage.path("inFlight").asInt();
    }
    int done = succeeded + failed;
    int filled = assigned == 0 ? 0 : (int) Math.min(BAR, (long) done * BAR / assigned);
    return String.format(
        "  stage %d %-12s %-16s [%s%s] %d/%d  succeeded %d  failed %d  in flight %d",
        stage.path("index").asInt(),
        stage.path("name").asText(),
        stage.path("status").asText(),
        "#".repeat(filled),
        "-".repeat(BAR - filled),
        done,
        assigned,
        succeeded,
        failed,
        inFlight);
  }
}
