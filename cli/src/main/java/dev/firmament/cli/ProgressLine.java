package dev.firmament.cli;

import java.io.PrintStream;

/**
 * Progress output for long-running commands: a redrawn bar on a terminal, a periodic plain line
 * otherwise (logs, CI), so that progress is visible in both without flooding either.
 */
public final class ProgressLine {
  private static final int WIDTH = 30;
  private final PrintStream out;
  private final boolean terminal;
  private final long plainEveryNanos;
  private long lastPlain;
  private boolean drawn;

  public ProgressLine(PrintStream out, boolean terminal, long plainEveryMillis) {
    this.out = out;
    this.terminal = terminal;
    this.plainEveryNanos = plainEveryMillis * 1_000_000L;
  }

  public static ProgressLine forStdout() {
    return new ProgressLine(System.out, System.console() != null, 2_000);
  }

  /** Shows progress; on a plain stream only every few seconds unless {@code force}. */
  public void show(long done, long total, String detail, boolean force) {
    String line = render(done, total, detail);
    if (terminal) {
      out.print("\r" + line + "\u001b[K");
      out.flush();
      drawn = true;
      return;
    }
    long now = System.nanoTime();
    if (force || lastPlain == 0 || now - lastPlain >= plainEveryNanos) {
      out.println(line);
      lastPlain = now;
    }
  }

  /** Ends the bar so that the next output starts on a fresh line. */
  public void finish() {
    if (terminal && drawn) {
      out.println();
      drawn = false;
    }
  }

  public static String render(long done, long total, String detail) {
    int filled = total <= 0 ? WIDTH : (int) Math.min(WIDTH, done * WIDTH / total);
    String bar = "#".repeat(filled) + "-".repeat(WIDTH - filled);
    int percent = total <= 0 ? 100 : (int) Math.min(100, done * 100 / total);
    return String.format("[%s] %3d%% %d/%d  %s", bar, percent, done, total, detail);
  }
}
