package dev.firmament.launcher;

import dev.firmament.cli.Cli;
import dev.firmament.cli.CommandGroup;
import dev.firmament.cli.HelpOption;
import dev.firmament.delta.cli.DeltaCommand;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code firmament delta diff|apply|info}: the delta engine's own command ({@link DeltaCommand}),
 * with its arguments typed and checked here. The delta builder is a library the device side uses
 * too, so it stays free of the command-line library and keeps its small parser; this class hands it
 * arguments that already parsed.
 */
@Command(
    name = "delta",
    description = "Build, apply or describe a binary delta.",
    subcommands = {DeltaCommands.Diff.class, DeltaCommands.Apply.class, DeltaCommands.Info.class})
final class DeltaCommands extends CommandGroup {
  /** The patch formats {@code delta diff} writes. */
  enum Format {
    NATIVE,
    BSDIFF40
  }

  static int delta(CommandSpec spec, List<String> args) {
    Cli cli = Cli.of(spec);
    return DeltaCommand.run(args, cli.out(), cli.err());
  }

  /** {@code firmament delta diff}. */
  @Command(name = "diff", description = "Build a patch that turns OLD into NEW.")
  static final class Diff implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OLD")
    Path oldImage;

    @Parameters(index = "1", paramLabel = "NEW")
    Path newImage;

    @Parameters(index = "2", paramLabel = "PATCH")
    Path patch;

    @Option(
        names = "--format",
        paramLabel = "native|bsdiff40",
        defaultValue = "NATIVE",
        description = "The patch format (default native).")
    Format format;

    @Mixin HelpOption help;

    @Override
    public Integer call() {
      return delta(
          spec,
          List.of(
              "diff",
              oldImage.toString(),
              newImage.toString(),
              patch.toString(),
              "--format",
              format.name().toLowerCase(Locale.ROOT)));
    }
  }

  /** {@code firmament delta apply}. */
  @Command(name = "apply", description = "Apply PATCH to OLD and write the result to OUT.")
  static final class Apply implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OLD")
    Path oldImage;

    @Parameters(index = "1", paramLabel = "PATCH")
    Path patch;

    @Parameters(index = "2", paramLabel = "OUT")
    Path output;

    @Mixin HelpOption help;

    @Override
    public Integer call() {
      return delta(
          spec, List.of("apply", oldImage.toString(), patch.toString(), output.toString()));
    }
  }

  /** {@code firmament delta info}. */
  @Command(name = "info", description = "Describe a patch.")
  static final class Info implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PATCH")
    Path patch;

    @Mixin HelpOption help;

    @Override
    public Integer call() {
      return delta(spec, List.of("info", patch.toString()));
    }
  }
}
