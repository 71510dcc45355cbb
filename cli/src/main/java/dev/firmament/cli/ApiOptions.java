package dev.firmament.cli;

import dev.firmament.cli.FirmamentCli.UsageException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The options of every command that talks to a running API: where it is, and the caller's token.
 * Each setting comes from its option, else from the environment ({@value Cli#SERVER_VARIABLE},
 * {@value Cli#TOKEN_VARIABLE}), else from the selected profile of the config file ({@link
 * ApiConfig}); the server defaults to {@value #DEFAULT_SERVER}.
 */
public final class ApiOptions {
  public static final String DEFAULT_SERVER = "http://localhost:8080";

  @Option(
      names = "--server",
      paramLabel = "URL",
      description =
          "The API's base URL; default "
              + Cli.SERVER_VARIABLE
              + ", the profile's server, else "
              + DEFAULT_SERVER
              + ".")
  String server;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description = "The API token; default " + Cli.TOKEN_VARIABLE + ", else the profile's token.")
  String token;

  @Option(
      names = "--profile",
      paramLabel = "NAME",
      description =
          "The config file's profile to use; default "
              + Cli.PROFILE_VARIABLE
              + ", else 'default' (see 'firmament --help').")
  String profile;

  private ApiConfig config;

  private ApiConfig config(CommandSpec spec) {
    if (config == null) {
      Cli cli = Cli.of(spec);
      config = ApiConfig.load(cli.env(), profile, cli.err());
    }
    return config;
  }

  /** The server's URL as given, from the option, the environment, the profile or the default. */
  String server(CommandSpec spec) {
    if (server != null) {
      return server;
    }
    String fromEnv = Cli.of(spec).env().get(Cli.SERVER_VARIABLE);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv.strip();
    }
    String fromProfile = config(spec).get("server");
    return fromProfile != null ? fromProfile : DEFAULT_SERVER;
  }

  /** The server's URL without trailing slashes. */
  String base(CommandSpec spec) {
    return server(spec).replaceAll("/+$", "");
  }

  /** The token from the option, the environment or the profile; a usage error when none has one. */
  String token(CommandSpec spec) {
    String value = token != null ? token : Cli.of(spec).env().get(Cli.TOKEN_VARIABLE);
    if (value == null || value.isBlank()) {
      value = config(spec).get("token");
    }
    if (value == null || value.isBlank()) {
      throw new ParameterException(
          spec.commandLine(),
          "an API token is required: --token TOKEN or "
              + Cli.TOKEN_VARIABLE
              + " (or profile."
              + config(spec).profile()
              + ".token in "
              + (config(spec).file() == null ? ApiConfig.DEFAULT_PATH : config(spec).file())
              + ")");
    }
    return value.strip();
  }

  /** A GraphQL client for the server's {@code /graphql} with the caller's token. */
  GraphqlClient client(CommandSpec spec) {
    String token = token(spec);
    String base = base(spec);
    try {
      return new GraphqlClient(base + "/graphql", token);
    } catch (IllegalArgumentException e) {
      throw new UsageException("bad server URL '" + server(spec) + "'");
    }
  }
}
