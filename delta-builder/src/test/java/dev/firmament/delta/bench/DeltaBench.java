package dev.firmament.delta.bench;

import com.github.luben.zstd.Zstd;
import dev.firmament.delta.ApplyResult;
import dev.firmament.delta.DeltaApplier;
import dev.firmament.delta.DeltaDiffer;
import dev.firmament.delta.DiffOptions;
import dev.firmament.delta.DiffResult;
import dev.firmament.delta.PatchFormat;
import dev.firmament.delta.io.SeekableSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Benchmark of the delta engine against the C tools on every {@code NAME.old}/{@code NAME.new} pair
 * of a directory. Not a test: run it with {@code bench/delta/run.sh [DIR]}.
 *
 * <p>Our differ and applier are timed in this JVM after a second of warm-up runs per pair (at least
 * one, at most 200: steady state, as in a long-running delta-build worker); the C tools are timed
 * as processes. Apply peak memory is the max RSS from {@code /usr/bin/time -v}: for our applier, a
 * fresh JVM with {@code -Xmx32m} running {@link ApplyProbe} (so it includes the JVM's own
 * baseline), and the applier's own buffer bytes are shown separately.
 */
public final class DeltaBench {
  record Row(
      String tool, long bytes, double diffMs, double applyMs, long applyRssKb, String note) {}

  static final PrintStream LOG = System.err;
  static String javaBin;
  static String classpath;
  static Path work;

  private DeltaBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "../shared/firmware");
    javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    classpath = System.getProperty("java.class.path");
    work = Files.createTempDirectory("delta-bench");
    List<String> names;
    try (Stream<Path> s = Files.list(dir)) {
      names =
          s.map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".old"))
              .map(n -> n.substring(0, n.length() - 4))
              .filter(n -> Files.exists(dir.resolve(n + ".new")))
              .sorted((a, b) -> Long.compare(size(dir, a), size(dir, b)))
              .toList();
    }
    boolean haveTime = Files.isExecutable(Path.of("/usr/bin/time"));
    Path hdiffz = hdiffPatch();
    Map<String, Map<String, Row>> results = new LinkedHashMap<>();
    Map<String, Long> fullSizes = new LinkedHashMap<>();
    jitWarmUp(dir, names);
    int i = 0;
    for (String name : names) {
      i++;
      Path oldF = dir.resolve(name + ".old");
      Path newF = dir.resolve(name + ".new");
      byte[] old = Files.readAllBytes(oldF);
      byte[] neu = Files.readAllBytes(newF);
      LOG.printf("[%d/%d] %s: %,d -> %,d bytes%n", i, names.size(), name, old.length, neu.length);
      long full = Zstd.compress(neu, 19).length;
      fullSizes.put(name, full);
      Map<String, Row> rows = new LinkedHashMap<>();
      for (PatchFormat f : PatchFormat.values()) {
        String tool = f == PatchFormat.NATIVE ? "ours native" : "ours bsdiff40";
        LOG.printf("  %s: diff...%n", tool);
        rows.put(
            tool, ours(name, old, neu, tool, DiffOptions.DEFAULT.withFormat(f), full, haveTime));
      }
      // The LZMA entropy stage (kept when smaller), which appliers must declare they decode.
      LOG.printf("  %s: diff...%n", LZMA);
      rows.put(
          LZMA,
          ours(
              name,
              old,
              neu,
              LZMA,
              DiffOptions.DEFAULT.withCodec(DiffOptions.Codec.SMALLEST),
              full,
              haveTime));
      if (exe("/usr/bin/bsdiff") && exe("/usr/bin/bspatch")) {
        LOG.println("  C bsdiff: diff...");
        Path p = work.resolve(name + ".cbsdiff");
        rows.put(
            "C bsdiff",
            external(
                "C bsdiff",
                name,
                neu,
                p,
                List.of("/usr/bin/bsdiff", oldF.toString(), newF.toString(), p.toString()),
                out -> List.of("/usr/bin/bspatch", oldF.toString(), out.toString(), p.toString()),
                haveTime));
      }
      if (exe("/usr/bin/xdelta3")) {
        LOG.println("  xdelta3 -9: diff...");
        Path p = work.resolve(name + ".xd3");
        rows.put(
            "xdelta3 -9",
            external(
                "xdelta3 -9",
                name,
                neu,
                p,
                List.of(
                    "/usr/bin/xdelta3",
                    "-9",
                    "-e",
                    "-f",
                    "-s",
                    oldF.toString(),
                    newF.toString(),
                    p.toString()),
                out ->
                    List.of(
                        "/usr/bin/xdelta3",
                        "-d",
                        "-f",
                        "-s",
                        oldF.toString(),
                        p.toString(),
                        out.toString()),
                haveTime));
      }
      if (hdiffz != null) {
        LOG.println("  hdiffz (lzma2): diff...");
        Path p = work.resolve(name + ".hdiff");
        rows.put(
            HDIFFZ,
            external(
                HDIFFZ,
                name,
                neu,
                p,
                List.of(
                    hdiffz.resolve("hdiffz").toString(),
                    "-m-1",
                    "-SD-2m",
                    "-cache",
                    "-d",
                    "-f",
                    "-p-1",
                    "-c-lzma2-9-16m",
                    oldF.toString(),
                    newF.toString(),
                    p.toString()),
                out ->
                    List.of(
                        hdiffz.resolve("hpatchz").toString(),
                        "-f",
                        oldF.toString(),
                        p.toString(),
                        out.toString()),
                haveTime));
      }
      if (exe("/usr/bin/zstd")) {
        LOG.println("  zstd --patch-from: diff...");
        Path p = work.resolve(name + ".zst");
        rows.put(
            "zstd patch-from",
            external(
                "zstd patch-from",
                name,
                neu,
                p,
                List.of(
                    "/usr/bin/zstd",
                    "-q",
                    "-f",
                    "-19",
                    "--long=27",
                    "--patch-from=" + oldF,
                    newF.toString(),
                    "-o",
                    p.toString()),
                out ->
                    List.of(
                        "/usr/bin/zstd",
                        "-q",
                        "-f",
                        "-d",
                        "--long=27",
                        "--patch-from=" + oldF,
                        p.toString(),
                        "-o",
                        out.toString()),
                haveTime));
      }
      results.put(name, rows);
    }
    print(results, fullSizes);
    try (Stream<Path> files = Files.list(work)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
    }
    Files.deleteIfExists(work);
  }

  /** The row of HDiffPatch's differ at its smallest setting (../shared/tools/hdiffpatch). */
  static final String HDIFFZ = "hdiffz lzma2";

  /**
   * The directory holding HDiffPatch's {@code hdiffz} and {@code hpatchz} (the system property
   * {@code delta.bench.hdiffpatch}, which bench/delta/run.sh sets), or null, said once, when they
   * are not there: the anchor is skipped.
   */
  static Path hdiffPatch() {
    String dir = System.getProperty("delta.bench.hdiffpatch", "");
    if (!dir.isEmpty()
        && exe(Path.of(dir, "hdiffz").toString())
        && exe(Path.of(dir, "hpatchz").toString())) {
      return Path.of(dir);
    }
    LOG.println(
        "HDiffPatch not found"
            + (dir.isEmpty() ? "" : " in " + dir)
            + " (hdiffz and hpatchz): its anchor is skipped");
    return null;
  }

  static long size(Path dir, String name) {
    try {
      return Files.size(dir.resolve(name + ".new"));
    } catch (IOException e) {
      return 0;
    }
  }

  static boolean exe(String p) {
    return Files.isExecutable(Path.of(p));
  }

  static final String LZMA = "ours native lzma";

  static Row ours(
      String name,
      byte[] old,
      byte[] neu,
      String tool,
      DiffOptions opts,
      long full,
      boolean haveTime)
      throws Exception {
    PatchFormat f = opts.format();
    warmUp(() -> DeltaDiffer.diff(old, neu, opts));
    int runs = neu.length > (2 << 20) ? 1 : 3;
    double[] times = new double[runs];
    DiffResult r = null;
    for (int k = 0; k < runs; k++) {
      long t0 = System.nanoTime();
      r = DeltaDiffer.diff(old, neu, opts);
      times[k] = (System.nanoTime() - t0) / 1e6;
    }
    double diffMs = median(times);
    if (!r.useDelta()) {
      LOG.printf("  -> full image (%s)%n", r.reason());
      return new Row(
          tool,
          full,
          diffMs,
          Double.NaN,
          -1,
          "full image: " + (r.reason().startsWith("early") ? "early screen" : "delta too large"));
    }
    byte[] patch = r.patch();
    // Warm apply, then timed apply.
    ByteArrayOutputStream out = new ByteArrayOutputStream(neu.length);
    warmUp(
        () -> {
          out.reset();
          return DeltaApplier.apply(SeekableSource.of(old), SeekableSource.of(patch), out);
        });
    double[] at = new double[runs];
    ApplyResult ar = null;
    for (int k = 0; k < runs; k++) {
      out.reset();
      long t0 = System.nanoTime();
      ar = DeltaApplier.apply(SeekableSource.of(old), SeekableSource.of(patch), out);
      at[k] = (System.nanoTime() - t0) / 1e6;
    }
    if (!Arrays.equals(out.toByteArray(), neu)) {
      throw new IllegalStateException("our apply mismatch on " + name);
    }
    long rss = -1;
    if (haveTime) {
      Path pf = work.resolve(name + "." + tool.replace(' ', '-'));
      Files.write(pf, patch);
      Path dst = work.resolve(name + ".probe.out");
      Path oldF = work.resolve(name + ".old");
      Files.write(oldF, old);
      Measured m =
          measure(
              List.of(
                  javaBin,
                  "-Xmx32m",
                  "-XX:TieredStopAtLevel=1",
                  "-XX:+UseSerialGC",
                  "--enable-native-access=ALL-UNNAMED",
                  "-cp",
                  classpath,
                  ApplyProbe.class.getName(),
                  oldF.toString(),
                  pf.toString(),
                  dst.toString()),
              true);
      if (!Arrays.equals(Files.readAllBytes(dst), neu)) {
        throw new IllegalStateException("probe apply mismatch on " + name);
      }
      rss = m.maxRssKb;
    }
    return new Row(
        tool,
        patch.length,
        diffMs,
        median(at),
        rss,
        (f == PatchFormat.NATIVE ? "filter " + r.filter() + ", " : "")
            + "applier buffers "
            + ar.bufferBytes() / 1024
            + " KiB");
  }

  interface ApplyCmd {
    List<String> of(Path out);
  }

  static Row external(
      String label,
      String name,
      byte[] neu,
      Path patch,
      List<String> diff,
      ApplyCmd apply,
      boolean haveTime)
      throws Exception {
    int runs = neu.length > (2 << 20) ? 1 : 3;
    double[] dt = new double[runs];
    double[] at = new double[runs];
    Measured a = null;
    Path out = work.resolve(name + ".ext.out");
    for (int k = 0; k < runs; k++) {
      dt[k] = measure(diff, haveTime).ms;
      a = measure(apply.of(out), haveTime);
      at[k] = a.ms;
    }
    if (!Arrays.equals(Files.readAllBytes(out), neu)) {
      throw new IllegalStateException(diff.get(0) + " round trip mismatch on " + name);
    }
    return new Row(label, Files.size(patch), median(dt), median(at), a.maxRssKb, "");
  }

  record Measured(double ms, long maxRssKb) {}

  static final Pattern RSS = Pattern.compile("Maximum resident set size \\(kbytes\\): (\\d+)");

  static Measured measure(List<String> cmd, boolean haveTime) throws Exception {
    List<String> full = new ArrayList<>();
    if (haveTime) {
      full.addAll(List.of("/usr/bin/time", "-v"));
    }
    full.addAll(cmd);
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(full).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    String err = new String(p.getErrorStream().readAllBytes());
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed: " + err);
    }
    double ms = (System.nanoTime() - t0) / 1e6;
    Matcher m = RSS.matcher(err);
    return new Measured(ms, m.find() ? Long.parseLong(m.group(1)) : -1);
  }

  /** Pairs up to this size take part in the JIT warm-up pass. */
  static final long JIT_WARM_UP_MAX_BYTES = 1 << 20;

  /**
   * Diffs every pair of at most {@link #JIT_WARM_UP_MAX_BYTES} once with each of our settings
   * before anything is timed: otherwise the first, smallest pairs are timed while the JIT still
   * compiles code the later pairs need (the first 4 KB pair took 25 ms where a warm differ takes
   * 8).
   */
  static void jitWarmUp(Path dir, List<String> names) throws Exception {
    LOG.println("warming up the JIT on every pair up to 1 MiB...");
    for (String name : names) {
      if (size(dir, name) > JIT_WARM_UP_MAX_BYTES) {
        continue;
      }
      byte[] old = Files.readAllBytes(dir.resolve(name + ".old"));
      byte[] neu = Files.readAllBytes(dir.resolve(name + ".new"));
      for (DiffOptions opts :
          List.of(
              DiffOptions.DEFAULT,
              DiffOptions.DEFAULT.withFormat(PatchFormat.BSDIFF40),
              DiffOptions.DEFAULT.withCodec(DiffOptions.Codec.SMALLEST))) {
        DeltaDiffer.diff(old, neu, opts);
      }
    }
  }

  /** Warm-up time per pair and operation: enough runs of a small pair for the JIT to settle. */
  static final long WARM_UP_NANOS = 1_000_000_000L;

  /** At most this many warm-up runs. */
  static final int WARM_UP_MAX_RUNS = 200;

  interface Work {
    Object run() throws Exception;
  }

  /**
   * Runs {@code work} at least once and until {@link #WARM_UP_NANOS} have passed (at most {@link
   * #WARM_UP_MAX_RUNS} times): one run of a 4 KB pair takes a few milliseconds, far from what a
   * warm worker takes, while one run of a 2 MB pair is already most of a second.
   */
  static void warmUp(Work work) throws Exception {
    long start = System.nanoTime();
    int runs = 0;
    do {
      work.run();
      runs++;
    } while (runs < WARM_UP_MAX_RUNS && System.nanoTime() - start < WARM_UP_NANOS);
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  static void print(Map<String, Map<String, Row>> results, Map<String, Long> fullSizes) {
    PrintStream o = System.out;
    o.println();
    o.println(
        "| pair | tool | patch bytes | % of zstd -19 | diff ms | apply ms | apply max RSS | notes |");
    o.println("|---|---|---:|---:|---:|---:|---:|---|");
    Map<String, Long> totals = new LinkedHashMap<>();
    Map<String, Long> totalsDelta = new LinkedHashMap<>();
    List<Double> diffRatios = new ArrayList<>();
    List<String> ratioLines = new ArrayList<>();
    for (var e : results.entrySet()) {
      String pair = e.getKey();
      long full = fullSizes.get(pair);
      boolean nativeFull = e.getValue().get("ours native").note().startsWith("full image");
      for (Row r : e.getValue().values()) {
        o.printf(
            "| %s | %s | %,d | %.1f%% | %.0f | %s | %s | %s |%n",
            pair,
            r.tool(),
            r.bytes(),
            100.0 * r.bytes() / full,
            r.diffMs(),
            Double.isNaN(r.applyMs()) ? "-" : String.format("%.1f", r.applyMs()),
            r.applyRssKb() < 0 ? "-" : String.format("%,d KB", r.applyRssKb()),
            r.note());
        totals.merge(r.tool(), r.bytes(), Long::sum);
        if (!nativeFull) {
          totalsDelta.merge(r.tool(), r.bytes(), Long::sum);
        }
      }
      Row n = e.getValue().get("ours native");
      Row c = e.getValue().get("C bsdiff");
      Row h = e.getValue().get(HDIFFZ);
      if (c != null) {
        diffRatios.add(n.diffMs() / c.diffMs());
      }
      if (c != null || h != null) {
        ratioLines.add(
            String.format(
                "| %s | %s | %s | %s | %s | %s |",
                pair,
                c == null ? "-" : String.format("%.3f", (double) n.bytes() / c.bytes()),
                c == null
                    ? "-"
                    : String.format(
                        "%.3f", (double) e.getValue().get("ours bsdiff40").bytes() / c.bytes()),
                c == null ? "-" : String.format("%.2f", n.diffMs() / c.diffMs()),
                h == null ? "-" : String.format("%.3f", (double) n.bytes() / h.bytes()),
                h == null ? "-" : String.format("%.2f", n.diffMs() / h.diffMs())));
      }
    }
    o.println();
    o.println(
        "| pair | native / C bsdiff bytes | our bsdiff40 / C bsdiff bytes | native / C bsdiff diff time"
            + " | native / hdiffz bytes | native / hdiffz diff time |");
    o.println("|---|---:|---:|---:|---:|---:|");
    ratioLines.forEach(o::println);
    o.println();
    o.println("| tool | total bytes, all pairs | total bytes, pairs where we ship a delta |");
    o.println("|---|---:|---:|");
    for (String tool : totals.keySet()) {
      o.printf("| %s | %,d | %,d |%n", tool, totals.get(tool), totalsDelta.getOrDefault(tool, 0L));
    }
    Long cb = totals.get("C bsdiff");
    if (cb != null) {
      o.println();
      o.printf(
          "native / C bsdiff total bytes: %.3f (all pairs), %.3f (pairs where we ship a delta)%n",
          (double) totals.get("ours native") / cb,
          (double) totalsDelta.get("ours native") / totalsDelta.get("C bsdiff"));
      double[] dr = diffRatios.stream().mapToDouble(Double::doubleValue).toArray();
      o.printf("median native / C bsdiff diff-time ratio: %.2f%n", median(dr));
    }
    Long hd = totals.get(HDIFFZ);
    if (hd != null) {
      o.printf(
          "native / hdiffz total bytes: %.3f (all pairs), %.3f (pairs where we ship a delta)%n",
          (double) totals.get("ours native") / hd,
          (double) totalsDelta.get("ours native") / totalsDelta.get(HDIFFZ));
    }
    if (totals.containsKey(LZMA)) {
      o.printf(
          "native lzma / native total bytes: %.3f%n",
          (double) totals.get(LZMA) / totals.get("ours native"));
      if (cb != null) {
        o.printf(
            "native lzma / C bsdiff total bytes: %.3f (all pairs), %.3f (pairs where we ship a"
                + " delta)%n",
            (double) totals.get(LZMA) / cb,
            (double) totalsDelta.get(LZMA) / totalsDelta.get("C bsdiff"));
        double[] lr =
            results.values().stream()
                .filter(m -> m.containsKey("C bsdiff"))
                .mapToDouble(m -> m.get(LZMA).diffMs() / m.get("C bsdiff").diffMs())
                .toArray();
        o.printf("median native lzma / C bsdiff diff-time ratio: %.2f%n", median(lr));
      }
      if (hd != null) {
        o.printf(
            "native lzma / hdiffz total bytes: %.3f (all pairs), %.3f (pairs where we ship a"
                + " delta)%n",
            (double) totals.get(LZMA) / hd,
            (double) totalsDelta.get(LZMA) / totalsDelta.get(HDIFFZ));
      }
    }
  }
}
