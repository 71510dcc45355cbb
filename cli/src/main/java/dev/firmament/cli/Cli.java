package dev.firmament.cli;

import java.io.PrintStream;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Where a command writes and what environment it reads: the process's own streams and environment
 * from {@code main}, captured ones in tests. Every command reaches it through its {@link
 * CommandSpec}, from the root command that holds it (a {@link Root}).
 */
public record Cli(PrintStream out, PrintStream err, Map<String, String> env) {
  /** The environment variable every command that talks to the API reads its token from. */
  public static final String TOKEN_VARIABLE = "FIRMAMENT_TOKEN";

  /** The environment variable that names the API's base URL when {@code --server} does not. */
  public static final String SERVER_VARIABLE = "FIRMAMENT_SERVER";

  /** The environment variable that names the config profile when {@code --profile} does not. */
  public static final String PROFILE_VARIABLE = "FIRMAMENT_PROFILE";

  /** The environment variable that names the config file instead of the default path. */
  public static final String CONFIG_VARIABLE = "FIRMAMENT_CONFIG";

  /** A root command: the slim CLI's or the launcher's. */
  public interface Root {
    Cli cli();
  }

  public static Cli of(CommandSpec spec) {
    return ((Root) spec.root().userObject()).cli();
  }
}
