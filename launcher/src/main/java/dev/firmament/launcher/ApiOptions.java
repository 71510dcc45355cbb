package dev.firmament.launcher;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The options of every command that talks to a running API: where it is, and the caller's token
 * (from {@code --token} or the environment variable {@value Cli#TOKEN_VARIABLE}).
 */
final class ApiOptions {
  @Option(
      names = "--server",
      paramLabel = "URL",
      defaultValue = "http://localhost:8080",
      description = "The API's base URL (default ${DEFAULT-VALUE}).")
  String server;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description = "The API token; default the environment variable " + Cli.TOKEN_VARIABLE + ".")
  String token;

  /** The server's URL without trailing slashes. */
  String base() {
    return server.replaceAll("/+$", "");
  }

  /** The token from the option or the environment; a usage error when there is none. */
  String token(CommandSpec spec) {
    String value = token != null ? token : Cli.of(spec).env().get(Cli.TOKEN_VARIABLE);
    if (value == null || value.isBlank()) {
      throw new ParameterException(
          spec.commandLine(), "an API token is required: --token TOKEN or " + Cli.TOKEN_VARIABLE);
    }
    return value.strip();
  }

  /** A GraphQL client for the server's {@code /graphql} with the caller's token. */
  GraphqlClient client(CommandSpec spec) {
    String token = token(spec);
    try {
      return new GraphqlClient(base() + "/graphql", token);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "bad --server URL '" + server + "'");
    }
  }
}
