package dev.firmament.cli;

import picocli.CommandLine.Option;

/**
 * {@code -h, --help} for every command. It is left out of the generated synopsis and option list
 * (the root command's description mentions it), so that a command's usage line starts with what the
 * command needs.
 */
public final class HelpOption {
  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      hidden = true,
      description = "Print this command's usage and exit.")
  boolean help;
}
