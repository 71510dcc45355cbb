package dev.firmament.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Range checks of numeric options: a usage error naming the option. */
public final class Ranges {
  private Ranges() {}

  public static void check(CommandSpec spec, String option, long value, long min, long max) {
    if (value < min || value > max) {
      throw new ParameterException(
          spec.commandLine(),
          option + " must be between " + min + " and " + max + ", got " + value);
    }
  }
}
