package dev.firmament.launcher;

import java.io.PrintStream;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Where a command writes and what environment it reads: the process's own streams and environment
 * from {@code main}, captured ones in tests. Every command reaches it through its {@link
 * CommandSpec}, from the root command that holds it.
 */
record Cli(PrintStream out, PrintStream err, Map<String, String> env) {
  /** The environment variable every command that talks to the API reads its token from. */
  static final String TOKEN_VARIABLE = "FIRMAMENT_TOKEN";

  static Cli of(CommandSpec spec) {
    return ((Firmament) spec.root().userObject()).cli();
  }
}
