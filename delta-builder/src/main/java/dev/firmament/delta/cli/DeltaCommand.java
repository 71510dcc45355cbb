package dev.firmament.delta.cli;

import dev.firmament.delta.ApplyResult;
import dev.firmament.delta.DeltaApplier;
import dev.firmament.delta.DeltaDiffer;
import dev.firmament.delta.DiffOptions;
import dev.firmament.delta.DiffResult;
import dev.firmament.delta.PatchFormat;
import dev.firmament.delta.PatchInfo;
import dev.firmament.delta.io.DeltaFormatException;
import dev.firmament.delta.io.SeekableSource;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code firmament delta ...}: diff, apply and inspect patches. Exit codes: 0 success, 1 failure
 * (bad patch, wrong old image, I/O error), 2 usage error.
 */
public final class DeltaCommand {
  public static final int OK = 0;
  public static final int FAILURE = 1;
  public static final int USAGE = 2;

  static final String USAGE_TEXT =
      """
      usage: firmament delta diff OLD NEW PATCH [--format native|bsdiff40]
             firmament delta apply OLD PATCH OUT
             firmament delta info PATCH
      """;

  private DeltaCommand() {}

  public static void main(String[] args) {
    System.exit(run(List.of(args), System.out, System.err));
  }

  /** Runs a delta sub-command; {@code args} exclude the leading word "delta". */
  public static int run(List<String> args, PrintStream out, PrintStream err) {
    if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("-h")) {
      (args.isEmpty() ? err : out).print(USAGE_TEXT);
      return args.isEmpty() ? USAGE : OK;
    }
    String cmd = args.get(0);
    List<String> rest = args.subList(1, args.size());
    try {
      return switch (cmd) {
        case "diff" -> diff(rest, out, err);
        case "apply" -> apply(rest, out, err);
        case "info" -> info(rest, out, err);
        default -> usage(err, "unknown command '" + cmd + "'");
      };
    } catch (DeltaFormatException e) {
      err.println("delta " + cmd + ": invalid patch: " + e.getMessage());
      return FAILURE;
    } catch (NoSuchFileException e) {
      err.println("delta " + cmd + ": no such file: " + e.getFile());
      return FAILURE;
    } catch (IOException e) {
      err.println("delta " + cmd + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
      return FAILURE;
    } catch (OutOfMemoryError e) {
      err.println("delta " + cmd + ": out of memory (images too large for this JVM)");
      return FAILURE;
    } catch (RuntimeException e) {
      err.println("delta " + cmd + ": internal error: " + e);
      return FAILURE;
    }
  }

  private static int usage(PrintStream err, String message) {
    err.println("delta: " + message);
    err.print(USAGE_TEXT);
    return USAGE;
  }

  private static int diff(List<String> args, PrintStream out, PrintStream err) throws IOException {
    List<String> pos = new ArrayList<>();
    PatchFormat format = PatchFormat.NATIVE;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      String value = null;
      if (a.equals("--format")) {
        if (i + 1 >= args.size()) {
          return usage(err, "--format needs a value (native or bsdiff40)");
        }
        value = args.get(++i);
      } else if (a.startsWith("--format=")) {
        value = a.substring("--format=".length());
      } else if (a.startsWith("--")) {
        return usage(err, "unknown option " + a);
      } else {
        pos.add(a);
      }
      if (value != null) {
        switch (value) {
          case "native" -> format = PatchFormat.NATIVE;
          case "bsdiff40", "bsdiff" -> format = PatchFormat.BSDIFF40;
          default -> {
            return usage(err, "unknown format '" + value + "' (native or bsdiff40)");
          }
        }
      }
    }
    if (pos.size() != 3) {
      return usage(err, "diff needs OLD NEW PATCH");
    }
    byte[] old = Files.readAllBytes(Path.of(pos.get(0)));
    byte[] neu = Files.readAllBytes(Path.of(pos.get(1)));
    DiffResult r = DeltaDiffer.diff(old, neu, DiffOptions.DEFAULT.withFormat(format));
    Path patchPath = Path.of(pos.get(2));
    if (r.patch() != null) {
      writeAtomically(patchPath, r.patch());
    }
    out.printf(
        "%s patch: %s bytes (full image %d bytes zstd), filter %s, %d ms%n",
        format == PatchFormat.NATIVE ? "native" : "bsdiff40",
        r.patch() == null ? "-" : Long.toString(r.patch().length),
        r.fullImageBytes(),
        r.filter(),
        r.elapsed().toMillis());
    out.println(
        (r.useDelta() ? "decision: delta (" : "decision: use full image (") + r.reason() + ")");
    if (r.patch() == null) {
      out.println("no patch written");
    }
    return OK;
  }

  private static int apply(List<String> args, PrintStream out, PrintStream err) throws IOException {
    if (args.size() != 3 || args.stream().anyMatch(a -> a.startsWith("--"))) {
      return usage(err, "apply needs OLD PATCH OUT");
    }
    Path outPath = Path.of(args.get(2));
    Path dir = outPath.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, outPath.getFileName() + ".", ".part");
    ApplyResult r;
    try (SeekableSource old = SeekableSource.open(Path.of(args.get(0)));
        SeekableSource patch = SeekableSource.open(Path.of(args.get(1)));
        OutputStream o = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
      r = DeltaApplier.apply(old, patch, o);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    move(tmp, outPath);
    out.printf("wrote %s: %d bytes, sha256 %s%n", outPath, r.newSize(), r.newSha256Hex());
    return OK;
  }

  private static int info(List<String> args, PrintStream out, PrintStream err) throws IOException {
    if (args.size() != 1) {
      return usage(err, "info needs PATCH");
    }
    Path p = Path.of(args.get(0));
    try (InputStream in = new BufferedInputStream(Files.newInputStream(p))) {
      PatchInfo info = PatchInfo.read(in);
      out.println("patch:      " + p + " (" + Files.size(p) + " bytes)");
      out.print(info.describe());
    }
    return OK;
  }

  private static void writeAtomically(Path target, byte[] data) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, target.getFileName() + ".", ".part");
    try {
      Files.write(tmp, data);
      move(tmp, target);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
  }

  private static void move(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
