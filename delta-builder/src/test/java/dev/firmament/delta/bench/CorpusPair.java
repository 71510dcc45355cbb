package dev.firmament.delta.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** A {@code NAME.old}/{@code NAME.new} pair of a corpus directory: the probes' input. */
record CorpusPair(String name, byte[] oldImage, byte[] newImage) {
  /** The pairs of {@code dir}, in name order. */
  static List<CorpusPair> in(String dir) throws IOException {
    List<Path> olds;
    try (Stream<Path> s = Files.list(Path.of(dir))) {
      olds = s.filter(p -> p.toString().endsWith(".old")).sorted().toList();
    }
    List<CorpusPair> pairs = new ArrayList<>();
    for (Path old : olds) {
      String name = old.getFileName().toString().replaceAll("\\.old$", "");
      pairs.add(
          new CorpusPair(
              name,
              Files.readAllBytes(old),
              Files.readAllBytes(old.resolveSibling(name + ".new"))));
    }
    return pairs;
  }
}
