package dev.firmament.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** A command that only groups others ({@code firmament rollouts}): alone, a usage error. */
public abstract class CommandGroup implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin HelpOption help;

  @Override
  public Integer call() {
    throw new ParameterException(
        spec.commandLine(),
        "a command is required: "
            + String.join(
                ", ",
                spec.subcommands().values().stream()
                    .map(CommandLine::getCommandName)
                    .distinct()
                    .toList()));
  }
}
